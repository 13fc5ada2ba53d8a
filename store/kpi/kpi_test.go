package kpi_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/kpi"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return date(s).Add(12 * time.Hour)
	}
	return t
}

func ms(pairs ...string) []store.Milestone {
	var out []store.Milestone
	for i := 0; i < len(pairs); i += 2 {
		m := store.Milestone{Name: fmt.Sprintf("step %d", i/2+1), Due: date(pairs[i])}
		if pairs[i+1] != "" {
			d := date(pairs[i+1])
			m.Done = &d
		}
		out = append(out, m)
	}
	return out
}

// dataset is small enough to work out by hand; the expected figures in
// TestComputeHandWorked are derived in the comments there.
func dataset() ([]store.AccountRow, []store.RevenueEvent, []store.Response, []store.Usage) {
	accounts := []store.Account{
		{Slug: "alpha", Tier: store.TierHigh, ARR: 120000, Owner: "aiko", Phase: store.PhaseAdoption,
			Milestones: ms("2025-01-13", "2025-01-12", "2025-02-10", "2025-02-20")},
		{Slug: "bravo", Tier: store.TierLow, ARR: 50000, Owner: "aiko", Phase: store.PhaseOnboarding, PhaseStart: date("2026-09-15"),
			Milestones: ms("2026-09-20", "2026-09-19", "2026-10-10", "", "2026-10-20", "")},
		{Slug: "charlie", Tier: store.TierLow, ARR: 30000, Owner: "aiko", Phase: store.PhaseAdoption},
		{Slug: "delta", Tier: store.TierHigh, ARR: 40000, Owner: "aiko", Phase: store.PhaseOnboarding, PhaseStart: date("2026-10-30"),
			Milestones: ms("2026-11-03", "2026-11-02", "2026-11-10", "2026-11-09", "2026-11-20", "2026-11-21")},
		{Slug: "echo", Tier: store.TierLow, ARR: 20000, Owner: "ken", Phase: store.PhaseAdoption},
		{Slug: "foxtrot", Tier: store.TierTech, ARR: 10000, Owner: "ken", Region: "Osaka", Phase: store.PhaseOnboarding, PhaseStart: date("2026-11-10"),
			Milestones: ms("2026-11-15", "2026-11-14", "2026-12-10", "")},
		{Slug: "golf", Tier: store.TierHigh, ARR: 80000, Owner: "aiko", Phase: store.PhaseAdoption,
			Milestones: ms("2026-09-01", "2026-09-02", "2026-09-20", "2026-10-15")},
		{Slug: "hotel", Tier: store.TierTech, ARR: 10000, Owner: "ken", Region: "Osaka", Phase: store.PhaseOnboarding, PhaseStart: date("2026-10-01"),
			Milestones: ms("2026-10-05", "2026-10-04", "2026-10-25", "2026-11-02")},
	}
	team := map[string]string{"aiko": "tokyo", "ken": "osaka"}
	rows := make([]store.AccountRow, len(accounts))
	for i, a := range accounts {
		rows[i] = health.Row(a, health.Assessment{}, team[a.Owner])
	}
	rev := func(acc, typ string, arr int64, when string) store.RevenueEvent {
		return store.RevenueEvent{ID: acc + "/" + typ + "/" + when, Account: acc, Type: typ, ARR: arr, At: at(when)}
	}
	revenue := []store.RevenueEvent{
		rev("alpha", store.RevenueNew, 100000, "2025-01-10"),
		rev("alpha", store.RevenueExpansion, 20000, "2026-11-05"),
		rev("bravo", store.RevenueContraction, 10000, "2026-10-01"),
		rev("bravo", store.RevenueNew, 60000, "2025-03-01"), // out of order on purpose
		rev("charlie", store.RevenueNew, 30000, "2025-05-01"),
		rev("charlie", store.RevenueCancellation, 30000, "2026-11-10"),
		rev("delta", store.RevenueNew, 40000, "2026-11-01"),
		rev("echo", store.RevenueCancellation, 20000, "2026-10-05"),
		rev("golf", store.RevenueExpansion, 5000, "2026-10-10"),
		rev("golf", store.RevenueRenewal, 80000, "2026-11-15"),
		rev("unknown", store.RevenueCancellation, 999000, "2026-11-01"), // not in the index
	}
	resp := func(acc, kind string, score float64, when string) store.Response {
		return store.Response{ID: acc + "/" + when, Account: acc, Kind: kind, Score: score, At: at(when)}
	}
	responses := []store.Response{
		// Current period (2026-10-27 to 2026-11-25).
		resp("golf", store.SurveyNPS, 10, "2026-10-27T00:00:00Z"), // first instant of the period
		resp("alpha", store.SurveyNPS, 10, "2026-11-01"),
		resp("alpha", store.SurveyNPS, 9, "2026-11-20"),
		resp("bravo", store.SurveyNPS, 7, "2026-11-03"),
		resp("charlie", store.SurveyNPS, 3, "2026-11-08"),
		resp("delta", store.SurveyNPS, 6, "2026-11-20"),
		resp("foxtrot", store.SurveyNPS, 9, "2026-11-24"),
		resp("alpha", store.SurveyCSAT, 5, "2026-11-02"),
		resp("bravo", store.SurveyCSAT, 4, "2026-11-05"),
		resp("charlie", store.SurveyCSAT, 2, "2026-11-09"),
		// Previous period (2026-09-27 to 2026-10-26).
		resp("echo", store.SurveyNPS, 2, "2026-10-01"),
		resp("golf", store.SurveyNPS, 8, "2026-10-10"),
		resp("alpha", store.SurveyNPS, 9, "2026-10-20"),
		resp("bravo", store.SurveyNPS, 0, "2026-10-26T23:59:59Z"), // last instant of it
		resp("golf", store.SurveyCSAT, 4, "2026-10-12"),
		// Neither.
		resp("alpha", store.SurveyNPS, 0, "2026-08-01"),
		resp("unknown", store.SurveyNPS, 0, "2026-11-02"),
	}
	use := func(acc, day string, active, seats int) store.Usage {
		return store.Usage{Account: acc, Day: day, Active: active, Seats: seats}
	}
	usage := []store.Usage{
		use("alpha", "2026-11-25", 90, 100),
		use("alpha", "2026-11-20", 50, 100), // older than alpha's latest: ignored
		use("bravo", "2026-11-22", 30, 50),
		use("foxtrot", "2026-11-10", 10, 10), // before the 7 days
		use("golf", "2026-11-24", 120, 100),  // over the seats: counts 100
		use("alpha", "2026-10-26", 80, 100),
		use("bravo", "2026-10-18", 50, 50), // before the previous period's 7 days
	}
	return rows, revenue, responses, usage
}

func TestComputeHandWorked(t *testing.T) {
	rows, revenue, responses, usage := dataset()
	cur, prev, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	b := kpi.NewBook(kpi.Scope{}, rows, revenue, responses)
	b.AddUsage(usage)
	tests := []struct {
		name   string
		p      kpi.Period
		metric string
		want   float64
		ok     bool
	}{
		// Customers on 2026-10-27: alpha 100k (before its expansion), bravo
		// 50k, charlie 30k, foxtrot 10k, golf 80k, hotel 10k = 6, 280k.
		// delta is new in the period, echo had cancelled before.
		{"churn", cur, kpi.LogoChurn, 1.0 / 6, true},             // charlie
		{"arr churn", cur, kpi.ARRChurn, 30000.0 / 280000, true}, // charlie's 30k
		{"grr", cur, kpi.GRR, 250000.0 / 280000, true},           // no contraction
		{"nrr", cur, kpi.NRR, 270000.0 / 280000, true},           // + alpha's 20k
		{"expansion", cur, kpi.Expansion, 20000, true},           // alpha
		{"onboarding", cur, kpi.Onboarding, 2.0 / 3, true},       // delta, hotel done; bravo late
		{"onboarding days", cur, kpi.OnboardingDays, 27, true},   // delta 22, hotel 32
		{"nps", cur, kpi.NPS, 100 * 2.0 / 7, true},               // 4 promoters, 2 detractors of 7
		{"csat", cur, kpi.CSAT, 11.0 / 3, true},                  // 5, 4, 2
		{"utilisation", cur, kpi.Utilisation, 220.0 / 250, true}, // alpha 90/100, bravo 30/50, golf 100/100
		// Customers on 2026-09-27: alpha 100k, bravo 60k, charlie 30k, echo
		// 20k, foxtrot 10k, golf 75k, hotel 10k = 7, 305k.
		{"prev churn", prev, kpi.LogoChurn, 1.0 / 7, true},             // echo
		{"prev arr churn", prev, kpi.ARRChurn, 20000.0 / 305000, true}, // echo's 20k
		{"prev grr", prev, kpi.GRR, 275000.0 / 305000, true},           // - bravo's 10k contraction
		{"prev nrr", prev, kpi.NRR, 280000.0 / 305000, true},           // + golf's 5k
		{"prev expansion", prev, kpi.Expansion, 5000, true},
		{"prev onboarding", prev, kpi.Onboarding, 1.0 / 3, true},     // golf done; bravo, hotel late
		{"prev onboarding days", prev, kpi.OnboardingDays, 44, true}, // golf 09-01 to 10-15
		{"prev nps", prev, kpi.NPS, -25, true},                       // 1 promoter, 2 detractors of 4
		{"prev csat", prev, kpi.CSAT, 4, true},
		{"prev utilisation", prev, kpi.Utilisation, 0.8, true}, // alpha 80/100
	}
	figs := map[kpi.Period]kpi.Figures{cur: b.Compute(cur), prev: b.Compute(prev)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := figs[tc.p][tc.metric]
			if got.OK != tc.ok || math.Abs(got.V-tc.want) > 1e-9 {
				t.Errorf("%s over %s = %+v, want %v (ok %v)", tc.metric, tc.p, got, tc.want, tc.ok)
			}
		})
	}
}

func TestScopeNarrowsTheBook(t *testing.T) {
	rows, revenue, responses, usage := dataset()
	cur, _, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		scope    kpi.Scope
		accounts int
		want     map[string]float64
	}{
		// foxtrot and hotel: 20k at the start, nothing lost; hotel done in 32
		// days, foxtrot's last step not due yet; one NPS answer (9).
		{"tier tech", kpi.Scope{Tier: store.TierTech}, 2,
			map[string]float64{kpi.LogoChurn: 0, kpi.NRR: 1, kpi.Onboarding: 1, kpi.OnboardingDays: 32, kpi.NPS: 100}},
		// echo, foxtrot, hotel: echo cancelled before the period.
		{"team osaka", kpi.Scope{Team: "osaka"}, 3, map[string]float64{kpi.LogoChurn: 0, kpi.GRR: 1}},
		{"region", kpi.Scope{Region: "osaka"}, 2, map[string]float64{kpi.GRR: 1}},
		{"owner", kpi.Scope{Owner: "aiko"}, 5, map[string]float64{kpi.LogoChurn: 1.0 / 4, kpi.Expansion: 20000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := kpi.NewBook(tc.scope, rows, revenue, responses)
			b.AddUsage(usage)
			if b.Accounts() != tc.accounts {
				t.Errorf("%d accounts in scope, want %d", b.Accounts(), tc.accounts)
			}
			f := b.Compute(cur)
			for key, want := range tc.want {
				if got := f[key]; !got.OK || math.Abs(got.V-want) > 1e-9 {
					t.Errorf("%s = %+v, want %v", key, got, want)
				}
			}
		})
	}
}

// With nothing to go on every figure says so, and none is NaN.
func TestNotEnoughData(t *testing.T) {
	cur, _, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	rows := []store.AccountRow{{Slug: "new", ARR: 0}}
	revenue := []store.RevenueEvent{{Account: "new", Type: store.RevenueNew, ARR: 0, At: now}}
	free := kpi.NewBook(kpi.Scope{}, []store.AccountRow{{Slug: "free"}}, nil, nil)
	free.AddUsage([]store.Usage{{Account: "free", Day: "2026-11-25"}})
	for name, b := range map[string]*kpi.Book{
		"empty":           kpi.NewBook(kpi.Scope{}, nil, nil, nil),
		"new account":     kpi.NewBook(kpi.Scope{}, rows, revenue, nil),
		"zero ARR, seats": free,
	} {
		for key, v := range b.Compute(cur) {
			if math.IsNaN(v.V) || math.IsInf(v.V, 0) {
				t.Errorf("%s: %s = %v", name, key, v.V)
			}
			if v.OK && key != kpi.Expansion && !(name == "zero ARR, seats" && key == kpi.LogoChurn) {
				t.Errorf("%s: %s = %+v, want not enough data", name, key, v)
			}
		}
	}
}

func TestMetricByKey(t *testing.T) {
	for _, m := range kpi.Metrics {
		if got, ok := kpi.MetricByKey(m.Key); !ok || got != m {
			t.Errorf("MetricByKey(%q) = %+v, %v", m.Key, got, ok)
		}
	}
	if m, ok := kpi.MetricByKey("utilization"); !ok || m.Key != kpi.Utilisation {
		t.Errorf("utilization = %+v, %v", m, ok)
	}
	if _, ok := kpi.MetricByKey("ltv"); ok {
		t.Error("ltv found")
	}
}

func TestHasUsage(t *testing.T) {
	rows, _, _, _ := dataset()
	cur, prev, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	b := kpi.NewBook(kpi.Scope{}, rows[:2], nil, nil) // alpha, bravo
	steps := []struct {
		add       store.Usage
		cur, prev bool
	}{
		{store.Usage{Account: "alpha", Day: "2026-11-25", Seats: 1}, false, false},
		{store.Usage{Account: "golf", Day: "2026-11-25", Seats: 1}, false, false}, // not in the book
		{store.Usage{Account: "bravo", Day: "2026-11-19", Seats: 1}, true, false},
		{store.Usage{Account: "alpha", Day: "2026-10-20", Seats: 1}, true, false},
		{store.Usage{Account: "bravo", Day: "2026-10-19", Seats: 1}, true, false}, // a day too early
		{store.Usage{Account: "bravo", Day: "2026-10-26", Seats: 1}, true, true},
	}
	for _, s := range steps {
		b.AddUsage([]store.Usage{s.add})
		if got := b.HasUsage(cur); got != s.cur {
			t.Errorf("after %+v: HasUsage(current) = %v", s.add, got)
		}
		if got := b.HasUsage(prev); got != s.prev {
			t.Errorf("after %+v: HasUsage(previous) = %v", s.add, got)
		}
	}
	if !kpi.NewBook(kpi.Scope{}, nil, nil, nil).HasUsage(cur) {
		t.Error("an empty book needs usage")
	}
}

// Ten thousand accounts at the ARR cap sum past int64: the sums saturate,
// so the ratios stay between 0 and 1 instead of turning negative.
func TestComputeHugeAmounts(t *testing.T) {
	cur, _, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	rows := make([]store.AccountRow, n)
	var revenue []store.RevenueEvent
	for i := range rows {
		a := store.Account{Slug: fmt.Sprintf("a%05d", i), Tier: store.TierLow, ARR: store.MaxARR, Phase: store.PhaseAdoption}
		rows[i] = health.Row(a, health.Assessment{}, "")
		revenue = append(revenue, store.RevenueEvent{ID: a.Slug + "/x", Account: a.Slug, Type: store.RevenueExpansion, ARR: 1, At: at("2026-11-05")})
	}
	revenue = append(revenue, store.RevenueEvent{ID: "a00000/c", Account: "a00000", Type: store.RevenueCancellation, ARR: store.MaxARR, At: at("2026-11-06")})
	f := kpi.NewBook(kpi.Scope{}, rows, revenue, nil).Compute(cur)
	for _, m := range []string{kpi.ARRChurn, kpi.GRR, kpi.NRR} {
		if v := f[m]; !v.OK || v.V < 0 || v.V > 1 {
			t.Errorf("%s = %+v, want a ratio in 0..1", m, v)
		}
	}
	if v := f[kpi.ARRChurn]; v.V == 0 {
		t.Errorf("ARR churn = %+v, want the cancellation counted", v)
	}
}
