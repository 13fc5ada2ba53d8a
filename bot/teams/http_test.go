package teams

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// secret is the example key of Microsoft's outgoing webhook docs;
// secondSecret is a second Teams team's.
const (
	secret       = "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA="
	secondSecret = "S0zR5a8ORwLFrXwB0yVtQn1qN6mD2hC7yU3pE9kF4gA="
)

// AAD object ids of the test users.
const (
	kenjiAAD  = "5f4b2c1e-8a3d-4e6f-9b7a-1c2d3e4f5a6b"
	danielAAD = "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b"
	nobodyAAD = "ffffffff-0000-4000-8000-000000000000"
)

// fakeWorkflows speaks the Workflows webhook wire format: a JSON message
// activity POSTed to a signed URL, answered 202 Accepted.
type fakeWorkflows struct {
	srv *httptest.Server
	mu  sync.Mutex
	// got are the activities received, script the statuses to answer
	// (202 once it runs out), each with an optional Retry-After.
	got    []Activity
	raw    []string
	script []scripted
}

type scripted struct {
	status     int
	retryAfter string
	body       string
}

func newFakeWorkflows(t testing.TB) *fakeWorkflows {
	f := &fakeWorkflows{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.URL.Query().Get("sig") == "" {
			http.Error(w, `{"error":{"code":"TriggerRequestMethodNotValid","message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		if len(f.script) > 0 {
			s := f.script[0]
			f.script = f.script[1:]
			if s.retryAfter != "" {
				w.Header().Set("Retry-After", s.retryAfter)
			}
			w.WriteHeader(s.status)
			io.WriteString(w, s.body)
			return
		}
		var a Activity
		if err := json.Unmarshal(body, &a); err != nil {
			t.Errorf("workflows got unreadable JSON: %v", err)
		}
		f.got = append(f.got, a)
		f.raw = append(f.raw, string(body))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// url is a webhook URL shaped like Power Automate's, with its signature.
func (f *fakeWorkflows) url(team string) string {
	return f.srv.URL + "/powerautomate/automations/direct/workflows/" + team + "/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRETSIG" + team
}

func (f *fakeWorkflows) received() []Activity {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Activity(nil), f.got...)
}

type env struct {
	st    *mongostore.Store
	reg   *bot.Registry
	a     *Adapter
	flows *fakeWorkflows
	srv   *httptest.Server
	// sleeps records the Workflows client's waits, which move the
	// client's clock on at once.
	mu     sync.Mutex
	clock  time.Time
	sleeps []time.Duration
}

// newEnv serves the adapter over the demo organisation: kenji (Tokyo, a
// CSM) and daniel (Enterprise, a lead) have Teams identities; Tokyo has a
// Workflows webhook, Enterprise has none. extra commands join the real ones.
func newEnv(t testing.TB, extra ...bot.Command) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if _, err := demo.Seed(ctx, st, engine, now); err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, flows: newFakeWorkflows(t)}
	for id, aad := range map[string]string{"kenji": kenjiAAD, "daniel": danielAAD} {
		m, err := st.Member(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		m.Identities[Platform] = aad
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	tokyo, err := st.Team(ctx, "tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tokyo.TeamsWebhook = e.flows.url("tokyo")
	if err := st.SaveTeam(ctx, tokyo); err != nil {
		t.Fatal(err)
	}
	e.reg = bot.NewRegistry()
	if err := commands.Register(e.reg, commands.Deps{Store: st, Health: engine}); err != nil {
		t.Fatal(err)
	}
	if err := e.reg.Register(extra...); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e.a, err = New(Config{Secret: secret + "," + secondSecret, BotName: "csbot"}, Deps{Router: bot.NewRouter(e.reg, st, log), Store: st, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.clock = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	e.a.hooks.now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.clock
	}
	e.a.hooks.sleep = func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.sleeps = append(e.sleeps, d)
		e.clock = e.clock.Add(d)
		return ctx.Err()
	}
	mux := http.NewServeMux()
	mux.Handle("POST /teams/messages", e.a.Handler())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

var activitySeq atomic.Int64

// activity is an outgoing webhook request as Teams sends it, sent now;
// each has an id of its own.
func activity(aad, text string) string {
	return activityWith(aad, text, func(map[string]any) {})
}

// activityWith is activity with its fields changed by change.
func activityWith(aad, text string, change func(map[string]any)) string {
	now := time.Now()
	a := map[string]any{
		"type": "message", "id": strconv.FormatInt(1485983408511+activitySeq.Add(1), 10),
		"timestamp": now.UTC().Format("2006-01-02T15:04:05.0000000Z"), "localTimestamp": now.In(time.FixedZone("JST", 9*3600)).Format(time.RFC3339Nano),
		"serviceUrl": "https://smba.trafficmanager.net/apac/", "channelId": "msteams",
		"from":         map[string]any{"id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw", "name": "Kenji Watanabe", "aadObjectId": aad},
		"conversation": map[string]any{"isGroup": true, "id": "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype;messageid=1485983408511", "conversationType": "channel", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		"recipient":    nil, "textFormat": "plain", "attachmentLayout": nil, "membersAdded": []any{}, "membersRemoved": []any{},
		"locale": "en-US", "text": text,
		"attachments": []any{map[string]any{"contentType": "text/html", "content": "<div>" + text + "</div>"}},
		"entities":    []any{map[string]any{"type": "clientInfo", "locale": "en-US", "country": "JP", "platform": "Web"}},
		"channelData": map[string]any{"teamsChannelId": "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype", "teamsTeamId": "19:712bbc1ec1924cb2a98a4d3e0e7f9d35@thread.skype", "tenant": map[string]any{"id": "72f988bf-86f1-41af-91ab-2d7cd011db47"}},
	}
	change(a)
	b, _ := json.Marshal(a)
	return string(b)
}

// sign is Teams' outgoing webhook signature of body under the base64 key.
func sign(body, key string) string {
	k, _ := base64.StdEncoding.DecodeString(key)
	mac := hmac.New(sha256.New, k)
	io.WriteString(mac, body)
	return "HMAC " + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (e *env) post(t *testing.T, body, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/teams/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) ask(t *testing.T, aad, text string) Activity {
	t.Helper()
	body := activity(aad, text)
	code, raw := e.post(t, body, sign(body, secret))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, raw)
	}
	var a Activity
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	if a.Type != "message" {
		t.Errorf("answer type %q, want message", a.Type)
	}
	return a
}

// Every bad request is refused before anything happens: no command runs,
// no note is written. Then a signed one is.
func TestRequestsAreVerifiedFirst(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before, err := e.st.Account(ctx, "kumo-robotics")
	if err != nil {
		t.Fatal(err)
	}
	note := activity(kenjiAAD, "<at>csbot</at> note kumo-robotics call went well")
	big := strings.Repeat("a", bot.MaxBody+1)
	otherKey := base64.StdEncoding.EncodeToString([]byte("another 32-byte key, not Teams'!"))
	noUser := `{"type":"message","text":"<at>csbot</at> note kumo-robotics hi","from":{"id":"29:1","name":"X"}}`
	update := `{"type":"conversationUpdate","from":{"aadObjectId":"` + kenjiAAD + `"}}`
	noteWith := func(change func(map[string]any)) string {
		return activityWith(kenjiAAD, "<at>csbot</at> note kumo-robotics call went well", change)
	}
	noID := noteWith(func(a map[string]any) { delete(a, "id") })
	noStamp := noteWith(func(a map[string]any) { delete(a, "timestamp") })
	badStamp := noteWith(func(a map[string]any) { a["timestamp"] = "yesterday" })
	stale := noteWith(func(a map[string]any) { a["timestamp"] = time.Now().Add(-6 * time.Minute).UTC().Format(time.RFC3339) })
	future := noteWith(func(a map[string]any) { a["timestamp"] = time.Now().Add(6 * time.Minute).UTC().Format(time.RFC3339) })
	tests := []struct {
		name, body, auth string
		want             int
	}{
		{"good signature, other key", note, sign(note, otherKey), 401},
		{"missing signature", note, "", 401},
		{"bearer instead of HMAC", note, "Bearer " + strings.TrimPrefix(sign(note, secret), "HMAC "), 401},
		{"signature not base64", note, "HMAC !!!", 401},
		{"body changed after signing", note + " ", sign(note, secret), 401},
		{"too large", big, sign(big, secret), 413},
		{"malformed JSON", `{"type":"message",`, sign(`{"type":"message",`, secret), 400},
		{"no aadObjectId", noUser, sign(noUser, secret), 400},
		{"not a message", update, sign(update, secret), 400},
		{"no id", noID, sign(noID, secret), 400},
		{"no timestamp", noStamp, sign(noStamp, secret), 400},
		{"timestamp not RFC 3339", badStamp, sign(badStamp, secret), 400},
		{"sent 6 minutes ago", stale, sign(stale, secret), 401},
		{"sent 6 minutes from now", future, sign(future, secret), 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := e.post(t, tc.body, tc.auth); code != tc.want {
				t.Errorf("status = %d (%s), want %d", code, body, tc.want)
			}
		})
	}
	e.a.Wait()
	after, err := e.st.Account(ctx, "kumo-robotics")
	if err != nil {
		t.Fatal(err)
	}
	if !after.LastTouch.Equal(before.LastTouch) {
		t.Errorf("a refused request logged a note: last touch %v -> %v", before.LastTouch, after.LastTouch)
	}
	// The same note, signed, is logged.
	a := e.ask(t, kenjiAAD, "<at>csbot</at> note kumo-robotics call with the CTO &amp; their admin")
	if raw := string(mustJSON(a)); !strings.Contains(raw, "Kumo Robotics のタイムラインに電話を記録しました。") {
		t.Errorf("answer = %s", raw)
	}
	after, err = e.st.Account(ctx, "kumo-robotics")
	if err != nil || !after.LastTouch.After(before.LastTouch) {
		t.Errorf("note not logged: last touch %v -> %v, %v", before.LastTouch, after.LastTouch, err)
	}
	// It is audited as Kenji's, in the channel (the conversation without
	// its thread).
	recs, err := e.st.Audit(ctx, store.AuditAccount, "kumo-robotics", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := recs[len(recs)-1].Actor, (store.Actor{Name: "kenji", Platform: Platform, Channel: "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype"}); got != want {
		t.Errorf("note audited as %+v, want %+v", got, want)
	}
}

// Commands typed after the mention run through the real router over the
// demo organisation and are answered in the same exchange.
func TestCommandsEndToEnd(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, aad, text string
		// want is in the answer; card says whether it is a card (else markdown).
		want []string
		card bool
	}{
		// Kenji's locale is ja-JP: csbot answers him in Japanese.
		{"health as a card", kenjiAAD, "<at>csbot</at> health kumo", []string{"Kumo Robotics · ヘルススコア", `"type":"FactSet"`, `"title":"担当CSM"`, "`@csbot onboarding kumo-robotics` と返信してください"}, true},
		{"mention with markup and entities", kenjiAAD, "<p><at>csbot</at>&nbsp;health&nbsp;&quot;Kumo Robotics&quot;</p>", []string{"Kumo Robotics · ヘルススコア"}, true},
		{"whoami", kenjiAAD, "<at>csbot</at> whoami", []string{"Kenji Watanabe (@kenji)", "teams " + kenjiAAD}, true},
		{"unknown user gets no data", nobodyAAD, "<at>csbot</at> health kumo", []string{"not registered"}, false},
		{"unknown account suggests", kenjiAAD, "<at>csbot</at> health kumo-robotix", []string{"もしかして Kumo Robotics のことですか？"}, false},
		{"mention alone is help", kenjiAAD, "<at>csbot</at>", []string{"/cs\u00a0health\u00a0<account>", `"fontType":"Monospace"`}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.ask(t, tc.aad, tc.text)
			raw := string(mustJSON(a))
			if got := len(a.Attachments) == 1; got != tc.card {
				t.Errorf("card answer = %v, want %v: %s", got, tc.card, raw)
			}
			if !tc.card && a.TextFormat != "markdown" {
				t.Errorf("text answer with textFormat %q", a.TextFormat)
			}
			for _, w := range tc.want {
				if !strings.Contains(raw, w) {
					t.Errorf("answer lacks %q:\n%s", w, raw)
				}
			}
			if tc.aad == nobodyAAD && strings.Contains(raw, "Kumo") {
				t.Errorf("an unregistered user saw account data: %s", raw)
			}
		})
	}
	if got := e.flows.received(); len(got) != 0 {
		t.Errorf("fast answers also went to Workflows: %d posts", len(got))
	}
	// A second Teams team signs with its own token.
	body := activity(kenjiAAD, "<at>csbot</at> whoami")
	if code, raw := e.post(t, body, sign(body, secondSecret)); code != http.StatusOK || !strings.Contains(raw, "Kenji Watanabe") {
		t.Errorf("signed by the second team: %d %s", code, raw)
	}
}

// blocking is a command that runs until the test lets it finish.
func blocking(release <-chan struct{}) bot.Command {
	return bot.Command{Name: "slowpoke", Slow: true, Summary: "waits", Handler: func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
		select {
		case <-release:
			return bot.Reply{Title: "Slow answer for " + req.Member.ID, Band: "green", Text: "done"}, nil
		case <-ctx.Done():
			return bot.Reply{}, ctx.Err()
		}
	}}
}

// A command still running when the window closes is answered "still
// working" and delivered through the asker's team's Workflows webhook;
// without a webhook it is stopped and the asker told.
func TestSlowCommand(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, blocking(release))
	e.a.window = time.Millisecond // the command blocks, so the window always closes first

	a := e.ask(t, danielAAD, "<at>csbot</at> slowpoke") // Enterprise has no webhook
	if !strings.Contains(a.Text, "csbot stopped it") || !strings.Contains(a.Text, "Workflows webhook") {
		t.Errorf("answer without a webhook = %+v", a)
	}
	e.a.Wait() // returns: the command was cancelled
	if got := e.flows.received(); len(got) != 0 {
		t.Errorf("workflows got %d posts, want none", len(got))
	}

	a = e.ask(t, kenjiAAD, "<at>csbot</at> /cs slowpoke")
	if !strings.Contains(a.Text, "`/cs slowpoke` を処理しています") || !strings.Contains(a.Text, "チームのcsbotチャンネルに投稿します") {
		t.Errorf("answer with a webhook = %+v", a)
	}
	close(release)
	e.a.Wait()
	got := e.flows.received()
	if len(got) != 1 {
		t.Fatalf("workflows got %d posts, want 1", len(got))
	}
	card := got[0].Attachments[0].Content
	raw := string(mustJSON(card))
	if !strings.Contains(raw, "宛先：<at>Kenji Watanabe</at>") || !strings.Contains(raw, "Slow answer for kenji") {
		t.Errorf("delivered card = %s", raw)
	}
	if card.MSTeams == nil || len(card.MSTeams.Entities) != 1 || card.MSTeams.Entities[0].Mentioned.ID != kenjiAAD {
		t.Errorf("card does not mention the asker: %+v", card.MSTeams)
	}
}

func TestSend(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	digest := bot.Reply{Title: "Churn-risk digest: Tokyo", Band: "red", Text: "2 accounts at risk", Footer: "today"}
	if err := e.a.Send(ctx, bot.Destination{Member: "kenji"}, digest); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Send(ctx, bot.Destination{Member: "yui"}, digest); err != nil { // no Teams identity
		t.Fatal(err)
	}
	if err := e.a.Send(ctx, bot.Destination{Channel: "tokyo"}, digest); err != nil {
		t.Fatal(err)
	}
	got := e.flows.received()
	if len(got) != 3 {
		t.Fatalf("workflows got %d posts, want 3", len(got))
	}
	wants := []string{"宛先：<at>Kenji Watanabe</at>", "宛先：Yui Nakamura (@yui)", "Churn-risk digest: Tokyo"}
	for i, w := range wants {
		if raw := string(mustJSON(got[i])); !strings.Contains(raw, w) || !strings.Contains(raw, "Churn-risk digest") {
			t.Errorf("post %d lacks %q: %s", i, w, raw)
		}
	}
	if got[2].Attachments[0].Content.MSTeams.Entities != nil {
		t.Errorf("a channel post mentions someone: %+v", got[2].Attachments[0].Content.MSTeams)
	}
	// Three posts to one webhook are spaced a second apart.
	e.mu.Lock()
	sleeps := fmt.Sprint(e.sleeps)
	e.mu.Unlock()
	if sleeps != "[1s 1s]" {
		t.Errorf("waits between posts = %s, want [1s 1s]", sleeps)
	}

	for _, tc := range []struct {
		name string
		to   bot.Destination
		want string
	}{
		{"team without webhook", bot.Destination{Channel: "enterprise"}, "csbot teams webhook enterprise URL"},
		{"member of a team without webhook", bot.Destination{Member: "daniel"}, "team enterprise has none"},
		{"member in no team", bot.Destination{Member: "aiko"}, "@aiko is in no team"},
		{"unknown team", bot.Destination{Channel: "nagoya"}, `there is no team "nagoya"`},
		{"unknown member", bot.Destination{Member: "nobody"}, "send to @nobody on Teams"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.a.Send(ctx, tc.to, digest)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Send = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// BenchmarkHandler measures one outgoing webhook exchange over the demo
// organisation: HMAC check, parse, identity lookup, /cs health, card.
func BenchmarkHandler(b *testing.B) {
	e := newEnv(b)
	body := activity(kenjiAAD, "<p><at>csbot</at>&nbsp;health kumo</p>")
	auth := sign(body, secret)
	h := e.a.Handler()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/teams/messages", strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Kumo Robotics") {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// A signed activity sent again (a captured request) within its 5 minutes
// is refused by its id, on any replica; one without an id is never run.
func TestReplayedActivityIsRefused(t *testing.T) {
	e := newEnv(t)
	whoami := activity(kenjiAAD, "<at>csbot</at> whoami")
	if code, body := e.post(t, whoami, sign(whoami, secret)); code != 200 || !strings.Contains(body, "Kenji Watanabe") {
		t.Fatalf("first send: %d %s", code, body)
	}
	if code, body := e.post(t, whoami, sign(whoami, secret)); code != 401 {
		t.Errorf("replay: %d %s, want 401", code, body)
	}
	// Another replica: an adapter of its own over the same store.
	other, err := New(Config{Secret: secret}, Deps{Router: bot.NewRouter(e.reg, e.st, slog.New(slog.DiscardHandler)), Store: e.st, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/teams/messages", strings.NewReader(whoami))
	req.Header.Set("Authorization", sign(whoami, secret))
	other.Handler().ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Errorf("replay to another replica: %d %s, want 401", rec.Code, rec.Body)
	}
	noID := activityWith(kenjiAAD, "<at>csbot</at> whoami", func(a map[string]any) { delete(a, "id") })
	for i := range 3 {
		if code, body := e.post(t, noID, sign(noID, secret)); code != 400 {
			t.Errorf("activity without an id, send %d: %d %s, want 400", i+1, code, body)
		}
	}
}
