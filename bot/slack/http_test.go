package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	csslack "github.com/csbot/csbot/bot/slack"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// fakeSlack speaks the Slack Web API wire format and records every call.
type fakeSlack struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []call
	// ws serves Socket Mode connections at /ws when set.
	ws http.HandlerFunc
	// refuse is a channel whose file shares fail with not_in_channel.
	refuse string
}

type call struct {
	Method string
	Form   url.Values
	JSON   map[string]any // JSON posts: response_url, views.open
	Size   int            // bytes posted to an upload URL
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" && f.ws != nil {
			f.ws(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		c := call{Method: strings.TrimPrefix(r.URL.Path, "/api/")}
		switch {
		case strings.HasPrefix(r.URL.Path, "/respond/"):
			c.Method = "response_url"
		case strings.HasPrefix(r.URL.Path, "/upload/"):
			c.Method, c.Size = "upload_url", len(body)
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			_ = json.Unmarshal(body, &c.JSON)
		} else {
			c.Form, _ = url.ParseQuery(string(body))
		}
		f.mu.Lock()
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch c.Method {
		case "users.info":
			// Users whose id ends in JA have Slack set to Japanese.
			user, locale := c.Form.Get("user"), "en-US"
			if strings.HasSuffix(user, "JA") && c.Form.Get("include_locale") == "true" {
				locale = "ja-JP"
			}
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"is_restricted":%v,"locale":%q}}`, user, user == "U0GUEST", locale)
		case "conversations.info":
			// Channels named CEXT... are Slack Connect channels; csbot is
			// not in those named CNOTIN... .
			ch := c.Form.Get("channel")
			if strings.HasPrefix(ch, "CNOTIN") {
				io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
				return
			}
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true,"is_shared":%[2]v,"is_ext_shared":%[2]v}}`, ch, strings.HasPrefix(ch, "CEXT"))
		case "apps.connections.open":
			fmt.Fprintf(w, `{"ok":true,"url":"ws://%s/ws"}`, r.Host)
		case "conversations.open":
			io.WriteString(w, `{"ok":true,"channel":{"id":"D0AIKO"}}`)
		case "chat.postMessage":
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.000100"}`, c.Form.Get("channel"))
		case "files.getUploadURLExternal":
			fmt.Fprintf(w, `{"ok":true,"upload_url":"http://%s/upload/v1/F1","file_id":"F1"}`, r.Host)
		case "upload_url":
			fmt.Fprintf(w, "OK - %d", c.Size)
		case "files.completeUploadExternal":
			if ch := c.Form.Get("channel_id"); ch != "" && ch == f.refuse {
				io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`)
				return
			}
			io.WriteString(w, `{"ok":true,"files":[{"id":"F1"}]}`)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) called(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

type env struct {
	st     *mongostore.Store
	engine *health.Engine
	slack  *fakeSlack
	app    *csslack.App
	srv    *httptest.Server
	now    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, storetest.Open(t))
}

// newEnvOn serves csbot's Slack endpoints over st, seeded with the test
// organisation; two of them on one database are two replicas.
func newEnvOn(t *testing.T, st *mongostore.Store) *env {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleCSM}, Identities: map[string]string{"slack": "U0AIKO"}},
		{ID: "gus", Name: "Gus Guest", Roles: []store.Role{store.RoleCSM}, Identities: map[string]string{"slack": "U0GUEST"}},
		{ID: "hiro", Name: "Hiro Admin", Roles: []store.Role{store.RoleAdmin}, Identities: map[string]string{"slack": "U0HIRO"}},
		{ID: "sora", Name: "Sora Mori", Roles: []store.Role{store.RoleCSM}},
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	seats, active := 100, 80
	if err := engine.Put(ctx, store.Account{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Phase: store.PhaseAdoption,
		Owner: "aiko", Seats: seats, ActiveUsers: active, LastTouch: now.AddDate(0, 0, -30)}); err != nil {
		t.Fatal(err)
	}
	set, err := playbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine, Playbooks: set}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	fs := newFakeSlack(t)
	client := csslack.NewClient("xoxb-test", fs.srv.URL+"/api/", csslack.WithSleep(func(context.Context, time.Duration) error { return nil }))
	app := csslack.NewApp(csslack.Deps{Router: bot.NewRouter(reg, st, log), Client: client, Claims: st, Store: st, Log: log})
	mux := http.NewServeMux()
	csslack.NewHTTP(app, secret).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{st: st, engine: engine, slack: fs, app: app, srv: srv, now: now}
}

func sign(body string, ts time.Time, key string) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

func (e *env) post(t *testing.T, path, body string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	client := &http.Client{Timeout: 3 * time.Second} // Slack's window
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func command(user, text string) string {
	return url.Values{
		"command": {"/cs"}, "text": {text}, "user_id": {user}, "channel_id": {"C1"}, "team_id": {"T1"},
		"response_url": {"RESPOND"}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"},
	}.Encode()
}

func (e *env) command(t *testing.T, user, text string) (int, string) {
	body := strings.Replace(command(user, text), "RESPOND", url.QueryEscape(e.slack.srv.URL+"/respond/1"), 1)
	return e.post(t, "/slack/commands", body, sign(body, time.Now(), secret))
}

// Every bad request is refused before anything happens: no Web API call,
// no note written.
func TestRequestsAreVerifiedFirst(t *testing.T) {
	e := newEnv(t)
	note := command("U0AIKO", "note acme call went well")
	noState := "payload=" + url.QueryEscape(`{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme"}}`)
	tests := []struct {
		name    string
		path    string
		body    string
		headers http.Header
		want    int
	}{
		{"forged", "/slack/commands", note, sign(note, time.Now(), "not-the-secret"), 401},
		{"missing signature", "/slack/commands", note, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 401},
		{"stale", "/slack/commands", note, sign(note, time.Now().Add(-6*time.Minute), secret), 401},
		{"body changed after signing", "/slack/commands", note + "x", sign(note, time.Now(), secret), 401},
		{"too large", "/slack/commands", strings.Repeat("a", bot.MaxBody+1), sign(strings.Repeat("a", bot.MaxBody+1), time.Now(), secret), 413},
		{"malformed command", "/slack/commands", "text=health", sign("text=health", time.Now(), secret), 400},
		{"malformed event", "/slack/events", "{not json", sign("{not json", time.Now(), secret), 400},
		{"malformed interaction", "/slack/interactions", "payload=%7Bnope", sign("payload=%7Bnope", time.Now(), secret), 400},
		{"view submission without state", "/slack/interactions", noState, sign(noState, time.Now(), secret), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _ := e.post(t, tc.path, tc.body, tc.headers)
			if code != tc.want {
				t.Errorf("status = %d, want %d", code, tc.want)
			}
		})
	}
	a, err := e.st.Account(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(a.LastTouch) < 24*time.Hour {
		t.Errorf("a refused request logged a note: last touch %v", a.LastTouch)
	}
	if calls := e.slack.called("chat.postMessage"); len(calls) != 0 {
		t.Errorf("refused requests posted messages: %+v", calls)
	}
}

// A signed request is served once, however its signature is written and
// whichever replica it reaches: each variant below replays the first.
// A replay is refused through the store's claims (every replica) and
// through the single-process guard the embedded store uses.
func TestReplayedCommandIsRefused(t *testing.T) {
	t.Run("store claims", func(t *testing.T) { replayRefused(t, newEnv(t)) })
	t.Run("local claims", func(t *testing.T) {
		e := newEnv(t)
		start := time.Now()
		e.app.Requests = bot.NewLocalClaims(start, 5*time.Minute)
		replayRefused(t, e)
		// Signed before this process started: its claims are gone, so refused.
		body := command("U0AIKO", "note acme before the restart")
		if code, _ := e.post(t, "/slack/commands", body, sign(body, start.Add(-time.Minute), secret)); code != 401 {
			t.Errorf("a request signed before the start: %d, want 401", code)
		}
	})
}

func replayRefused(t *testing.T, e *env) {
	// A second replica: its own HTTP endpoints over the same store.
	mux := http.NewServeMux()
	csslack.NewHTTP(e.app, secret).Register(mux)
	replica := httptest.NewServer(mux)
	t.Cleanup(replica.Close)

	body := strings.Replace(command("U0AIKO", "note acme renewal call"), "RESPOND", url.QueryEscape(e.slack.srv.URL+"/respond/1"), 1)
	h := sign(body, time.Now(), secret)
	if code, answer := e.post(t, "/slack/commands", body, h); code != 200 || !strings.Contains(answer, "Logged a note on Acme Corp") {
		t.Fatalf("first request: %d %s", code, answer)
	}
	upper := h.Clone()
	upper.Set("X-Slack-Signature", "v0="+strings.ToUpper(strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0=")))
	tests := []struct {
		name string
		srv  string
		h    http.Header
	}{
		{"same request", e.srv.URL, h},
		{"signature in upper case", e.srv.URL, upper},
		{"another replica", replica.URL, h},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, tc.srv+"/slack/commands", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tc.h
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("replay: %d %s, want 401", resp.StatusCode, answer)
			}
		})
	}
	// The same command signed anew (a user typing it again) runs.
	if code, answer := e.post(t, "/slack/commands", body, sign(body, time.Now().Add(time.Second), secret)); code != 200 || !strings.Contains(answer, "Logged a note") {
		t.Errorf("the command sent again: %d %s", code, answer)
	}
}

type ack struct {
	ResponseType string           `json:"response_type"`
	Text         string           `json:"text"`
	Blocks       []map[string]any `json:"blocks"`
}

func decodeAck(t *testing.T, body string) ack {
	t.Helper()
	var a ack
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a
}

func TestSlashCommands(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, user, text string
		wantType, want   string
	}{
		{"health is ephemeral", "U0AIKO", "health acme", "ephemeral", "Acme Corp"},
		{"share posts in channel", "U0AIKO", "health acme share", "in_channel", "Acme Corp"},
		{"unknown user", "U0NOBODY", "health acme", "ephemeral", "not registered"},
		{"unknown user, Slack in Japanese", "U0NOBODYJA", "health acme", "ephemeral", "csbotにまだ登録されていない"},
		{"guest linked by mistake", "U0GUEST", "health acme", "ephemeral", "not registered"},
		{"unknown account", "U0AIKO", "health zzz", "ephemeral", "No account matches"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.command(t, tc.user, tc.text)
			a := decodeAck(t, body)
			if code != 200 || a.ResponseType != tc.wantType || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s; want %s containing %q", code, body, tc.wantType, tc.want)
			}
		})
	}
	if strings.Contains(fmt.Sprint(e.slack.called("response_url")), "Acme") {
		t.Errorf("fast answers also went to response_url")
	}
}

// A slow command (risk) is acknowledged at once and
// answered through the response_url.
func TestSlowCommandAnswersThroughResponseURL(t *testing.T) {
	e := newEnv(t)
	code, body := e.command(t, "U0AIKO", "risk")
	if code != 200 || !strings.Contains(body, "Working on it") {
		t.Fatalf("ack = %d %s", code, body)
	}
	e.app.Wait()
	calls := e.slack.called("response_url")
	if len(calls) != 1 || !strings.Contains(fmt.Sprint(calls[0].JSON), "Churn risks") || calls[0].JSON["response_type"] != "ephemeral" {
		t.Errorf("response_url calls = %+v", calls)
	}
}

func TestStoreOutageIsToldInTime(t *testing.T) {
	e := newEnv(t)
	if err := e.st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, body := e.command(t, "U0AIKO", "accounts all")
	if code != 200 || !strings.Contains(body, "cannot reach its database right now") {
		t.Errorf("%d %s", code, body)
	}
}

func event(id, inner string) string {
	return fmt.Sprintf(`{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":%q,"event_time":1700000000,"event":%s}`, id, inner)
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	challenge := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	if code, body := e.post(t, "/slack/events", challenge, sign(challenge, time.Now(), secret)); code != 200 || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification = %d %q", code, body)
	}
	mention := event("Ev01", `{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme","ts":"1700000001.000200","channel":"C1","event_ts":"1700000001.000200"}`)
	// Slack redelivers (X-Slack-Retry-Num) and may deliver twice at once.
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			h := sign(mention, time.Now().Add(time.Duration(i)*time.Second), secret)
			if i > 0 {
				h.Set("X-Slack-Retry-Num", strconv.Itoa(i))
			}
			if code, _ := e.post(t, "/slack/events", mention, h); code != 200 {
				t.Errorf("delivery %d: status %d", i, code)
			}
		})
	}
	wg.Wait()
	dm := event("Ev02", `{"type":"message","channel_type":"im","user":"U0AIKO","text":"whoami","ts":"1700000002.000300","channel":"D0AIKO"}`)
	e.post(t, "/slack/events", dm, sign(dm, time.Now(), secret))
	botEcho := event("Ev03", `{"type":"message","channel_type":"im","bot_id":"B1","text":"echo","ts":"1700000003.000300","channel":"D0AIKO"}`)
	e.post(t, "/slack/events", botEcho, sign(botEcho, time.Now(), secret))
	shared := event("Ev04", `{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme share","ts":"1700000004.000400","channel":"C2","event_ts":"1700000004.000400"}`)
	e.post(t, "/slack/events", shared, sign(shared, time.Now(), secret))
	e.app.Wait()
	// The mention is answered to the asker only, in the thread.
	eph := e.slack.called("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != "U0AIKO" || eph[0].Form.Get("channel") != "C1" ||
		eph[0].Form.Get("thread_ts") != "1700000001.000200" || !strings.Contains(eph[0].Form.Get("blocks"), "Acme Corp") {
		t.Errorf("mention answers (want one, ephemeral, despite three deliveries) = %+v", eph)
	}
	posts := map[string]url.Values{}
	for _, p := range e.slack.called("chat.postMessage") {
		posts[p.Form.Get("channel")] = p.Form
	}
	if len(posts) != 2 {
		t.Fatalf("messages posted in %d conversations, want the DM and the shared thread: %v", len(posts), posts)
	}
	if dm := posts["D0AIKO"]; !strings.Contains(dm.Get("blocks"), "Aiko Tanaka") {
		t.Errorf("DM answer = %v", dm)
	}
	if sh := posts["C2"]; sh.Get("thread_ts") != "1700000004.000400" || !strings.Contains(sh.Get("blocks"), "Acme Corp") {
		t.Errorf("shared mention answer = %v", sh)
	}
}

func interaction(t *testing.T, e *env, payload string) (int, string) {
	body := "payload=" + url.QueryEscape(strings.ReplaceAll(payload, "RESPOND", e.slack.srv.URL+"/respond/2"))
	return e.post(t, "/slack/interactions", body, sign(body, time.Now(), secret))
}

func TestInteractions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// "Log a touch" opens the modal.
	code, _ := interaction(t, e, `{"type":"block_actions","user":{"id":"U0AIKO"},"channel":{"id":"C0SALES"},"trigger_id":"T123","response_url":"RESPOND","actions":[{"action_id":"note","block_id":"actions","value":"acme","type":"button"}]}`)
	views := e.slack.called("views.open")
	if code != 200 || len(views) != 1 || views[0].JSON["trigger_id"] != "T123" || !strings.Contains(fmt.Sprint(views[0].JSON["view"]), "private_metadata:acme C0SALES") {
		t.Fatalf("note button: %d, views.open calls %+v", code, views)
	}
	if view := fmt.Sprint(views[0].JSON["view"]); !strings.Contains(view, "Log a touch") {
		t.Errorf("note modal for an English user: %s", view)
	}
	// Someone whose Slack is in Japanese gets the form in Japanese, and is
	// told in Japanese when it is empty.
	interaction(t, e, `{"type":"block_actions","user":{"id":"U0NOBODYJA"},"trigger_id":"T125","response_url":"RESPOND","actions":[{"action_id":"note","block_id":"actions","value":"acme","type":"button"}]}`)
	if views := e.slack.called("views.open"); len(views) != 2 || !strings.Contains(fmt.Sprint(views[1].JSON["view"]), "対応を記録") {
		t.Errorf("note modal for a Japanese user: %+v", views)
	}
	emptyJA := `{"type":"view_submission","user":{"id":"U0NOBODYJA"},"view":{"callback_id":"note","private_metadata":"acme","state":{"values":{"note_text":{"text":{"type":"plain_text_input","value":""}}}}}}`
	if _, body := interaction(t, e, emptyJA); !strings.Contains(body, "対応の内容を入力してください。") {
		t.Errorf("empty note from a Japanese user: %s", body)
	}
	// Any other button runs its command.
	interaction(t, e, `{"type":"block_actions","user":{"id":"U0AIKO"},"trigger_id":"T124","response_url":"RESPOND","actions":[{"action_id":"onboarding","block_id":"actions","value":"onboarding acme","type":"button"}]}`)
	// The modal's submission logs the note; an empty one is refused in the modal.
	empty := `{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme","state":{"values":{"note_text":{"text":{"type":"plain_text_input","value":"  "}}}}}}`
	if code, body := interaction(t, e, empty); code != 200 || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "Write what happened.") {
		t.Errorf("empty note: %d %s", code, body)
	}
	submit := `{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme C0SALES","state":{"values":{"note_text":{"text":{"type":"plain_text_input","value":"QBR booked for March"}},"note_kind":{"kind":{"type":"static_select","selected_option":{"value":"meeting"}}}}}}}`
	if code, body := interaction(t, e, submit); code != 200 || body != "" {
		t.Errorf("submission: %d %q", code, body)
	}
	e.app.Wait()
	if got := fmt.Sprint(e.slack.called("response_url")); !strings.Contains(got, "Acme Corp · onboarding") {
		t.Errorf("onboarding button answer = %s", got)
	}
	a, err := e.st.Account(ctx, "acme")
	if err != nil || time.Since(a.LastTouch) > time.Hour {
		t.Errorf("note not logged: last touch %v, %v", a.LastTouch, err)
	}
	dms := e.slack.called("chat.postMessage")
	if len(dms) != 1 || dms[0].Form.Get("channel") != "D0AIKO" || !strings.Contains(dms[0].Form.Get("blocks"), "Logged a meeting on Acme Corp") {
		t.Errorf("confirmation DM = %+v", dms)
	}
	// The note is audited in the channel of the button, not the DM.
	if got := lastActor(t, e, "acme"); got != (store.Actor{Name: "aiko", Platform: "slack", Channel: "C0SALES"}) {
		t.Errorf("note's audit records %+v", got)
	}

}
