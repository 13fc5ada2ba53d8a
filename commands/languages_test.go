package commands_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store"
)

// languages are the fixture's two routers: golden files <name>.golden and
// <name>.ja.golden.
var languages = []struct {
	suffix string
	router func(fixture) *bot.Router
}{
	{"", func(f fixture) *bot.Router { return f.router }},
	{".ja", func(f fixture) *bot.Router { return f.japanese }},
}

// reminderID is the reminder withReminder queues for aiko.
var reminderID = store.OutboxID("reminder", "high-touch", "weekly-check-in", "acme", "aiko", now)

func withReminder(t testing.TB, f fixture) {
	t.Helper()
	if _, err := f.st.Enqueue(context.Background(), store.OutboxItem{ID: reminderID, Kind: "reminder", Playbook: "high-touch", Step: "weekly-check-in",
		Account: "acme", Recipient: "aiko", Payload: "{}", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// withFailedDelivery queues the reminder and fails it for good.
func withFailedDelivery(t testing.TB, f fixture) {
	t.Helper()
	withReminder(t, f)
	ctx := context.Background()
	if _, won, err := f.st.ClaimForSend(ctx, reminderID, "r1", now, time.Minute); err != nil || !won {
		t.Fatalf("claim: %v %v", won, err)
	}
	if final, err := f.st.MarkFailed(ctx, reminderID, "r1", now, errors.New("channel_not_found"), 1, func(int) time.Duration { return time.Minute }); err != nil || !final {
		t.Fatalf("mark failed: %v %v", final, err)
	}
}

// Replies of commands that change data, in English and Japanese; each
// runs on a fixture of its own.
func TestGoldenChangesInBothLanguages(t *testing.T) {
	tests := []struct {
		name, user string
		setup      func(testing.TB, fixture)
		lines      []string // the last one's reply is pinned
	}{
		{"note", "ken", nil, []string{"/cs note acme-labs call with the CTO, they want SSO"}},
		{"note-email", "aiko", nil, []string{"/cs note acme email: sent the QBR deck"}},
		{"reminder-done", "aiko", withReminder, []string{"/cs reminder done " + reminderID}},
		{"reminder-done-again", "aiko", withReminder, []string{"/cs reminder done " + reminderID, "/cs reminder done " + reminderID}},
		{"reminder-snooze", "aiko", withReminder, []string{"/cs reminder snooze 1w " + reminderID}},
		{"reminder-snooze-again", "aiko", withReminder, []string{"/cs reminder snooze 1w " + reminderID, "/cs reminder snooze 1d " + reminderID}},
		{"playbook-start", "hiro", nil, []string{"/cs playbook start save-plan acme-labs"}},
		{"playbook-start-again", "hiro", nil, []string{"/cs playbook start save-plan acme-labs", "/cs playbook start save-plan acme-labs"}},
		{"playbook-stop", "hiro", nil, []string{"/cs playbook start save-plan acme-labs", "/cs playbook stop save-plan acme-labs"}},
		{"status-failed", "ops", withFailedDelivery, []string{"/cs status"}},
	}
	for _, tc := range tests {
		for _, lang := range languages {
			t.Run(tc.name+lang.suffix, func(t *testing.T) {
				f := newFixture(t)
				if tc.setup != nil {
					tc.setup(t, f)
				}
				var r bot.Reply
				for _, line := range tc.lines {
					r = lang.router(f).Handle(context.Background(), "console", tc.user, line)
				}
				if r.Error {
					t.Errorf("refused: %s", r.Text)
				}
				assertGolden(t, tc.name+lang.suffix, tc.lines[len(tc.lines)-1], console.Render(r)+"\n")
			})
		}
	}
}

// Refusals and empty answers, in English and Japanese: what was typed
// wrong, what is not there, what the member may not do.
func TestGoldenRefusalsInBothLanguages(t *testing.T) {
	f := newFixture(t)
	tests := []goldenLine{
		{"refused-missing-account", "aiko", "/cs health"},
		{"refused-unknown-account", "aiko", "/cs health acmr"},
		{"refused-ambiguous-account", "aiko", "/cs health acm"},
		{"refused-bad-choice", "aiko", "/cs accounts tier:gold"},
		{"refused-unknown-setting", "aiko", "/cs accounts colour:blue"},
		{"refused-given-twice", "aiko", "/cs accounts mine team"},
		{"refused-not-understood", "aiko", "/cs risk all everyone"},
		{"refused-two-scopes", "aiko", "/cs accounts mine @ken"},
		{"refused-unknown-member", "aiko", "/cs accounts @nobody"},
		{"refused-no-team", "ops", "/cs accounts team"},
		{"refused-note-without-text", "aiko", "/cs note acme"},
		{"refused-playbook-without-verb", "aiko", "/cs playbook"},
		{"refused-playbook-unknown-verb", "aiko", "/cs playbook begin save-plan acme"},
		{"refused-unknown-playbook", "aiko", "/cs playbook start rescue acme"},
		{"refused-playbook-not-started", "aiko", "/cs playbook stop save-plan acme"},
		{"refused-unknown-reminder", "aiko", "/cs reminder done nope"},
		{"refused-snooze-choice", "aiko", "/cs reminder snooze 2d nope"},
		{"refused-status", "aiko", "/cs status"},
		{"accounts-none", "aiko", "/cs accounts region:nowhere"},
		{"risk-none", "ops", "/cs risk mine"},
	}
	goldenReplies(t, f, tests)
}

// goldenLine is a command whose reply golden files pin in both languages.
type goldenLine struct{ name, user, line string }

// goldenReplies runs each line as its user in each language and compares
// the reply with testdata/<name>.golden and <name>.ja.golden.
func goldenReplies(t *testing.T, f fixture, tests []goldenLine) {
	t.Helper()
	for _, tc := range tests {
		for _, lang := range languages {
			t.Run(tc.name+lang.suffix, func(t *testing.T) {
				got := console.Render(lang.router(f).Handle(context.Background(), "console", tc.user, tc.line))
				assertGolden(t, tc.name+lang.suffix, tc.line, got+"\n")
			})
		}
	}
}

// The member's own language wins over the deployment's: on the same
// English deployment a member who chose Japanese reads an argument error
// in Japanese, and the others in English.
func TestArgumentErrorInMemberLanguage(t *testing.T) {
	f := newFixture(t)
	if _, err := f.st.UpdateMember(context.Background(), "ken", func(m *store.Member, _ bool) error {
		m.Locale = "ja-JP"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, want string }{
		{"ken", "! `tier` には high、low、tech のいずれかを指定してください。\n  使い方  /cs accounts [mine|team|all] [@owner] [tier:high|low|tech] [region:<region>] [risk]"},
		{"aiko", "! `tier` must be one of high, low, tech.\n  Usage  /cs accounts [mine|team|all] [@owner] [tier:high|low|tech] [region:<region>] [risk]"},
	} {
		if got := f.run(tc.user, "/cs accounts tier:gold"); got != tc.want {
			t.Errorf("%s reads:\n%s\nwant:\n%s", tc.user, got, tc.want)
		}
	}
}
