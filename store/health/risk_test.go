package health

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
)

// history builds a History from scores keyed by days before now.
func history(scores map[int]int) store.History {
	h := store.History{}
	for back, v := range scores {
		h = h.Record(daysAgo(back), v)
	}
	return h
}

func green75() Result { return Result{Score: 75, Band: Green} }

func TestRisks(t *testing.T) {
	// base is an account no rule fires for: high touch, in adoption, no
	// renewal date, no NPS answer, never touched.
	base := func(change func(*store.Account)) store.Account {
		a := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption}
		if change != nil {
			change(&a)
		}
		return a
	}
	onboarding := func(start time.Time, ms ...store.Milestone) func(*store.Account) {
		return func(a *store.Account) {
			a.Phase, a.PhaseStart, a.Milestones = store.PhaseOnboarding, start, ms
		}
	}
	risk := func(k store.Risk) []store.Risk { return []store.Risk{k} }

	tests := []struct {
		name string
		cfg  func(*Config)
		acct store.Account
		res  Result
		past map[int]int // days ago -> score
		want []store.Risk
	}{
		{"nothing fires", nil, base(nil), green75(), nil, nil},

		// Red band.
		{"red band", nil, base(nil), Result{Score: 39, Band: Red}, nil,
			risk(store.Risk{Rule: RuleRedBand, Score: 39, Limit: 40})},
		{"red band with custom yellow", func(c *Config) { c.Yellow = 50 }, base(nil), Result{Score: 45, Band: Red}, nil,
			risk(store.Risk{Rule: RuleRedBand, Score: 45, Limit: 50})},
		{"yellow 40 is not red", nil, base(nil), Result{Score: 40, Band: Yellow}, nil, nil},
		{"no data is not red", nil, base(nil), Result{Score: -1, Band: NoData}, nil, nil},

		// Drop of >= 15 points over 30 days, from the history, even in green.
		// 75 - 90 = -15
		{"drop of 15 in 30 days", nil, base(nil), green75(), map[int]int{30: 90},
			risk(store.Risk{Rule: RuleDrop, Points: 15, Days: 30})},
		// 75 - 89 = -14
		{"drop of 14 does not fire", nil, base(nil), green75(), map[int]int{30: 89}, nil},
		// no score 30 days back: 33 days back is the oldest fallback; 75 - 95 = -20
		{"drop falls back to 33 days", nil, base(nil), green75(), map[int]int{33: 95},
			risk(store.Risk{Rule: RuleDrop, Points: 20, Days: 30})},
		{"drop beyond the fallback does not fire", nil, base(nil), green75(), map[int]int{34: 95}, nil},
		{"rise does not fire", nil, base(nil), green75(), map[int]int{30: 50}, nil},
		// 7-day fall of 20, but over 30 days only 75 - 80 = -5
		{"drop over 7 days only does not fire", nil, base(nil), green75(), map[int]int{7: 95, 30: 80}, nil},
		{"no history, no drop", nil, base(nil), green75(), nil, nil},
		// drop_days 7 uses the 7-day delta: 75 - 95 = -20
		{"drop over 7 days with drop_days 7", func(c *Config) { c.DropDays = 7 }, base(nil), green75(), map[int]int{7: 95, 30: 80},
			risk(store.Risk{Rule: RuleDrop, Points: 20, Days: 7})},
		{"drop of 14 with drop_points 10", func(c *Config) { c.DropPoints = 10 }, base(nil), green75(), map[int]int{30: 89},
			risk(store.Risk{Rule: RuleDrop, Points: 14, Days: 30})},
		// 30 - 50 = -20, and red
		{"drop and red band", nil, base(nil), Result{Score: 30, Band: Red}, map[int]int{30: 50}, []store.Risk{
			{Rule: RuleRedBand, Score: 30, Limit: 40},
			{Rule: RuleDrop, Points: 20, Days: 30},
		}},

		// Renewal within 90 days with health below 60. now + 90 days = 2027-01-31.
		{"renewal in 90 days with health 59", nil, base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 90) }),
			Result{Score: 59, Band: Yellow}, nil,
			risk(store.Risk{Rule: RuleRenewal, Days: 90, Date: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Score: 59, Limit: 60})},
		{"renewal in 91 days does not fire", nil, base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 91) }),
			Result{Score: 59, Band: Yellow}, nil, nil},
		{"renewal with health 60 does not fire", nil, base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 30) }),
			Result{Score: 60, Band: Yellow}, nil, nil},
		{"renewal now", nil, base(func(a *store.Account) { a.Renewal = now }),
			Result{Score: 59, Band: Yellow}, nil,
			risk(store.Risk{Rule: RuleRenewal, Days: 0, Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Score: 59, Limit: 60})},
		{"renewal already past does not fire", nil, base(func(a *store.Account) { a.Renewal = daysAgo(1) }),
			Result{Score: 59, Band: Yellow}, nil, nil},
		{"renewal without a score does not fire", nil, base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 10) }),
			Result{Score: -1, Band: NoData}, nil, nil},
		{"renewal with custom thresholds", func(c *Config) { c.RenewalDays, c.RenewalHealth = 120, 75 },
			base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 120) }), Result{Score: 74, Band: Green}, nil,
			risk(store.Risk{Rule: RuleRenewal, Days: 120, Date: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC), Score: 74, Limit: 75})},
		{"renewal and red band", nil, base(func(a *store.Account) { a.Renewal = now.AddDate(0, 0, 60) }),
			Result{Score: 20, Band: Red}, nil, []store.Risk{
				{Rule: RuleRedBand, Score: 20, Limit: 40},
				{Rule: RuleRenewal, Days: 60, Date: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Score: 20, Limit: 60},
			}},

		// Onboarding stalled: no milestone done for 14 days.
		{"stalled 14 days since last milestone", nil, base(onboarding(daysAgo(30),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(20), Done: ptr(daysAgo(14))},
			store.Milestone{Name: "Admin configured", Due: daysAgo(5)},
		)), green75(), nil,
			risk(store.Risk{Rule: RuleStalled, Days: 14, Milestone: "Admin configured"})},
		{"13 days since last milestone does not fire", nil, base(onboarding(daysAgo(30),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(20), Done: ptr(daysAgo(13))},
			store.Milestone{Name: "Admin configured", Due: daysAgo(5)},
		)), green75(), nil, nil},
		// calendar days: 23:00 on 2026-10-19 is 13 days 10 hours ago, 14 calendar days
		{"stall counts calendar days", nil, base(onboarding(daysAgo(30),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(20), Done: ptr(time.Date(2026, 10, 19, 23, 0, 0, 0, time.UTC))},
			store.Milestone{Name: "Admin configured", Due: daysAgo(5)},
		)), green75(), nil,
			risk(store.Risk{Rule: RuleStalled, Days: 14, Milestone: "Admin configured"})},
		{"stalled since phase start", nil, base(onboarding(daysAgo(20),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(10)},
		)), green75(), nil,
			risk(store.Risk{Rule: RuleStalled, Days: 20, Milestone: "Kickoff held"})},
		{"13 days since phase start does not fire", nil, base(onboarding(daysAgo(13),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(10)},
		)), green75(), nil, nil},
		// a milestone done before the phase started does not reset the clock: 15 days
		{"done before phase start counts from phase start", nil, base(onboarding(daysAgo(15),
			store.Milestone{Name: "Contract signed", Due: daysAgo(40), Done: ptr(daysAgo(40))},
			store.Milestone{Name: "Kickoff held", Due: daysAgo(10)},
		)), green75(), nil,
			risk(store.Risk{Rule: RuleStalled, Days: 15, Milestone: "Kickoff held"})},
		// latest done is C, 20 days ago; next is the first undone in list order, B
		{"stalled names the first open milestone", nil, base(onboarding(daysAgo(60),
			store.Milestone{Name: "A", Due: daysAgo(50), Done: ptr(daysAgo(40))},
			store.Milestone{Name: "B", Due: daysAgo(30)},
			store.Milestone{Name: "C", Due: daysAgo(25), Done: ptr(daysAgo(20))},
			store.Milestone{Name: "D", Due: daysAgo(10)},
		)), green75(), nil,
			risk(store.Risk{Rule: RuleStalled, Days: 20, Milestone: "B"})},
		{"all milestones done is not stalled", nil, base(onboarding(daysAgo(90),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(80), Done: ptr(daysAgo(80))},
		)), green75(), nil, nil},
		{"no phase start and nothing done is not stalled", nil, base(onboarding(time.Time{},
			store.Milestone{Name: "Kickoff held", Due: daysAgo(80)},
		)), green75(), nil, nil},
		{"stalled milestones outside onboarding do not fire", nil, base(func(a *store.Account) {
			onboarding(daysAgo(60), store.Milestone{Name: "Kickoff held", Due: daysAgo(50)})(a)
			a.Phase = store.PhaseAdoption
		}), green75(), nil, nil},
		{"stall_days 30", func(c *Config) { c.StallDays = 30 }, base(onboarding(daysAgo(20),
			store.Milestone{Name: "Kickoff held", Due: daysAgo(10)},
		)), green75(), nil, nil},

		// NPS detractor (0-6) answered within 30 days. now - 30 days = 2026-10-03.
		{"detractor 6 answered 30 days ago", nil, base(func(a *store.Account) { a.NPS, a.NPSDate = ptr(6), daysAgo(30) }),
			green75(), nil, risk(store.Risk{Rule: RuleDetractor, Score: 6, Date: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)})},
		{"detractor 0 answered yesterday", nil, base(func(a *store.Account) { a.NPS, a.NPSDate = ptr(0), daysAgo(1) }),
			green75(), nil, risk(store.Risk{Rule: RuleDetractor, Score: 0, Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})},
		{"passive 7 does not fire", nil, base(func(a *store.Account) { a.NPS, a.NPSDate = ptr(7), daysAgo(1) }),
			green75(), nil, nil},
		{"detractor 31 days ago does not fire", nil, base(func(a *store.Account) { a.NPS, a.NPSDate = ptr(6), daysAgo(31) }),
			green75(), nil, nil},
		{"detractor without a date does not fire", nil, base(func(a *store.Account) { a.NPS = ptr(3) }),
			green75(), nil, nil},
		{"detractor_max 8", func(c *Config) { c.DetractorMax = 8 }, base(func(a *store.Account) { a.NPS, a.NPSDate = ptr(8), daysAgo(2) }),
			green75(), nil, risk(store.Risk{Rule: RuleDetractor, Score: 8, Date: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})},

		// No touch for longer than the tier allows: high 14, low 45, tech never.
		{"high touch 15 days", nil, base(func(a *store.Account) { a.LastTouch = daysAgo(15) }),
			green75(), nil, risk(store.Risk{Rule: RuleNoTouch, Days: 15, Tier: store.TierHigh, Limit: 14})},
		{"high touch 14 days does not fire", nil, base(func(a *store.Account) { a.LastTouch = daysAgo(14) }),
			green75(), nil, nil},
		// calendar days: 23:59 on 2026-10-18 is 14 days 9 hours ago, 15 calendar days
		{"high touch counts calendar days", nil, base(func(a *store.Account) { a.LastTouch = time.Date(2026, 10, 18, 23, 59, 0, 0, time.UTC) }),
			green75(), nil, risk(store.Risk{Rule: RuleNoTouch, Days: 15, Tier: store.TierHigh, Limit: 14})},
		// 00:00 on 2026-10-19 is 14 days 9 hours ago, 14 calendar days
		{"high touch 14 calendar days does not fire", nil, base(func(a *store.Account) { a.LastTouch = time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC) }),
			green75(), nil, nil},
		{"low touch 46 days", nil, base(func(a *store.Account) { a.Tier, a.LastTouch = store.TierLow, daysAgo(46) }),
			green75(), nil, risk(store.Risk{Rule: RuleNoTouch, Days: 46, Tier: store.TierLow, Limit: 45})},
		{"low touch 45 days does not fire", nil, base(func(a *store.Account) { a.Tier, a.LastTouch = store.TierLow, daysAgo(45) }),
			green75(), nil, nil},
		{"tech touch never fires", nil, base(func(a *store.Account) { a.Tier, a.LastTouch = store.TierTech, daysAgo(400) }),
			green75(), nil, nil},
		{"tech touch fires once configured", func(c *Config) { c.TouchDays[store.TierTech] = 180 },
			base(func(a *store.Account) { a.Tier, a.LastTouch = store.TierTech, daysAgo(181) }),
			green75(), nil, risk(store.Risk{Rule: RuleNoTouch, Days: 181, Tier: store.TierTech, Limit: 180})},
		{"never touched does not fire", nil, base(nil), green75(), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			tc.acct.History = history(tc.past)
			got := cfg.Risks(tc.acct, tc.res, now)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Risks (-want +got):\n%s", diff)
			}
		})
	}
}

// Every rule fires at once, in the order of Rules, on an account scored from
// its own data.
func TestRisksAllRules(t *testing.T) {
	a := store.Account{
		Slug: "acme", Tier: store.TierHigh, Phase: store.PhaseOnboarding, PhaseStart: daysAgo(40),
		Renewal: now.AddDate(0, 0, 30), // 2026-12-02
		// usage 10 of 100 = 10
		Seats: 100, ActiveUsers: 10,
		// satisfaction NPS 2 = 20
		NPS: ptr(2), NPSDate: daysAgo(5),
		// engagement: high, 20 days: 1 - (20-7)/21 = 0.381 -> 38
		LastTouch: daysAgo(20),
		// onboarding: one milestone due 30 days ago, not done = 0
		Milestones: []store.Milestone{{Name: "Kickoff held", Due: daysAgo(30)}},
		History:    history(map[int]int{30: 60}),
	}
	cfg := DefaultConfig()
	r := cfg.Score(a, now)
	// (.35*10 + .2*38 + .2*20 + .1*0) / .85 = (3.5 + 7.6 + 4) / .85 = 15.1 / .85 = 17.76 -> 18
	if r.Score != 18 || r.Band != Red {
		t.Fatalf("Score = %d %s, want 18 red", r.Score, r.Band)
	}
	got := cfg.Risks(a, r, now)
	want := []store.Risk{
		{Rule: RuleRedBand, Score: 18, Limit: 40},
		// 18 - 60 = -42
		{Rule: RuleDrop, Points: 42, Days: 30},
		{Rule: RuleRenewal, Days: 30, Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Score: 18, Limit: 60},
		{Rule: RuleStalled, Days: 40, Milestone: "Kickoff held"},
		{Rule: RuleDetractor, Score: 2, Date: time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)},
		{Rule: RuleNoTouch, Days: 20, Tier: store.TierHigh, Limit: 14},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Risks (-want +got):\n%s", diff)
	}
	var rules []string
	for _, r := range got {
		rules = append(rules, r.Rule)
	}
	if diff := cmp.Diff(Rules, rules); diff != "" {
		t.Errorf("rules fired vs Rules (-want +got):\n%s", diff)
	}
}

// Renewal dates are calendar dates (the index row keeps only store.Day of
// them), so "renews in N days" counts calendar days whatever the time of day:
// at 09:00 a renewal dated today is 0 days away and one dated 91 days ahead
// is out of the window.
func TestRenewalCountsCalendarDays(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		renewal time.Time
		want    []store.Risk
	}{
		{"renewal dated today", date(2026, 11, 2),
			[]store.Risk{{Rule: RuleRenewal, Days: 0, Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Score: 59, Limit: 60}}},
		{"renewal dated 89 days ahead", date(2027, 1, 30),
			[]store.Risk{{Rule: RuleRenewal, Days: 89, Date: time.Date(2027, 1, 30, 0, 0, 0, 0, time.UTC), Score: 59, Limit: 60}}},
		{"renewal dated 90 days ahead", date(2027, 1, 31),
			[]store.Risk{{Rule: RuleRenewal, Days: 90, Date: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Score: 59, Limit: 60}}},
		{"renewal dated 91 days ahead", date(2027, 2, 1), nil},
	}
	cfg := DefaultConfig()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := store.Account{Slug: "acme", Tier: store.TierHigh, Phase: store.PhaseAdoption, Renewal: tc.renewal}
			got := cfg.Risks(a, Result{Score: 59, Band: Yellow}, now)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Risks (-want +got):\n%s", diff)
			}
		})
	}
}

// DropPoints over DropDays is the documented rule, but the trend only holds
// 7- and 30-day deltas and Config.drop picks one of them, so drop_days 14
// compares with 30 days back while the reason says 14.
func TestDropHonoursDropDays(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DropDays = 14
	// 14 days ago 90, 30 days ago 70, today 72: fell 18 in 14 days, rose 2 in 30.
	h := history(map[int]int{14: 90, 30: 70})
	got := cfg.Risks(store.Account{Slug: "acme", Tier: store.TierHigh, History: h}, Result{Score: 72, Band: Green}, now)
	want := []store.Risk{{Rule: RuleDrop, Points: 18, Days: 14}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Risks (-want +got):\n%s", diff)
	}
}
