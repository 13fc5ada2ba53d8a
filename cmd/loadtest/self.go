package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/csbot/csbot/bot"
	slackbot "github.com/csbot/csbot/bot/slack"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
)

// Target is csbot's Slack endpoint and a bare one beside it, both on
// loopback, with a store of synthetic accounts behind the first.
type Target struct {
	FullURL, BareURL, Secret string
	Accounts                 int
	closers                  []func()
}

// Close stops the servers and the store.
func (t *Target) Close() {
	for i := len(t.closers) - 1; i >= 0; i-- {
		t.closers[i]()
	}
}

// Form returns a `/cs health` of a random account as user, for Config.Form.
func (t *Target) Form(user string) func(int) url.Values {
	return func(int) url.Values {
		return url.Values{
			"command": {"/cs"}, "text": {fmt.Sprintf("health account-%05d", rand.IntN(t.Accounts))},
			"user_id": {user}, "channel_id": {"C0LOAD"}, "team_id": {"T0LOAD"}, "response_url": {"http://127.0.0.1:1/unused"},
		}
	}
}

// Setup starts, in this process, csbot's Slack HTTP endpoints over an
// embedded store in cfg with n synthetic accounts (about a minute for
// 10,000), a fake Slack Web API for its guest checks, and the bare
// endpoint, which only verifies the signature and answers 200.
func Setup(ctx context.Context, cfg mongostore.Config, n int) (*Target, error) {
	t := &Target{Secret: "loadtest-secret", Accounts: n}
	st, err := mongostore.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	t.closers = append(t.closers, func() { _ = st.Close(context.Background()) })
	if cfg.URI != "" {
		// A throwaway database on a real server: leave nothing behind.
		t.closers = append(t.closers, func() { _ = st.DropDatabase(context.Background()) })
	}
	engine := health.NewEngine(st, health.DefaultConfig(), time.Now)
	if err := demo.SeedBulk(ctx, st, engine, n, time.Now()); err != nil {
		t.Close()
		return nil, err
	}
	// The load comes from an executive, who may read every account.
	if err := st.SaveMember(ctx, store.Member{ID: "loadtest", Name: "Load Test", Roles: []store.Role{store.RoleExec},
		Identities: map[string]string{"slack": LoadUser}}); err != nil {
		t.Close()
		return nil, err
	}
	// As csbot serve does at start.
	if _, err := st.WarmCache(ctx); err != nil {
		t.Close()
		return nil, err
	}
	fakeSlack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"user":{"id":"U0BULK0"}}`)
	}))
	t.closers = append(t.closers, fakeSlack.Close)
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine}); err != nil {
		t.Close()
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	deps := slackbot.Deps{
		Router: bot.NewRouter(reg, st, log), Client: slackbot.NewClient("xoxb-load", fakeSlack.URL, slackbot.WithLogger(log)),
		Claims: st, Store: st, Log: log,
	}
	if st.EmbeddedURI() != "" {
		deps.Requests = bot.NewLocalClaims(time.Now(), 5*time.Minute) // as csbot serve does
	}
	app := slackbot.NewApp(deps)
	mux := http.NewServeMux()
	slackbot.NewHTTP(app, t.Secret).Register(mux)
	full := httptest.NewServer(mux)
	t.closers = append(t.closers, full.Close, app.Wait)
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bot.ReadBody(w, r)
		if !ok {
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, t.Secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.closers = append(t.closers, bare.Close)
	t.FullURL, t.BareURL = full.URL+"/slack/commands", bare.URL
	// Collect the set-up's garbage now rather than during the measurement,
	// and hand its memory back to the system, so that the resident memory
	// measured after the load is the endpoint's and the load's, as in a
	// csbot serve that did not seed the book.
	debug.FreeOSMemory()
	return t, nil
}

// ResidentMB is this process's resident memory in megabytes, where the
// system tells it (Linux).
func ResidentMB() (float64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb / 1024, true
			}
		}
	}
	return 0, false
}

// LoadUser is the Slack user of the in-process load: an executive.
const LoadUser = "U0LOAD"
