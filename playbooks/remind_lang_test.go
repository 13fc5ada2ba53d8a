package playbooks_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/internal/golden"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

// Reminders are written in each recipient's language: the member's
// locale, else the deployment's. The owner here reads Japanese, the lead
// English; the golden files pin a reminder and a batch as delivered.
// Rewrite them with `go test ./playbooks -run Reminder -update`.
func TestRemindersInRecipientLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, ownerLocale, deployment string
	}{
		{"en", "", "en"},
		{"ja", "ja-JP", "en"}, // the owner's own locale
		{"ja-deployment", "", "ja"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := remindersSent(t, tc.ownerLocale, tc.deployment)
			suffix := ""
			if tc.name != "en" {
				suffix = ".ja"
			}
			golden.Assert(t, "reminder-renewal-rescue"+suffix+".golden", []byte(got["aiko/renewal-rescue"]+"\n"))
			lead := got["hiro/lead-review"]
			if tc.deployment == "ja" {
				golden.Assert(t, "reminder-batch.ja.golden", []byte(lead+"\n"))
			} else {
				golden.Assert(t, "reminder-batch.golden", []byte(lead+"\n"))
			}
		})
	}
}

// remindersSent runs the sweep and delivery over one at-risk account and
// returns what each member got, rendered, by "member/step".
func remindersSent(t *testing.T, ownerLocale, deployment string) map[string]string {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := st.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo", Lead: "hiro"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Locale: ownerLocale},
		{ID: "hiro", Name: "Hiro", Roles: []store.Role{store.RoleLead}, Team: "tokyo"},
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// Low usage and a renewal in 40 days: the renewal rescue falls due for
	// the owner, the review for the lead.
	acct := store.Account{Slug: "sakura", Name: "さくら物流", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko",
		Seats: 50, ActiveUsers: 5, LastTouch: now.AddDate(0, 0, -3), Renewal: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)}
	if err := engine.Put(ctx, acct); err != nil {
		t.Fatal(err)
	}
	set, err := playbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := playbooks.Reminders(ctx, set, st, engine, now, deployment)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := playbooks.Queue(ctx, st, msgs, now); err != nil {
		t.Fatal(err)
	}
	// Titles end in the step's name, in either language.
	got := map[string]string{}
	d := &playbooks.Delivery{Store: st, Owner: "test", Log: slog.New(slog.DiscardHandler),
		Send: func(_ context.Context, to bot.Destination, r bot.Reply) (string, error) {
			_, step, _ := strings.Cut(strings.Replace(r.Title, "：", ": ", 1), ": ")
			got[to.Member+"/"+strings.ReplaceAll(step, " ", "-")] = console.Render(r)
			return "test", nil
		}}
	if _, err := d.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if key := m.Recipient + "/" + m.Step; got[key] == "" {
			t.Errorf("%s queued but not sent; sent %v", key, got)
		}
	}
	return got
}
