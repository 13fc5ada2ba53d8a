package playbooks

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// now is a Tuesday morning; every test account is dated relative to it.
var now = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.AddDate(0, 0, -n) }

// on is midnight UTC of the day n days from now.
func on(n int) time.Time { return store.UTCDay(now).AddDate(0, 0, n) }

func ptr[T any](v T) *T { return &v }

func defaults(t testing.TB) *Set {
	t.Helper()
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assessed(score int, band string, risks ...store.Risk) health.Assessment {
	return health.Assessment{Result: health.Result{Score: score, Band: band}, Risks: risks}
}

var (
	green = assessed(82, health.Green)
	red   = assessed(31, health.Red,
		store.Risk{Rule: health.RuleRedBand, Score: 31, Limit: 40},
		store.Risk{Rule: health.RuleNoTouch, Days: 20, Tier: store.TierHigh, Limit: 14})
)

// account builds an account of a tier that was touched yesterday and has
// nothing due, for a case to change.
func account(tier store.Tier, change func(a *store.Account)) store.Account {
	a := store.Account{
		Slug: "acme", Name: "Acme Corp", Tier: tier, Phase: store.PhaseAdoption, PhaseStart: daysAgo(200),
		Owner: "aiko", Seats: 40, ActiveUsers: 30, LastTouch: daysAgo(1),
	}
	if change != nil {
		change(&a)
	}
	return a
}

func dueKeys(dues []Due) []string {
	var out []string
	for _, d := range dues {
		at := d.DueAt.Format("2006-01-02 15:04")
		batch := ""
		if d.Batch {
			batch = " batch"
		}
		out = append(out, fmt.Sprintf("%s/%s to %s at %s%s", d.Playbook, d.Step, d.To, at, batch))
	}
	return out
}

func TestDueSteps(t *testing.T) {
	s := defaults(t)
	overdue := []store.Milestone{
		{Name: "Kickoff held", Due: daysAgo(20), Done: ptr(daysAgo(21))},
		{Name: "Admin configured", Due: daysAgo(3)},
		{Name: "Data imported", Due: daysAgo(1)},
		{Name: "First value reached", Due: now}, // due today: not missed yet
	}
	tests := []struct {
		name    string
		account store.Account
		as      health.Assessment
		want    []string
	}{
		{"high: touched 6 days ago: nothing due", account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(6) }), green, nil},
		{"high: touched 7 days ago: weekly check-in", account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(7).Add(-2 * time.Hour) }), green,
			[]string{"high-touch/weekly-check-in to owner at 2026-03-10 07:00"}},
		{"high: touched 7 days minus an hour ago: not yet", account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(7).Add(time.Hour) }), green, nil},
		{"high: never touched: check-in due now", account(store.TierHigh, func(a *store.Account) { a.LastTouch = time.Time{} }), green,
			[]string{"high-touch/weekly-check-in to owner at 2026-03-09 00:00"}},
		{"high: renewal in 121 days: not yet", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(121) }), green, nil},
		{"high: renewal in 120 days: renewal plan", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(120) }), green,
			[]string{"high-touch/renewal-plan to owner at 2026-03-10 00:00"}},
		{"high: renewal in 113 days: plan still due in the grace week", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(113).Add(15 * time.Hour) }), green,
			[]string{"high-touch/renewal-plan to owner at 2026-03-03 00:00"}},
		{"high: renewal in 112 days: grace week over", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(112) }), green, nil},
		{"high: renewal in 90 days: QBR and the lead's plan review", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(90) }), green,
			[]string{"high-touch/quarterly-business-review to owner at 2026-03-10 00:00", "high-touch/renewal-plan-review to lead at 2026-03-10 00:00"}},
		{"high: renewal in 45 days: executive sync", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(45) }), green,
			[]string{"high-touch/executive-sync to owner at 2026-03-10 00:00"}},
		{"low: touched 29 days ago: nothing due", account(store.TierLow, func(a *store.Account) { a.LastTouch = daysAgo(29) }), green, nil},
		{"low: touched 30 days ago: monthly check-in, batched", account(store.TierLow, func(a *store.Account) { a.LastTouch = daysAgo(30) }), green,
			[]string{"low-touch/monthly-check-in to owner at 2026-03-10 09:00 batch"}},
		{"low: renewal in 91 days: not yet", account(store.TierLow, func(a *store.Account) { a.Renewal = on(91) }), green, nil},
		{"low: renewal in 90 days", account(store.TierLow, func(a *store.Account) { a.Renewal = on(90) }), green,
			[]string{"low-touch/renewal-reminder to owner at 2026-03-10 00:00"}},
		{"low: renewal in 83 days: in the grace week", account(store.TierLow, func(a *store.Account) { a.Renewal = on(83) }), green,
			[]string{"low-touch/renewal-reminder to owner at 2026-03-03 00:00"}},
		{"low: renewal in 82 days: grace week over", account(store.TierLow, func(a *store.Account) { a.Renewal = on(82) }), green, nil},
		{"low: renewal in 60 days", account(store.TierLow, func(a *store.Account) { a.Renewal = on(60) }), green,
			[]string{"low-touch/renewal-reminder to owner at 2026-03-10 00:00"}},
		{"low: renewal in 30 days", account(store.TierLow, func(a *store.Account) { a.Renewal = on(30) }), green,
			[]string{"low-touch/renewal-reminder to owner at 2026-03-10 00:00"}},
		{"low: renewal in 24 days: grace week of -30", account(store.TierLow, func(a *store.Account) { a.Renewal = on(24) }), green,
			[]string{"low-touch/renewal-reminder to owner at 2026-03-04 00:00"}},
		{"low: renewal today: past every offset", account(store.TierLow, func(a *store.Account) { a.Renewal = on(0) }), green, nil},
		{"low: renewal in 120 days: not a high-touch account", account(store.TierLow, func(a *store.Account) { a.Renewal = on(120) }), green, nil},
		{"tech: no signal", account(store.TierTech, func(a *store.Account) { a.LastTouch = time.Time{} }), green, nil},
		{"tech: every signal, batched for ops", account(store.TierTech, func(a *store.Account) {
			a.ActiveUsers, a.NPS, a.NPSDate = 12, ptr(3), daysAgo(5)
			a.Phase, a.PhaseStart, a.Milestones = store.PhaseOnboarding, daysAgo(2), overdue
		}), green, []string{
			"tech-touch/usage-drop to ops at 2026-03-09 00:00 batch",
			"tech-touch/nps-detractor to ops at 2026-03-05 00:00 batch",
			"tech-touch/onboarding-step-missed to ops at 2026-03-10 00:00 batch",
		}},
		{"tech: usage at 40% is not a drop", account(store.TierTech, func(a *store.Account) { a.ActiveUsers = 16 }), green, nil},
		{"tech: no seats, no usage signal", account(store.TierTech, func(a *store.Account) { a.Seats, a.ActiveUsers = 0, 0 }), green, nil},
		{"tech: NPS 7 is not a detractor", account(store.TierTech, func(a *store.Account) { a.NPS, a.NPSDate = ptr(7), daysAgo(5) }), green, nil},
		{"tech: detractor answer older than 30 days", account(store.TierTech, func(a *store.Account) { a.NPS, a.NPSDate = ptr(2), daysAgo(31) }), green, nil},
		{"tech: detractor from the health rule alone", account(store.TierTech, nil),
			assessed(60, health.Yellow, store.Risk{Rule: health.RuleDetractor, Score: 5, Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}),
			[]string{"tech-touch/nps-detractor to ops at 2026-03-09 00:00 batch"}},
		{"tech: missed step outside onboarding: step condition", account(store.TierTech, func(a *store.Account) { a.Milestones = overdue }), green, nil},
		{"high: red band: risk response", account(store.TierHigh, nil), red, []string{
			"risk-response/lead-review to lead at 2026-03-09 00:00 batch",
			"risk-response/save-plan to owner at 2026-03-09 00:00",
		}},
		{"tech: red band: no risk-response (tier condition)", account(store.TierTech, nil), red, nil},
		{"high: onboarding started 2 days ago: kickoff follow-up and missed milestones", account(store.TierHigh, func(a *store.Account) {
			a.Phase, a.PhaseStart, a.Milestones = store.PhaseOnboarding, daysAgo(2), overdue
		}), green, []string{
			"onboarding/kickoff-follow-up to owner at 2026-03-10 00:00",
			"onboarding/milestone-overdue to owner at 2026-03-10 00:00",
		}},
		{"high: adoption started 2 days ago: no onboarding (phase condition)", account(store.TierHigh, func(a *store.Account) {
			a.PhaseStart = daysAgo(2)
		}), green, nil},
		{"low: onboarding stalled: the lead hears", account(store.TierLow, func(a *store.Account) {
			a.Phase, a.PhaseStart = store.PhaseOnboarding, daysAgo(40)
		}), assessed(65, health.Yellow, store.Risk{Rule: health.RuleStalled, Days: 40, Milestone: "Kickoff held"}), []string{
			"onboarding/onboarding-stalled to lead at 2026-03-09 00:00",
			"risk-response/lead-review to lead at 2026-03-09 00:00 batch",
		}},
		{"zero assessment: band none, no risk signals", account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(8) }), health.Assessment{},
			[]string{"high-touch/weekly-check-in to owner at 2026-03-09 09:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.DueSteps(tt.account, tt.as, now, nil)
			if diff := cmp.Diff(tt.want, dueKeys(got)); diff != "" {
				t.Errorf("DueSteps (-want +got):\n%s", diff)
			}
			for _, d := range got {
				if d.Account != "acme" || d.Name != "Acme Corp" || d.Owner != "aiko" || d.Text == "" {
					t.Errorf("due %+v: want account acme, name, owner aiko and a text", d)
				}
			}
		})
	}
}

// Conditions of the playbook and of the step must both hold; an empty one
// matches every account.
func TestConditions(t *testing.T) {
	pb, err := Parse("cond.yaml", []byte(`name: cond
when:
  tier: [high, low]
  band: [red, yellow]
steps:
  - name: any-phase
    every: 1d
    to: owner
    message: any
  - name: onboarding-only
    every: 1d
    to: owner
    message: onboarding
    when:
      phase: onboarding
  - name: tech-only
    every: 1d
    to: owner
    message: never, the playbook is high and low only
    when:
      tier: tech
`))
	if err != nil {
		t.Fatal(err)
	}
	s := &Set{Playbooks: []Playbook{pb}, Thresholds: DefaultThresholds()}
	tests := []struct {
		tier  store.Tier
		band  string
		phase store.Phase
		want  []string
	}{
		{store.TierHigh, health.Red, store.PhaseOnboarding, []string{"any-phase", "onboarding-only"}},
		{store.TierLow, health.Yellow, store.PhaseAdoption, []string{"any-phase"}},
		{store.TierHigh, health.Green, store.PhaseOnboarding, nil},
		{store.TierHigh, health.NoData, store.PhaseOnboarding, nil},
		{store.TierTech, health.Red, store.PhaseOnboarding, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.tier, tt.band, tt.phase), func(t *testing.T) {
			a := store.Account{Slug: "a", Tier: tt.tier, Phase: tt.phase, LastTouch: daysAgo(3)}
			var got []string
			for _, d := range s.DueSteps(a, assessed(50, tt.band), now, nil) {
				got = append(got, d.Step)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps due (-want +got):\n%s", diff)
			}
		})
	}
	if !(Condition{}).Matches(store.TierTech, health.Green, store.PhaseExpansion) {
		t.Error("the empty condition does not match")
	}
}

// The default messages read as a CS team would write them.
func TestDueText(t *testing.T) {
	s := defaults(t)
	tests := []struct {
		name    string
		account store.Account
		as      health.Assessment
		step    string
		want    string
	}{
		{"weekly check-in", account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(9) }), assessed(55, health.Yellow), "weekly-check-in",
			"Time for the weekly check-in with Acme Corp: the last touch was 9 days ago. Health is 55 (yellow). Log it afterwards with `/cs note acme ...`."},
		{"weekly check-in, never touched, no score", account(store.TierHigh, func(a *store.Account) { a.LastTouch = time.Time{} }), health.Assessment{}, "weekly-check-in",
			"Time for the weekly check-in with Acme Corp: no touch is logged yet. Log it afterwards with `/cs note acme ...`."},
		{"renewal plan with risks", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(120) }),
			assessed(58, health.Yellow, store.Risk{Rule: health.RuleDrop, Points: 18, Days: 30}), "renewal-plan",
			"Acme Corp renews on 2026-07-08, 120 days from now. Time to write the renewal plan: stakeholders, value delivered this year, risks (today: health fell 18 points in 30 days) and the proposal."},
		{"QBR", account(store.TierHigh, func(a *store.Account) { a.Renewal = on(90) }), green, "quarterly-business-review",
			"QBR time for Acme Corp. Bring the numbers (75% of seats active, health 82), the wins since last quarter and the goals for the next one, then send the invite."},
		{"renewal reminder at 90 days", account(store.TierLow, func(a *store.Account) { a.Renewal = on(90) }), green, "renewal-reminder",
			"Acme Corp renews on 2026-06-08, 90 days from now. Start the renewal conversation: confirm who decides and recap the value they got this year."},
		{"renewal reminder at 60 days, two days late", account(store.TierLow, func(a *store.Account) { a.Renewal = on(58) }), green, "renewal-reminder",
			"Acme Corp renews on 2026-05-07, 58 days from now. Send the renewal proposal if it is not out yet."},
		{"renewal reminder at 30 days", account(store.TierLow, func(a *store.Account) { a.Renewal = on(30) }), green, "renewal-reminder",
			"Acme Corp renews on 2026-04-09, 30 days from now. Last month: confirm the paperwork and who signs."},
		{"kickoff follow-up", account(store.TierLow, func(a *store.Account) {
			a.Phase, a.PhaseStart = store.PhaseOnboarding, daysAgo(2)
			a.Milestones = []store.Milestone{{Name: "Kickoff held", Done: ptr(daysAgo(2))}, {Name: "Admin configured", Due: on(5)}}
		}), green, "kickoff-follow-up",
			"Kickoff follow-up for Acme Corp: send the recap, the onboarding plan with milestone dates and who is who on both sides. Next milestone: Admin configured."},
		{"save plan", account(store.TierHigh, nil), red, "save-plan",
			"Acme Corp is in the red band (health 31). Please draft a save plan within 2 days: what went wrong, who you will talk to and what you will offer. Your lead is in the loop."},
		{"usage drop line", account(store.TierTech, func(a *store.Account) { a.ActiveUsers = 6 }), green, "usage-drop",
			"Acme Corp: 6 of 40 seats active (15%). Send the re-engagement email and the next getting-started webinar invite."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range s.DueSteps(tt.account, tt.as, now, nil) {
				if d.Step == tt.step {
					got = append(got, d.Text)
				}
			}
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("text of %s (-want +got):\n%s", tt.step, diff)
			}
		})
	}
}

// Tech-touch signals reach CS ops as one message per signal listing every
// account; steps that are not batched stay one message each.
func TestCollate(t *testing.T) {
	s := defaults(t)
	tech := func(slug, name string, active int, change func(a *store.Account)) store.Account {
		return account(store.TierTech, func(a *store.Account) {
			a.Slug, a.Name, a.Owner, a.ActiveUsers = slug, name, "", active
			if change != nil {
				change(a)
			}
		})
	}
	accounts := []store.Account{
		tech("umbrella", "Umbrella", 4, nil),
		tech("globex", "Globex", 10, func(a *store.Account) { a.NPS, a.NPSDate = ptr(2), daysAgo(3) }),
		tech("initech", "Initech", 35, nil), // healthy usage: not listed
		tech("hooli", "Hooli", 2, nil),
		account(store.TierHigh, func(a *store.Account) { a.LastTouch = daysAgo(10) }),
		account(store.TierLow, func(a *store.Account) { a.Slug, a.Name, a.Owner, a.LastTouch = "stark", "Stark", "ken", daysAgo(40) }),
		account(store.TierLow, func(a *store.Account) { a.Slug, a.Name, a.Owner, a.LastTouch = "wayne", "Wayne", "ken", time.Time{} }),
	}
	var dues []Due
	for _, a := range accounts {
		dues = append(dues, s.DueSteps(a, green, now, nil)...)
	}
	var got []string
	for _, m := range s.Collate(dues, nil) {
		got = append(got, fmt.Sprintf("to %s (%d):\n%s", m.Recipient, len(m.Dues), m.Text))
	}
	want := []string{
		"to ops (1):\n1 tech-touch account answered NPS as a detractor:\n" +
			"• Globex: NPS 2 on 2026-03-07. Reply within 2 days, thank them and offer a call.",
		"to ops (3):\nUsage is low on 3 tech-touch accounts:\n" +
			"• Globex: 10 of 40 seats active (25%). Send the re-engagement email and the next getting-started webinar invite.\n" +
			"• Hooli: 2 of 40 seats active (5%). Send the re-engagement email and the next getting-started webinar invite.\n" +
			"• Umbrella: 4 of 40 seats active (10%). Send the re-engagement email and the next getting-started webinar invite.",
		"to owner:aiko (1):\nTime for the weekly check-in with Acme Corp: the last touch was 10 days ago. Health is 82 (green). Log it afterwards with `/cs note acme ...`.",
		"to owner:ken (2):\n2 accounts of yours are due a monthly check-in:\n" +
			"• Stark: last touch 40 days ago, health 82 (green)\n" +
			"• Wayne: no touch logged yet, health 82 (green)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}

	// A resolver decides who gets what: here every lead-bound and
	// owner-bound message goes to one person.
	msgs := s.Collate(dues, func(d Due) string {
		if d.To == ToOps {
			return "#cs-ops"
		}
		return "@lead"
	})
	var recipients []string
	for _, m := range msgs {
		recipients = append(recipients, fmt.Sprintf("%s %s/%s", m.Recipient, m.Playbook, m.Step))
	}
	wantRecipients := []string{
		"#cs-ops tech-touch/nps-detractor", "#cs-ops tech-touch/usage-drop",
		"@lead high-touch/weekly-check-in", "@lead low-touch/monthly-check-in",
	}
	if diff := cmp.Diff(wantRecipients, recipients); diff != "" {
		t.Errorf("recipients (-want +got):\n%s", diff)
	}
}

// A batch lists its first BatchLines accounts by name, counts them all in
// its header and says how many more are due, in the recipient's language;
// the accounts arrive in any order.
func TestCollateCutsLongBatches(t *testing.T) {
	s := defaults(t)
	const n = BatchLines + 7
	for _, lang := range []string{"en", "ja"} {
		var dues []Due
		for i := range n {
			i = (i * 17) % n // not in name order
			a := account(store.TierTech, func(a *store.Account) {
				a.Slug, a.Name, a.Owner, a.ActiveUsers = fmt.Sprintf("t%02d", i), fmt.Sprintf("Tech %02d", i), "", 2
			})
			dues = append(dues, s.DueSteps(a, green, now, func(string) *i18n.Localizer { return i18n.For(lang) })...)
		}
		msgs := s.Collate(dues, nil)
		if len(msgs) != 1 {
			t.Fatalf("%s: %d messages, want one batch", lang, len(msgs))
		}
		m := msgs[0]
		var listed []string
		for _, d := range m.Dues {
			listed = append(listed, d.Account)
		}
		var want []string
		for i := range BatchLines {
			want = append(want, fmt.Sprintf("t%02d", i))
		}
		if m.Count != n || !slices.Equal(listed, want) {
			t.Errorf("%s: count %d, listed %v; want %d and the first %d by name", lang, m.Count, listed, n, BatchLines)
		}
		lines := strings.Split(m.Text, "\n")
		head, last := lines[0], lines[len(lines)-1]
		wantHead, wantLast := fmt.Sprintf("Usage is low on %d tech-touch accounts:", n), "…and 7 more accounts (`/cs accounts` lists them by tier and risk)"
		if lang == "ja" {
			wantLast = "…ほか7件（`/cs accounts` でタッチモデル・リスク別に一覧できます）"
		}
		if (lang == "en" && head != wantHead) || (lang == "ja" && !strings.Contains(head, fmt.Sprint(n))) || last != wantLast || len(lines) != BatchLines+2 {
			t.Errorf("%s: %d lines, first %q, last %q; want %d lines, the count of %d, then %q", lang, len(lines), head, last, BatchLines+2, n, wantLast)
		}
	}
}

// A step built by hand (not through Parse) still renders, and a template
// that fails at run time still yields a reminder.
func TestRenderHandBuilt(t *testing.T) {
	s := &Set{Thresholds: DefaultThresholds(), Playbooks: []Playbook{{Name: "p", Steps: []Step{
		{Name: "ok", Every: day, To: ToOwner, Message: "Hello {{.Account}}"},
		{Name: "broken", Every: day, To: ToOwner, Message: "{{index .Risks 3}}"},
	}}}}
	var got []string
	for _, d := range s.DueSteps(store.Account{Slug: "a", Name: "A"}, health.Assessment{}, now, nil) {
		got = append(got, d.Text)
	}
	want := []string{
		"Hello A",
		"broken is due for A (message template: template: broken:1:2: executing \"broken\" at <index .Risks 3>: error calling index: index out of range: 3)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("texts (-want +got):\n%s", diff)
	}
}

// syntheticBook builds n accounts spread over tiers, phases, renewals,
// touches and signals, with their assessments.
func syntheticBook(n int) ([]store.Account, []health.Assessment) {
	cfg := health.DefaultConfig()
	tiers := []store.Tier{store.TierHigh, store.TierLow, store.TierLow, store.TierTech, store.TierTech, store.TierTech}
	phases := []store.Phase{store.PhaseOnboarding, store.PhaseAdoption, store.PhaseAdoption, store.PhaseExpansion}
	accounts := make([]store.Account, n)
	assessments := make([]health.Assessment, n)
	for i := range n {
		a := store.Account{
			Slug: fmt.Sprintf("account-%05d", i), Name: fmt.Sprintf("Account %d", i),
			Tier: tiers[i%len(tiers)], Phase: phases[i%len(phases)], PhaseStart: daysAgo(i % 120),
			Owner: fmt.Sprintf("csm-%d", i%40), Seats: 10 + i%90, ActiveUsers: i % 70,
			Renewal: on(i % 400), LastTouch: daysAgo(i % 60),
			OpenTickets: ptr(i % 5),
		}
		if i%7 == 0 {
			a.NPS, a.NPSDate = ptr(i%11), daysAgo(i%45)
		}
		if a.Phase == store.PhaseOnboarding {
			a.Milestones = []store.Milestone{
				{Name: "Kickoff held", Due: a.PhaseStart.AddDate(0, 0, 7), Done: ptr(a.PhaseStart.AddDate(0, 0, 6))},
				{Name: "Admin configured", Due: a.PhaseStart.AddDate(0, 0, 21)},
				{Name: "First value reached", Due: a.PhaseStart.AddDate(0, 0, 45)},
			}
		}
		r := cfg.Score(a, now)
		accounts[i] = a
		assessments[i] = health.Assessment{Result: r, Risks: cfg.Risks(a, r, now)}
	}
	return accounts, assessments
}

// BenchmarkDueSteps sweeps 10,000 accounts through the default playbooks:
// one op is the whole sweep (the nightly job's work), target under 1 s.
func BenchmarkDueSteps(b *testing.B) {
	s := defaults(b)
	accounts, assessments := syntheticBook(10_000)
	dues := 0
	for b.Loop() {
		dues = 0
		for i, a := range accounts {
			dues += len(s.DueSteps(a, assessments[i], now, nil))
		}
	}
	b.ReportMetric(float64(dues), "dues/sweep")
}
