package discord_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
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
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

type env struct {
	st      *mongostore.Store
	discord *fakeDiscord
	ad      *discord.Adapter
	srv     *httptest.Server
	key     ed25519.PrivateKey
	reg     *bot.Registry
	// waits are the REST retry waits the adapter asked for.
	mu    sync.Mutex
	waits []time.Duration
}

type envOption func(*discord.Config)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Now()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleCSM, store.RoleAdmin}, Identities: map[string]string{"discord": "100000000000000001"}},
		{ID: "ken", Name: "Ken Sato", Roles: []store.Role{store.RoleCSM}},
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []store.Account{
		{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 100, ActiveUsers: 80, LastTouch: now.AddDate(0, 0, -30)},
		{Slug: "acme-labs", Name: "Acme Labs", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 50, ActiveUsers: 5},
		{Slug: "sakura-logistics", Name: "Sakura Logistics", Tier: store.TierHigh, Phase: store.PhaseOnboarding, Owner: "ken", Seats: 10, ActiveUsers: 9},
	} {
		if err := engine.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine}); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	fd := newFakeDiscord(t)
	cfg := discord.Config{PublicKey: hex.EncodeToString(pub), BotToken: "test-token", AppID: "A1", APIURL: fd.apiURL()}
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.DiscardHandler)
	ad, err := discord.New(cfg, discord.Deps{Router: bot.NewRouter(reg, st, log), Store: st, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, discord: fd, ad: ad, key: priv, reg: reg}
	discord.SetSleep(ad, func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		e.waits = append(e.waits, d)
		e.mu.Unlock()
		return ctx.Err()
	})
	mux := http.NewServeMux()
	mux.Handle("POST /discord/interactions", ad.Handler())
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	t.Cleanup(ad.Wait)
	return e
}

const aiko, stranger = "100000000000000001", "100000000000000099"

var interactionSeq atomic.Int64

// interaction is an interaction as Discord posts it, from a guild member.
func interaction(typ int, user string, data any) string {
	id := fmt.Sprintf("11%016d", interactionSeq.Add(1))
	m := map[string]any{
		"id": id, "application_id": "A1", "type": typ, "token": "tok-" + id, "version": 1,
		"channel_id": "C1", "guild_id": "G1", "locale": "en-US",
		"member": map[string]any{"user": map[string]any{"id": user, "username": "someone"}, "roles": []any{}},
	}
	if data != nil {
		m["data"] = data
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// slash is a /cs interaction's data: path is the subcommand (and its group).
func slash(path []string, opts ...map[string]any) map[string]any {
	sub := map[string]any{"name": path[len(path)-1], "type": 1, "options": opts}
	top := sub
	if len(path) == 2 {
		top = map[string]any{"name": path[0], "type": 2, "options": []any{sub}}
	}
	return map[string]any{"id": "900000000000000001", "name": "cs", "type": 1, "options": []any{top}}
}

func str(name, v string) map[string]any { return map[string]any{"name": name, "type": 3, "value": v} }
func flag(name string) map[string]any   { return map[string]any{"name": name, "type": 5, "value": true} }

func sign(key ed25519.PrivateKey, body string, at time.Time) http.Header {
	stamp := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Signature-Timestamp", stamp)
	h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
	return h
}

func (e *env) post(t testing.TB, body string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/discord/interactions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req) // Discord's window
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// send posts a correctly signed interaction.
func (e *env) send(t testing.TB, body string) (int, string) {
	t.Helper()
	return e.post(t, body, sign(e.key, body, time.Now()))
}

// answer is an initial response as Discord reads it.
type answer struct {
	Type int `json:"type"`
	Data struct {
		Flags  int `json:"flags"`
		Embeds []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Fields      []struct {
				Name, Value string
			} `json:"fields"`
		} `json:"embeds"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
				Label    string `json:"label"`
				Style    int    `json:"style"`
				Type     int    `json:"type"`
			} `json:"components"`
		} `json:"components"`
		CustomID string `json:"custom_id"`
		Title    string `json:"title"`
		Choices  []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"choices"`
	} `json:"data"`
}

func decode(t testing.TB, body string) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return a
}

// Every bad request is refused before anything happens: no REST call to
// Discord, no note written.
func TestRequestsAreVerifiedFirst(t *testing.T) {
	e := newEnv(t)
	_, other, _ := ed25519.GenerateKey(nil)
	// Each case has an interaction of its own: a claimed id would be
	// refused as a replay whatever the signature.
	notes := make([]string, 6)
	for i := range notes {
		notes[i] = interaction(2, aiko, slash([]string{"note"}, str("account", "acme"), str("text", "call went well")))
	}
	note := notes[0]
	big := strings.Repeat("a", bot.MaxBody+1)
	noSig := http.Header{"Content-Type": {"application/json"}, "X-Signature-Timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}}
	badHex := sign(e.key, note, time.Now())
	badHex.Set("X-Signature-Ed25519", "zz"+badHex.Get("X-Signature-Ed25519")[2:])
	tests := []struct {
		name    string
		body    string
		headers http.Header
		want    int
	}{
		{"forged", notes[1], sign(other, notes[1], time.Now()), 401},
		{"missing signature", notes[2], noSig, 401},
		{"signature not hex", note, badHex, 401},
		{"stale", notes[3], sign(e.key, notes[3], time.Now().Add(-6*time.Minute)), 401},
		{"from the future", notes[4], sign(e.key, notes[4], time.Now().Add(6*time.Minute)), 401},
		{"body changed after signing", notes[5] + " ", sign(e.key, notes[5], time.Now()), 401},
		{"too large", big, sign(e.key, big, time.Now()), 413},
		{"malformed", "{nope", sign(e.key, "{nope", time.Now()), 400},
		{"unknown type", `{"id":"1","type":99,"token":"t"}`, sign(e.key, `{"id":"1","type":99,"token":"t"}`, time.Now()), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _ := e.post(t, tc.body, tc.headers); code != tc.want {
				t.Errorf("status = %d, want %d", code, tc.want)
			}
		})
	}
	e.ad.Wait()
	a, err := e.st.Account(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(a.LastTouch) < 24*time.Hour {
		t.Errorf("a refused request logged a note: last touch %v", a.LastTouch)
	}
	if calls := e.discord.allCalls(); len(calls) != 0 {
		t.Errorf("refused requests called Discord: %+v", calls)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	e := newEnv(t)
	log := slog.New(slog.DiscardHandler)
	deps := discord.Deps{Router: bot.NewRouter(e.reg, e.st, log), Store: e.st, Log: log}
	tests := []struct {
		name string
		cfg  discord.Config
		deps discord.Deps
		want string
	}{
		{"public key not hex", discord.Config{PublicKey: "not-hex"}, deps, "DISCORD_PUBLIC_KEY"},
		{"public key too short", discord.Config{PublicKey: "abcd"}, deps, "DISCORD_PUBLIC_KEY"},
		{"API URL not http", discord.Config{BotToken: "t", APIURL: "ftp://x/"}, deps, "DISCORD_API_URL"},
		{"no router", discord.Config{BotToken: "t"}, discord.Deps{Store: e.st}, "router"},
	}
	for _, tc := range tests {
		if _, err := discord.New(tc.cfg, tc.deps); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

// In a DM with the bot Discord sends the user, not a guild member.
func TestDirectMessageInteraction(t *testing.T) {
	e := newEnv(t)
	body := strings.Replace(interaction(2, "x", slash([]string{"whoami"})),
		`"member":{"roles":[],"user":{"id":"x","username":"someone"}}`, `"user":{"id":"`+aiko+`","username":"aiko"}`, 1)
	if !strings.Contains(body, aiko) {
		t.Fatalf("test payload not rewritten: %s", body)
	}
	if _, resp := e.send(t, body); !strings.Contains(resp, "Aiko Tanaka") {
		t.Errorf("DM answer = %s", resp)
	}
}

func TestPingGetsPong(t *testing.T) {
	e := newEnv(t)
	code, body := e.send(t, `{"id":"1","application_id":"A1","type":1,"token":"t","version":1}`)
	if code != 200 || strings.TrimSpace(body) != `{"type":1}` {
		t.Errorf("PING = %d %s, want {\"type\":1}", code, body)
	}
}

func TestReplayedInteractionIsRefused(t *testing.T) {
	e := newEnv(t)
	body := interaction(2, aiko, slash([]string{"whoami"}))
	h := sign(e.key, body, time.Now())
	if code, _ := e.post(t, body, h); code != 200 {
		t.Fatalf("first request: %d", code)
	}
	if code, _ := e.post(t, body, h); code != 401 {
		t.Errorf("replayed request: %d, want 401", code)
	}
}

func TestSlashCommands(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		user      string
		data      map[string]any
		ephemeral bool
		want      string
	}{
		{"health is ephemeral", aiko, slash([]string{"health"}, str("account", "acme")), true, "Acme Corp"},
		{"share posts for the channel", aiko, slash([]string{"health"}, str("account", "acme"), flag("share")), false, "Acme Corp"},
		{"a name with spaces", aiko, slash([]string{"onboarding"}, str("account", "Sakura Logistics")), true, "Sakura Logistics"},
		{"unknown user gets no data", stranger, slash([]string{"health"}, str("account", "acme")), true, "not registered"},
		{"unknown account", aiko, slash([]string{"health"}, str("account", "zzz")), true, "No account matches"},
		{"subcommand group", aiko, slash([]string{"playbook", "list"}), true, "laybook"},
		{"a command csbot no longer has", aiko, slash([]string{"retired"}), true, "csbot discord register"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.send(t, interaction(2, tc.user, tc.data))
			a := decode(t, body)
			if code != 200 || a.Type != 4 || (a.Data.Flags == 64) != tc.ephemeral || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s; want type 4, ephemeral %v, containing %q", code, body, tc.ephemeral, tc.want)
			}
		})
	}
	// Discord says the user's client is in Japanese: a stranger is told in Japanese.
	ja := strings.Replace(interaction(2, stranger, slash([]string{"health"}, str("account", "acme"))), `"locale":"en-US"`, `"locale":"ja"`, 1)
	if _, body := e.send(t, ja); !strings.Contains(body, "csbotにまだ登録されていない") {
		t.Errorf("answer to a Japanese client: %s", body)
	}
	e.ad.Wait()
	if calls := e.discord.allCalls(); len(calls) != 0 {
		t.Errorf("fast answers also went through REST: %+v", calls)
	}
}

// A slow command (risk over all accounts) is deferred at once and its
// answer replaces the "thinking" message through the follow-up webhook.
func TestSlowCommandIsDeferred(t *testing.T) {
	e := newEnv(t)
	body := interaction(2, aiko, slash([]string{"risk"}, str("scope", "all")))
	code, resp := e.send(t, body)
	if a := decode(t, resp); code != 200 || a.Type != 5 || a.Data.Flags != 64 {
		t.Fatalf("ack = %d %s, want a deferred ephemeral answer", code, resp)
	}
	e.ad.Wait()
	var token string
	var in map[string]any
	_ = json.Unmarshal([]byte(body), &in)
	token = in["token"].(string)
	edits := e.discord.called(http.MethodPatch, "webhooks/A1/"+token+"/messages/@original")
	if len(edits) != 1 || !strings.Contains(fmt.Sprint(edits[0].JSON), "Churn risks") {
		t.Errorf("edits of the original answer = %+v", edits)
	}
}

// A deferral promised a shared answer, but the command refused: the
// refusal must not be shown to the channel.
func TestDeferredRefusalStaysPrivate(t *testing.T) {
	e := newEnv(t)
	body := interaction(3, aiko, map[string]any{"custom_id": "run:risk all share", "component_type": 2})
	code, resp := e.send(t, body)
	if a := decode(t, resp); code != 200 || a.Type != 5 || a.Data.Flags != 0 {
		t.Fatalf("ack = %d %s, want a deferred shared answer", code, resp)
	}
	e.ad.Wait()
	calls := e.discord.allCalls()
	if len(calls) != 2 || calls[0].Method != http.MethodDelete || !strings.HasSuffix(calls[0].Path, "/messages/@original") {
		t.Fatalf("calls = %+v, want the placeholder deleted, then a follow-up", calls)
	}
	follow := calls[1].JSON.(map[string]any)
	if calls[1].Method != http.MethodPost || follow["flags"] != float64(64) || !strings.Contains(fmt.Sprint(follow), "I do not understand 'share'.") {
		t.Errorf("follow-up = %+v, want the refusal, ephemeral", calls[1])
	}
}

func TestButtonsAndNoteModal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	button := func(user, id string) string {
		return interaction(3, user, map[string]any{"custom_id": id, "component_type": 2})
	}
	// Any button but "note" runs its command.
	_, body := e.send(t, button(aiko, "run:onboarding acme"))
	if a := decode(t, body); a.Type != 4 || !strings.Contains(body, "Acme Corp · onboarding") {
		t.Errorf("onboarding button: %s", body)
	}
	// "Log a touch" opens the modal, for registered members only.
	_, body = e.send(t, button(aiko, "note:acme"))
	modal := decode(t, body)
	if modal.Type != 9 || modal.Data.CustomID != "note:acme" || !strings.Contains(body, `"custom_id":"text"`) || !strings.Contains(body, `"title":"Log a touch · acme"`) {
		t.Fatalf("note button: %s, want a modal", body)
	}
	// A client in Japanese gets the form in Japanese.
	ja := strings.Replace(button(aiko, "note:acme"), `"locale":"en-US"`, `"locale":"ja"`, 1)
	if _, body := e.send(t, ja); !strings.Contains(body, `"title":"対応を記録 · acme"`) || !strings.Contains(body, "何があったか、何を合意したか") {
		t.Errorf("note button, Japanese client: %s", body)
	}
	_, body = e.send(t, button(stranger, "note:acme"))
	if a := decode(t, body); a.Type != 4 || !strings.Contains(body, "not registered") {
		t.Errorf("note button for a stranger: %s", body)
	}
	// The submission runs `note acme <text>`.
	submit := interaction(5, aiko, map[string]any{"custom_id": modal.Data.CustomID, "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "text", "value": "meeting: QBR booked for March"}}},
	}})
	_, body = e.send(t, submit)
	if a := decode(t, body); a.Type != 4 || !strings.Contains(body, "Logged a meeting on Acme Corp") {
		t.Errorf("modal submission: %s", body)
	}
	a, err := e.st.Account(ctx, "acme")
	if err != nil || time.Since(a.LastTouch) > time.Hour {
		t.Errorf("note not logged: last touch %v, %v", a.LastTouch, err)
	}
	// A button csbot did not make is refused.
	if code, _ := e.send(t, button(aiko, "nonsense")); code != 400 {
		t.Errorf("unknown button: %d, want 400", code)
	}
}

func TestAutocomplete(t *testing.T) {
	e := newEnv(t)
	focused := func(user, sub, opt, typed string) string {
		return interaction(4, user, slash([]string{sub}, map[string]any{"name": opt, "type": 3, "value": typed, "focused": true}))
	}
	tests := []struct {
		name, user, sub, opt, typed string
		want                        []string
	}{
		{"prefix", aiko, "health", "account", "ac", []string{"acme", "acme-labs"}},
		{"name prefix", aiko, "note", "account", "Sakura", []string{"sakura-logistics"}},
		{"typo", aiko, "health", "account", "sakrua", []string{"sakura-logistics"}},
		{"nothing typed", aiko, "health", "account", "", []string{"acme", "acme-labs", "sakura-logistics"}},
		{"stranger", stranger, "health", "account", "ac", nil},
		{"not an account option", aiko, "help", "command", "he", nil},
		{"member", aiko, "accounts", "owner", "@ai", []string{"aiko"}},
		{"member by name", aiko, "accounts", "owner", "ken s", []string{"ken"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.send(t, focused(tc.user, tc.sub, tc.opt, tc.typed))
			a := decode(t, body)
			var got []string
			for _, c := range a.Data.Choices {
				got = append(got, c.Value)
			}
			if code != 200 || a.Type != 8 || fmt.Sprint(got) != fmt.Sprint(tc.want) || !strings.Contains(body, `"choices":[`) {
				t.Errorf("%d %s; want choices %v", code, body, tc.want)
			}
		})
	}
}

// tokenOf is an interaction's token, which names its webhook.
func tokenOf(t testing.TB, body string) string {
	t.Helper()
	var in struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	return in.Token
}

// A chart cannot ride on the HTTP answer: the answer is deferred and the
// original response edited with the file. An answer too long for one
// message goes back at once, the rest as follow-ups, private alike.
func TestChartsAndFollowUps(t *testing.T) {
	e := newEnv(t)
	var lines []string
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("line %03d %s", i, strings.Repeat("x", 90)))
	}
	err := e.reg.Register(
		bot.Command{Name: "testchart", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			return bot.Reply{Title: "Acme Corp · health trend", Image: &bot.Image{Name: "acme-health.png", PNG: []byte("\x89PNG\r\n")}}, nil
		}},
		bot.Command{Name: "testlong", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			return bot.Reply{Title: "Long", Sections: []bot.Section{{Lines: lines}}}, nil
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	press := func(line string) (string, answer) {
		body := interaction(3, aiko, map[string]any{"custom_id": "run:" + line, "component_type": 2})
		_, resp := e.send(t, body)
		return tokenOf(t, body), decode(t, resp)
	}
	token, a := press("testchart")
	if a.Type != 5 || a.Data.Flags != 64 {
		t.Fatalf("chart answer = %+v, want deferred and private", a)
	}
	token2, a := press("testlong")
	if a.Type != 4 || a.Data.Flags != 64 || !strings.Contains(fmt.Sprint(a.Data.Embeds), "line 000") {
		t.Fatalf("long answer = %+v, want the first part at once", a)
	}
	e.ad.Wait()
	edits := e.discord.called(http.MethodPatch, "webhooks/A1/"+token+"/messages/@original")
	if len(edits) != 1 || fmt.Sprint(edits[0].Files) != "[acme-health.png]" || !strings.Contains(fmt.Sprint(edits[0].JSON), "attachment://acme-health.png") {
		t.Errorf("chart edits = %+v", edits)
	}
	follow := e.discord.called(http.MethodPost, "webhooks/A1/"+token2)
	want := len(discord.Render(i18n.English, bot.Reply{Title: "Long", Sections: []bot.Section{{Lines: lines}}})) - 1
	if want < 1 || len(follow) != want {
		t.Fatalf("%d follow-ups, want %d", len(follow), want)
	}
	for _, f := range follow {
		if f.JSON.(map[string]any)["flags"] != float64(64) {
			t.Errorf("follow-up not private: %+v", f.JSON)
		}
	}
	if !strings.Contains(fmt.Sprint(follow[len(follow)-1].JSON), "line 299") {
		t.Errorf("the last line is not in the last follow-up")
	}
}

// BenchmarkHTTPCommand is one signed /cs whoami through the HTTP endpoint:
// signature check, replay claim, identity, command, JSON answer.
func BenchmarkHTTPCommand(b *testing.B) {
	e := newEnv(b)
	for b.Loop() {
		if code, _ := e.send(b, interaction(2, aiko, slash([]string{"whoami"}))); code != 200 {
			b.Fatalf("status %d", code)
		}
	}
}

// Malformed option lists (a null where an option should be) get an
// answer, not a crash.
func TestNullOptionsAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, data := range []map[string]any{
		{"id": "9", "name": "cs", "type": 1, "options": []any{nil}},
		{"id": "9", "name": "cs", "type": 1, "options": []any{map[string]any{"name": "health", "type": 1, "options": []any{nil}}}},
		{"id": "9", "name": "cs", "type": 1, "options": []any{map[string]any{"name": "team", "type": 2, "options": []any{nil}}}},
	} {
		code, body := e.send(t, interaction(2, aiko, data))
		if code != 200 || !strings.Contains(body, `"type":4`) {
			t.Errorf("options %v: %d %s; want an answer", data["options"], code, body)
		}
	}
}
