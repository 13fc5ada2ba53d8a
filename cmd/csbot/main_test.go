package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/storetest"
)

// newTestApp opens csbot on a store private to the test, closed at its end.
func newTestApp(t *testing.T) *app {
	t.Helper()
	o := optionsFromEnv(testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()}))
	a, err := openApp(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// optionsFromEnv is the configuration without command-line overrides.
func optionsFromEnv(getenv func(string) string) options {
	return loadOptions(getenv, overrides{})
}

func testEnv(t *testing.T, vars map[string]string) func(string) string {
	t.Helper()
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		vars["MONGODB_URI"] = uri
		vars["CSBOT_DB"] = storetest.Config(t).Database
	}
	return func(k string) string { return vars[k] }
}

func TestOptionsValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    map[string]string
		config string
		want   string // "" = valid
	}{
		{"defaults", nil, "", ""},
		{"bad time zone", map[string]string{"CSBOT_TZ": "Mars/Olympus"}, "", `CSBOT_TZ: "Mars/Olympus" is not a time zone`},
		{"Japanese", map[string]string{"CSBOT_LOCALE": "ja-JP"}, "", ""},
		{"Japanese in the file", nil, write("ja.yaml", "locale: ja\n"), ""},
		{"currency", nil, write("yen.yaml", "currency: JPY\n"), ""},
		{"bad currency", map[string]string{"CSBOT_CURRENCY": "YEN"}, "", `CSBOT_CURRENCY: "YEN" is not an ISO 4217 currency code`},
		{"unsupported locale", map[string]string{"CSBOT_LOCALE": "fr"}, "", `CSBOT_LOCALE: "fr": csbot speaks en and ja`},
		{"good config file", nil, write("good.yaml", "addr: :9090\nshutdown_grace: 45s\nslack:\n  signing_secret: s\n  bot_token: xoxb-1\nhealth:\n  green: 75\n  touch_days: {high: 10, low: 30}\n"), ""},
		{"unknown key", nil, write("typo.yaml", "health:\n  gren: 75\n"), `line 2: unknown key "gren"`},
		{"unknown top-level key", nil, write("top.yaml", "adr: :9090\n"), `line 1: unknown key "adr"`},
		{"bad value", nil, write("grace.yaml", "shutdown_grace: soon\n"), "line 1: cannot unmarshal"},
		{"bad weight", nil, write("weights.yaml", "health:\n  weights: {usage: -1}\n"), "health.weights.usage: -1 must not be negative"},
		{"bands reversed", nil, write("bands.yaml", "health:\n  green: 30\n  yellow: 60\n"), "need 0 <= yellow < green <= 100"},
		{"missing file", nil, filepath.Join(dir, "nope.yaml"), "read config"},
		{"bad grace", map[string]string{"CSBOT_SHUTDOWN_GRACE": "forever"}, "", `CSBOT_SHUTDOWN_GRACE: "forever" is not a duration`},
		{"slack without bot token", map[string]string{"SLACK_SIGNING_SECRET": "s"}, "", "SLACK_BOT_TOKEN: needed"},
		{"slack app token prefix", map[string]string{"SLACK_APP_TOKEN": "xoxb-wrong", "SLACK_BOT_TOKEN": "xoxb-1"}, "", "SLACK_APP_TOKEN: an app-level token starts with xapp-"},
		{"slack http mode", map[string]string{"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "", ""},
		{"discord", map[string]string{"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1"}, "", ""},
		{"discord bad key", map[string]string{"DISCORD_PUBLIC_KEY": "abc", "DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1"}, "", "DISCORD_PUBLIC_KEY: not a public key"},
		{"discord without app id", map[string]string{"DISCORD_BOT_TOKEN": "t"}, "", "DISCORD_APP_ID: needed"},
		{"teams", map[string]string{"TEAMS_WEBHOOK_SECRET": base64.StdEncoding.EncodeToString(make([]byte, 32))}, "", ""},
		{"teams bad secret", map[string]string{"TEAMS_WEBHOOK_SECRET": "not base64!"}, "", "TEAMS_WEBHOOK_SECRET token 1 is not base64"},
		{"short api token", map[string]string{"CSBOT_API_TOKEN": "abc"}, "", "CSBOT_API_TOKEN: too short"},
		{"secret from a file", map[string]string{"SLACK_SIGNING_SECRET_FILE": write("secret", "s3cret\n"), "SLACK_BOT_TOKEN": "xoxb-1"}, "", ""},
		{"unreadable secret file", map[string]string{"SLACK_BOT_TOKEN_FILE": filepath.Join(dir, "missing")}, "", "SLACK_BOT_TOKEN_FILE: open"},
		{"bad log format", map[string]string{"CSBOT_LOG_FORMAT": "xml"}, "", `CSBOT_LOG_FORMAT: "xml": use text or json`},
		{"command limit", map[string]string{"CSBOT_COMMAND_LIMIT": "30/1m"}, "", ""},
		{"command limit off", nil, write("limit.yaml", "command_limit: \"off\"\n"), ""},
		{"bad command limit", map[string]string{"CSBOT_COMMAND_LIMIT": "lots"}, "", `CSBOT_COMMAND_LIMIT: "lots": want commands per duration, e.g. 10/10s, or off`},
		{"metrics address", map[string]string{"CSBOT_METRICS_ADDR": ":9091"}, "", ""},
		{"metrics on the main address", map[string]string{"CSBOT_METRICS_ADDR": ":8080"}, "", "CSBOT_METRICS_ADDR: the same as CSBOT_ADDR"},
		{"schedule and calendar", nil, write("schedule.yaml", scheduleYAML), ""},
		{"bad digest time", nil, write("digest.yaml", "schedule:\n  members:\n    haruto: {digest_at: \"8h30\"}\n"), `schedule.members.haruto.digest_at: "8h30" is not a time of day`},
		{"bad send window", nil, write("window.yaml", "schedule:\n  send_from: \"19:00\"\n  send_until: \"08:00\"\n"), "schedule.send_from: 19:00 is not before send_until 08:00"},
		{"bad company holiday", nil, write("holiday.yaml", "calendar:\n  holidays: [2026-12-32]\n"), `calendar.holidays[0]: "2026-12-32" is not a date`},
		{"unknown schedule key", nil, write("schedkey.yaml", "schedule:\n  digest_time: \"08:30\"\n"), `line 2: unknown key "digest_time"`},
		{"audit kept forever", nil, write("audit.yaml", "audit_retention_days: 0\n"), ""},
		{"audit retention from the environment", map[string]string{"CSBOT_AUDIT_RETENTION_DAYS": "730"}, "", ""},
		{"bad audit retention", map[string]string{"CSBOT_AUDIT_RETENTION_DAYS": "1y"}, "", `CSBOT_AUDIT_RETENTION_DAYS: "1y" is not a number of days`},
		{"negative audit retention", nil, write("audit-neg.yaml", "audit_retention_days: -5\n"), "CSBOT_AUDIT_RETENTION_DAYS: -5: give a number of days, or 0 to keep every record"},
		{"access override", nil, write("access.yaml", "access:\n  csm:\n    note: team\n"), ""},
		{"access unknown action", nil, write("access-typo.yaml", "tz: UTC\naccess:\n  csm:\n    nte: team\n"), `access.csm.nte (line 4): unknown action "nte"`},
		{"access unknown role", nil, write("access-role.yaml", "access:\n  boss:\n    kpi: all\n"), `access.boss (line 2): unknown role "boss"`},
		{"access unknown scope", nil, write("access-scope.yaml", "access:\n  exec:\n    kpi: world\n"), `access.exec.kpi (line 3): unknown scope "world"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := loadOptions(func(k string) string { return tc.env[k] }, overrides{ConfigFile: tc.config}).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	o := optionsFromEnv(func(string) string { return "" })
	if o.Addr != ":8080" || o.DataDir != "./data" || o.Database != "csbot" || o.TZ != "UTC" || o.ShutdownGrace != 20*time.Second || o.AuditRetentionDays != 400 {
		t.Errorf("defaults = %+v", o)
	}
	secret := write("token", " xoxb-from-file \n")
	o = optionsFromEnv(func(k string) string {
		return map[string]string{"SLACK_BOT_TOKEN_FILE": secret, "CSBOT_DB_FILE": secret}[k]
	})
	if o.Slack.BotToken != "xoxb-from-file" || o.Database != "csbot" {
		t.Errorf("secret files: bot token %q, database %q; want the file's token, and _FILE ignored for a non-secret", o.Slack.BotToken, o.Database)
	}
}

// scheduleYAML configures the business calendar and delivery times.
const scheduleYAML = `tz: Asia/Tokyo
calendar:
  public_holidays: jp
  holidays: [2026-12-29, 2026-12-30, "2026-12-31"]
schedule:
  digest_at: "09:00"
  send_from: "08:00"
  send_until: "19:00"
  members:
    haruto: {digest_at: "08:30"}
`

// The calendar and schedule sections reach the schedule csbot serve uses:
// a lead's own digest time, the company's holidays (unquoted YAML dates
// too), members without a time zone in CSBOT_TZ.
func TestOptionsSchedule(t *testing.T) {
	file := filepath.Join(t.TempDir(), "csbot.yaml")
	if err := os.WriteFile(file, []byte(scheduleYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	o := loadOptions(func(string) string { return "" }, overrides{ConfigFile: file})
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := o.schedule()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.TimesOf("haruto").DigestAt; got != 8*time.Hour+30*time.Minute {
		t.Errorf("haruto's digest at %v, want 8h30m", got)
	}
	if got := s.TimesOf("misaki").DigestAt; got != 9*time.Hour {
		t.Errorf("misaki's digest at %v, want the org's 9h", got)
	}
	// 2026-12-29 10:00 in Tokyo, a company holiday: nothing until Monday 4 January.
	due := time.Date(2026, 12, 29, 1, 0, 0, 0, time.UTC)
	if got := s.NextSend(store.Member{ID: "yui"}, due); !got.Equal(time.Date(2027, 1, 3, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("NextSend = %v, want 2027-01-04 08:00 in Tokyo", got)
	}
}

// Defaults < file < environment < flags, setting by setting.
func TestOptionsPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "csbot.yaml")
	body := "addr: :7000\ndata_dir: /from/file\ntz: Asia/Tokyo\nshutdown_grace: 45s\nslack:\n  bot_token: xoxb-file\nhealth:\n  green: 80\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CSBOT_CONFIG": file, "CSBOT_ADDR": ":7001", "SLACK_BOT_TOKEN": "xoxb-env", "CSBOT_DATA_DIR": "/from/env"}
	o := loadOptions(func(k string) string { return env[k] }, overrides{DataDir: "/from/flag"})
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	got := []string{o.Addr, o.DataDir, o.TZ, o.ShutdownGrace.String(), o.Slack.BotToken, strconv.Itoa(o.Health.Green), strconv.Itoa(o.Health.Yellow), o.Database}
	want := []string{":7001", "/from/flag", "Asia/Tokyo", "45s", "xoxb-env", "80", "40", "csbot"}
	if !slices.Equal(got, want) {
		t.Errorf("addr, data, tz, grace, slack token, green, yellow, db = %q, want %q", got, want)
	}
	// --config wins over CSBOT_CONFIG.
	if o := loadOptions(func(k string) string { return env[k] }, overrides{ConfigFile: filepath.Join(t.TempDir(), "other.yaml")}); o.Validate() == nil {
		t.Error("--config naming a missing file was not reported")
	}
}

func runCmd(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return out.String() + errOut.String(), err
}

// The README's first command, scripted: demo data, then the walkthrough.
func TestConsoleDemoWalkthrough(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	script := "/cs help\n/cs accounts risk\n/cs health tenjin\n/cs onboarding kitsune-games\n/cs note sakura call with the CTO, they want SSO\n/cs whoami\n/cs audit sakura\n"
	out, err := runCmd(t, getenv, script, "console", "--demo")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"> /cs help", "/cs health <account> [why|chart] [share]",
		// The console acts as Aiko, whose locale is ja-JP.
		"アカウント一覧: 解約リスクあり、すべてのアカウント",
		"Tenjin Retail Group · ヘルススコア", "[red-band]",
		"Kitsune Games · オンボーディング", "オンボーディングが停滞しています",
		"Sakura Logistics のタイムラインに電話を記録しました。",
		"Aiko Tanaka (@aiko)",
		// Every record names who wrote it: the seed, the day's refresh
		// at start, the note.
		"seed (demo) アカウント v1", "scheduler (health-refresh) アカウント：history", "@aiko (console) アカウント v3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "unknown") {
		t.Errorf("an audit record by nobody named:\n%s", out)
	}
	if strings.Contains(out, "level=") {
		t.Errorf("log lines in the conversation:\n%s", out)
	}
	// --demo again changes nothing and --as switches the member (a lead,
	// リーダー in his ja-JP locale).
	out, err = runCmd(t, getenv, "/cs whoami\n", "console", "--demo", "--as", "@haruto")
	if err != nil || !strings.Contains(out, "Haruto") || !strings.Contains(out, "リーダー") {
		t.Errorf("second run as haruto: %v\n%s", err, out)
	}
	for _, stray := range []string{"ja", "foo"} {
		if _, err := runCmd(t, getenv, "", "console", stray); err == nil || !strings.Contains(err.Error(), `unexpected "`+stray+`" (the Japanese demo is --demo ja)`) {
			t.Errorf("console %s: err = %v, want the stray word named", stray, err)
		}
	}
	out, err = runCmd(t, getenv, "", "console", "--as", "nobody")
	if err == nil || !strings.Contains(err.Error(), "--as nobody: no such member") {
		t.Errorf("--as nobody: err = %v\n%s", err, out)
	}
}

func TestConsoleWithoutMembersExplainsHowToStart(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	_, err := runCmd(t, getenv, "", "console")
	if err == nil || !strings.Contains(err.Error(), "csbot seed admin") {
		t.Fatalf("err = %v", err)
	}
	out, err := runCmd(t, getenv, "", "seed", "admin", "rin", "Rin Ito")
	if err != nil || !strings.Contains(out, "admin @rin (Rin Ito) saved") {
		t.Fatalf("seed admin: %v\n%s", err, out)
	}
	out, err = runCmd(t, getenv, "/cs whoami\n", "console")
	if err != nil || !strings.Contains(out, "Rin Ito (@rin)") {
		t.Errorf("console as the new admin: %v\n%s", err, out)
	}
	if _, err := runCmd(t, getenv, "", "seed", "admin", "eve", "Eve"); err == nil || !strings.Contains(err.Error(), "already has members") {
		t.Errorf("second seed admin: err = %v, want a refusal", err)
	}
}

func TestImportReportsBadRows(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": filepath.Join(dir, "data")})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	csv := filepath.Join(dir, "accounts.csv")
	body := "slug,name,tier,phase,owner,arr\nnew-co,New Co,low,adoption,yui,1000\nbad-co,Bad Co,gold,adoption,yui,1000\n"
	if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, getenv, "", "import", "accounts", csv)
	if err == nil || !strings.Contains(out, "line 3 (bad-co)") || !strings.Contains(out, "1 created, 0 updated, 0 unchanged, 1 rejected") {
		t.Fatalf("import: err = %v\n%s", err, out)
	}
	out, _ = runCmd(t, getenv, "", "import", "accounts", csv)
	if !strings.Contains(out, "0 created, 0 updated, 1 unchanged, 1 rejected") {
		t.Errorf("second import:\n%s", out)
	}
	xlsx := filepath.Join(dir, "accounts.xlsx")
	if err := os.WriteFile(xlsx, []byte("PK\x03\x04binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, getenv, "", "import", "accounts", xlsx); err == nil || !strings.Contains(err.Error(), "not CSV or JSON") {
		t.Errorf("xlsx import: err = %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	for _, args := range [][]string{{}, {"launch"}, {"seed"}, {"seed", "admin", "Bad Id", "x"}, {"import", "users", "f.csv"}, {"console", "--colour"}} {
		_, err := runCmd(t, getenv, "", args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("csbot %v: err = %v, want a usage error", args, err)
		}
	}
	for _, args := range [][]string{{"--quiet", "import", "accounts", "f.csv"}, {"--data", t.TempDir()}} {
		if _, err := runCmd(t, getenv, "", args...); !errors.As(err, new(usageError)) {
			t.Errorf("csbot %v: err = %v, want a usage error", args, err)
		}
	}
	if out, err := runCmd(t, getenv, "", "--data", t.TempDir(), "--help"); err != nil || !strings.Contains(out, "Usage:") {
		t.Errorf("--data DIR --help: %v\n%s", err, out)
	}
	out, err := runCmd(t, getenv, "", "version")
	if err != nil || !strings.HasPrefix(out, "csbot ") {
		t.Errorf("version: %v %q", err, out)
	}
}

// The options every command takes work before the command too: both
// seeds below reach the same folder, not CSBOT_DATA_DIR's.
func TestCommonFlagsBeforeTheCommand(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	dir := t.TempDir()
	if out, err := runCmd(t, getenv, "", "--data", dir, "seed", "admin", "aiko", "Aiko Tanaka"); err != nil {
		t.Fatalf("--data before seed: %v\n%s", err, out)
	}
	if _, err := runCmd(t, getenv, "", "seed", "admin", "kenji", "Kenji Sato", "--data="+dir); err == nil || !strings.Contains(err.Error(), "already has members") {
		t.Errorf("second admin in the same folder: err = %v, want the store's members found", err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newTestApp(t)
	srv := httptest.NewServer(a.httpHandler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Errorf("/readyz = %d %s", code, body)
	}
	a.metrics.observeDelivery("reminder", "slack", "sent")
	a.router.Handle(context.Background(), "console", "nobody", "/cs whoami")
	code, body := get("/metrics")
	for _, want := range []string{`csbot_deliveries_total{kind="reminder",outcome="sent",platform="slack"} 1`, `csbot_command_duration_seconds_count{command="none",outcome="error",platform="console"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics = %d, lacks %s", code, want)
		}
	}
	a.Close() // the store goes away
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "store unreachable") {
		t.Errorf("/readyz without a store = %d %s", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz without a store = %d, want 200 (the process lives)", code)
	}
}

// csbot serve with Slack on: a signed slash command over real HTTP reaches
// the demo data, and cancelling (SIGTERM) stops the server cleanly.
func TestServeAnswersSlack(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U0DEMO01"}}`)
	}))
	defer fake.Close()
	addr := freeAddr(t)
	getenv := testEnv(t, map[string]string{
		"CSBOT_DATA_DIR": t.TempDir(), "CSBOT_ADDR": addr,
		"SLACK_SIGNING_SECRET": "shh", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.URL + "/api/",
	})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard, getenv) }()
	var answer string
	for range 100 { // wait for the listener
		req := signedSlashCommand(t, addr, "shh", "whoami", fake.URL+"/respond")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer = fmt.Sprint(resp.StatusCode, " ", string(b))
		break
	}
	if !strings.HasPrefix(answer, "200 ") || !strings.Contains(answer, "Aiko Tanaka") {
		t.Errorf("slash command answer = %s", answer)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
}

// `console --demo ja` seeds the demo with Japanese names, found by the
// start of a name in either kana; `--demo` alone stays English.
func TestConsoleJapaneseDemo(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	out, err := runCmd(t, getenv, "/cs health さくら\n/cs health サクラ\n/cs health ｷﾂﾈ\n/cs whoami\n", "console", "--demo", "ja")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"さくら物流 · ヘルススコア", "> /cs health サクラ", "キツネゲームス · ヘルススコア", "田中 愛子 (@aiko)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "さくら物流 · ヘルススコア"); n != 2 {
		t.Errorf("さくら and サクラ found さくら物流 %d times, want 2:\n%s", n, out)
	}
	if _, err := runCmd(t, getenv, "", "console", "--demo", "fr"); err == nil {
		t.Error("console --demo fr: want a usage error")
	}
}

// The dry runs print what the scheduler would send, from the demo data.
func TestRemindAndDigestDryRuns(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := runCmd(t, getenv, "", "remind", "--dry-run")
	if err != nil || !strings.Contains(out, "reminders due at") || !strings.Contains(out, "-> @") {
		t.Errorf("remind --dry-run: %v\n%s", err, out)
	}
	out, err = runCmd(t, getenv, "", "digest", "--dry-run", "--lead", "haruto")
	// haruto's locale is ja-JP: the digest is in Japanese.
	if err != nil || !strings.Contains(out, "-> @haruto") || !strings.Contains(out, "解約リスクダイジェスト：Tokyo") || !strings.Contains(out, "1 digests") {
		t.Errorf("digest --dry-run: %v\n%s", err, out)
	}
	if _, err := runCmd(t, getenv, "", "remind"); err == nil {
		t.Error("remind without --dry-run: want a usage error")
	}
	if _, err := runCmd(t, getenv, "", "digest", "--dry-run", "--date", "tomorrow"); err == nil {
		t.Error("digest with a bad date: want an error")
	}
}

// The digest and weekly summary jobs queue one message per person and day
// in the outbox, however often they run, and delivery sends each once.
func TestDigestAndSummaryJobsQueueOnce(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t)
	// Monday 2026-11-23, 09:30 in Tokyo (where haruto leads). It is Labour
	// Thanksgiving Day there: this test counts messages, so it keeps no
	// public holidays (playbooks tests the calendar).
	now := time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC)
	sched, err := playbooks.NewSchedule(playbooks.CalendarConfig{PublicHolidays: "none"}, playbooks.ScheduleConfig{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, a.store, a.engine, now); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := playbooks.QueueDigests(ctx, a.store, sched, now, a.org); err != nil {
			t.Fatal(err)
		}
		if err := playbooks.QueueSummaries(ctx, a.store, now, a.org); err != nil {
			t.Fatal(err)
		}
	}
	var sent []string
	d := &playbooks.Delivery{Store: a.store, Owner: "test", Log: slog.New(slog.DiscardHandler), Schedule: sched,
		Send: func(_ context.Context, to bot.Destination, r bot.Reply) (string, error) {
			sent = append(sent, to.Member+": "+r.Title)
			return "test", nil
		}}
	if _, err := d.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"haruto: 解約リスクダイジェスト：Tokyo（2026年11月23日（月））": true, // haruto's locale is ja-JP
		"keiko: 週次カスタマーサクセスサマリー（2026年11月23日（月）の週）":  true,
	}
	got := map[string]int{}
	for _, s := range sent {
		got[s]++
	}
	for w := range want {
		if got[w] != 1 {
			t.Errorf("%q sent %d times, want once; sent: %v", w, got[w], sent)
		}
	}
	for s := range got {
		if strings.Contains(s, "daniel") { // Berlin: 01:30 there, not yet 09:00
			t.Errorf("sent before 09:00 local: %s", s)
		}
	}
}

// The nightly prune drops sent messages and claims past their retention
// and keeps recent ones.
func TestPruneJob(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t)
	now := time.Date(2026, 11, 25, 3, 30, 0, 0, time.UTC)
	for _, sent := range []time.Time{now.AddDate(0, 0, -100), now.AddDate(0, 0, -10)} {
		id := "reminder/x/y/acme/aiko/" + store.Day(sent)
		if _, err := a.store.Enqueue(ctx, store.OutboxItem{ID: id, Kind: "reminder", Recipient: "aiko", Payload: "{}", CreatedAt: sent}); err != nil {
			t.Fatal(err)
		}
		if _, won, err := a.store.ClaimForSend(ctx, id, "t", sent, time.Minute); err != nil || !won {
			t.Fatal(won, err)
		}
		if err := a.store.MarkSent(ctx, id, "t", sent); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.store.Claim(ctx, "slack-event/old", now.AddDate(0, 0, -100)); err != nil {
		t.Fatal(err)
	}
	if err := a.prune(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Outbox(ctx, "reminder/x/y/acme/aiko/"+store.Day(now.AddDate(0, 0, -100))); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old sent item: err = %v, want it pruned", err)
	}
	if _, err := a.store.Outbox(ctx, "reminder/x/y/acme/aiko/"+store.Day(now.AddDate(0, 0, -10))); err != nil {
		t.Errorf("recent sent item: %v, want it kept", err)
	}
	if ok, _ := a.store.Claimed(ctx, "slack-event/old"); ok {
		t.Error("old claim kept")
	}
}

func TestDoctor(t *testing.T) {
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "xoxb-good") || strings.Contains(r.Header.Get("Authorization"), "xoxb-good") {
			io.WriteString(w, `{"ok":true,"user_id":"U0BOT","user":"csbot"}`)
			return
		}
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer slackAPI.Close()
	data := t.TempDir()
	if err := os.Chmod(data, 0o700); err != nil { // doctor fails a folder others may enter
		t.Fatal(err)
	}
	good := testEnv(t, map[string]string{"CSBOT_DATA_DIR": data, "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-good", "SLACK_API_URL": slackAPI.URL + "/api/",
		"TEAMS_WEBHOOK_SECRET": base64.StdEncoding.EncodeToString(make([]byte, 32))})
	out, err := runCmd(t, good, "", "doctor")
	if err != nil || !strings.Contains(out, "all 9 checks passed") || !strings.Contains(out, "auth.test: bot user U0BOT") || !strings.Contains(out, "1 outgoing-webhook token(s) decode; 0 of 0 teams") {
		t.Errorf("doctor on a good setup: %v\n%s", err, out)
	}
	pbDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(pbDir, "x.yaml"), []byte("name: x\nsteps:\n  - name: a\n    evry: 7d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := testEnv(t, map[string]string{"CSBOT_DATA_DIR": data, "CSBOT_TZ": "Mars/Olympus", "CSBOT_PLAYBOOKS_DIR": pbDir,
		"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_API_URL": slackAPI.URL + "/api/"})
	out, err = runCmd(t, bad, "", "doctor")
	if err == nil || !strings.Contains(err.Error(), "3 of 9 checks failed") {
		t.Errorf("doctor on a bad setup: err = %v\n%s", err, out)
	}
	for _, want := range []string{"FAIL config", `CSBOT_TZ: "Mars/Olympus"`, "FAIL playbooks", "evry: unknown field", "FAIL slack", "invalid_auth", "fix: check SLACK_BOT_TOKEN", "ok   store"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

func TestTeamsWebhookCommand(t *testing.T) {
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir()})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	const hook = "https://prod-01.japaneast.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET"
	const channel = "19:0a1b2c3d4e5f@thread.tacv2"
	const link = "https://teams.microsoft.com/l/channel/19%3a0a1b2c3d4e5f%40thread.tacv2/CS%20Tokyo?groupId=71ed6ad1&tenantId=72f988bf"
	tests := []struct {
		name string
		args []string
		want string // in the output or the error
		ok   bool
	}{
		{"set", []string{"teams", "webhook", "tokyo", hook}, "Customer figures stay out of its posts", true},
		{"bad channel", []string{"teams", "webhook", "tokyo", hook, "general"}, "not a Teams channel", false},
		{"set with the channel's link", []string{"teams", "webhook", "tokyo", hook, link}, "only while " + channel + " is marked internal", true},
		{"plain http", []string{"teams", "webhook", "tokyo", "http://example.com/hook"}, "must be the https:// address", false},
		{"unknown team", []string{"teams", "webhook", "tokio", hook}, `no team "tokio"; did you mean "tokyo"?`, false},
		{"missing url", []string{"teams", "webhook", "tokyo"}, "csbot teams webhook TEAM URL", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runCmd(t, getenv, "", tc.args...)
			msg := out
			if err != nil {
				msg += err.Error()
			}
			if (err == nil) != tc.ok || !strings.Contains(msg, tc.want) {
				t.Errorf("err %v, output %q; want ok=%v and %q", err, out, tc.ok, tc.want)
			}
			if strings.Contains(msg, "SECRET") {
				t.Errorf("the webhook URL's signature was echoed: %q", msg)
			}
		})
	}
	a, err := openApp(context.Background(), optionsFromEnv(getenv), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if team, err := a.store.Team(context.Background(), "tokyo"); err != nil || team.TeamsWebhook != hook || team.TeamsChannel != channel {
		t.Errorf("tokyo's webhook = %q in %q (err %v), want the URL and channel set", team.TeamsWebhook, team.TeamsChannel, err)
	}
}

// csbot discord register against a fake Discord REST API.
func TestDiscordRegister(t *testing.T) {
	var puts []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPut || r.Header.Get("Authorization") != "Bot tok" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"401: Unauthorized","code":0}`)
			return
		}
		puts = append(puts, r.URL.Path)
		w.Write(b)
	}))
	defer api.Close()
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir(), "DISCORD_BOT_TOKEN": "tok", "DISCORD_APP_ID": "A1", "DISCORD_API_URL": api.URL + "/api/v9/"})
	out, err := runCmd(t, getenv, "", "discord", "register", "--guild", "G1")
	if err != nil || !strings.Contains(out, "registered /cs with") || !strings.Contains(out, "in server G1") {
		t.Fatalf("register: %v\n%s", err, out)
	}
	if len(puts) != 1 || puts[0] != "/api/v9/applications/A1/guilds/G1/commands" {
		t.Errorf("PUTs = %v, want one bulk overwrite of the guild's commands", puts)
	}
	bad := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir(), "DISCORD_BOT_TOKEN": "revoked", "DISCORD_APP_ID": "A1", "DISCORD_API_URL": api.URL + "/api/v9/"})
	if out, err := runCmd(t, bad, "", "discord", "register"); err == nil {
		t.Errorf("register with a revoked token succeeded:\n%s", out)
	}
}
