package health

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
)

func TestVersion(t *testing.T) {
	// Pinned: a change in how the version is worked out would restart
	// every account's history on upgrade.
	if got := DefaultConfig().Version(); got != "16819ff6" {
		t.Errorf("DefaultConfig().Version() = %q, want 16819ff6", got)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(version) {
		t.Errorf("version %q is not 8 hex digits", version)
	}
	tests := []struct {
		name   string
		change func(*Config)
		same   bool
	}{
		{"weights scaled by 100", func(c *Config) {
			for k, w := range c.Weights {
				c.Weights[k] = 100 * w
			}
		}, true},
		{"tech allowance set to the default 90", func(c *Config) { c.TouchDays[store.TierTech] = 90 }, true},
		{"bands", func(c *Config) { c.Green, c.Yellow = 80, 50 }, true},
		{"risk thresholds", func(c *Config) { c.DropPoints, c.RenewalHealth, c.StallDays = 10, 50, 7 }, true},
		{"stale days", func(c *Config) { c.Stale = StaleDays{Usage: 1, Survey: 2, Tickets: 3} }, true},
		{"a weight", func(c *Config) { c.Weights[Usage] = 0.4 }, false},
		{"a weight set to zero", func(c *Config) { c.Weights[Onboarding] = 0 }, false},
		{"a touch allowance", func(c *Config) { c.TouchDays[store.TierHigh] = 21 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.change(&cfg)
			if got := cfg.Version(); (got == version) != tc.same {
				t.Errorf("Version() = %q against the default %q; want same = %v", got, version, tc.same)
			}
		})
	}
	zero, absent := DefaultConfig(), DefaultConfig()
	zero.Weights[Onboarding] = 0
	delete(absent.Weights, Onboarding)
	if zero.Version() != absent.Version() {
		t.Errorf("a zero weight (%s) and no weight (%s) are different versions", zero.Version(), absent.Version())
	}
}

func TestInputs(t *testing.T) {
	cfg := DefaultConfig()
	full := store.Account{
		Slug: "acme", Tier: store.TierHigh, Seats: 10, ActiveUsers: 5, UsageDate: daysAgo(8),
		NPS: ptr(9), NPSDate: daysAgo(180), CSAT: ptr(4.0), CSATDate: daysAgo(181),
		OpenTickets: ptr(2), TicketsDate: daysAgo(7), LastTouch: daysAgo(300),
		Milestones: []store.Milestone{
			{Name: "Kickoff", Due: daysAgo(40), Done: ptr(daysAgo(39))},
			{Name: "Admin", Due: daysAgo(20), Done: ptr(daysAgo(21))},
			{Name: "Data", Due: daysAgo(5)},
		},
	}
	tests := []struct {
		name   string
		change func(*store.Account, *Config)
		want   []Input
	}{
		{"every input, by the default limits", nil, []Input{
			{Component: Usage, Name: InputUsage, Date: daysAgo(8), Age: 8, Limit: 7, Stale: true},
			{Component: Engagement, Name: InputTouch, Date: daysAgo(300), Age: 300},
			{Component: Satisfaction, Name: InputNPS, Date: daysAgo(180), Age: 180, Limit: 180},
			{Component: Satisfaction, Name: InputCSAT, Date: daysAgo(181), Age: 181, Limit: 180, Stale: true},
			{Component: Support, Name: InputTickets, Date: daysAgo(7), Age: 7, Limit: 7},
			{Component: Onboarding, Name: InputMilestone, Date: daysAgo(21), Age: 21},
		}},
		{"limits from the configuration", func(_ *store.Account, c *Config) { c.Stale = StaleDays{Usage: 8, Survey: 365, Tickets: 6} }, []Input{
			{Component: Usage, Name: InputUsage, Date: daysAgo(8), Age: 8, Limit: 8},
			{Component: Engagement, Name: InputTouch, Date: daysAgo(300), Age: 300},
			{Component: Satisfaction, Name: InputNPS, Date: daysAgo(180), Age: 180, Limit: 365},
			{Component: Satisfaction, Name: InputCSAT, Date: daysAgo(181), Age: 181, Limit: 365},
			{Component: Support, Name: InputTickets, Date: daysAgo(7), Age: 7, Limit: 6, Stale: true},
			{Component: Onboarding, Name: InputMilestone, Date: daysAgo(21), Age: 21},
		}},
		{"no dates: age unknown, nothing flagged", func(a *store.Account, _ *Config) {
			*a = store.Account{Slug: "acme", Tier: store.TierLow, Seats: 10, ActiveUsers: 5, NPS: ptr(3), OpenTickets: ptr(0),
				Milestones: []store.Milestone{{Name: "Kickoff", Due: daysAgo(1)}}}
		}, []Input{
			{Component: Usage, Name: InputUsage, Limit: 7},
			{Component: Satisfaction, Name: InputNPS, Limit: 180},
			{Component: Support, Name: InputTickets, Limit: 7},
			{Component: Onboarding, Name: InputMilestone},
		}},
		{"components without weight have no inputs", func(_ *store.Account, c *Config) {
			c.Weights = map[string]float64{Support: 1}
		}, []Input{{Component: Support, Name: InputTickets, Date: daysAgo(7), Age: 7, Limit: 7}}},
		{"no data, no inputs", func(a *store.Account, _ *Config) { *a = store.Account{Slug: "empty"} }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, c := full, cfg
			c.Weights = map[string]float64{}
			for k, v := range cfg.Weights {
				c.Weights[k] = v
			}
			if tc.change != nil {
				tc.change(&a, &c)
			}
			r := c.Score(a, now)
			if diff := cmp.Diff(tc.want, c.Inputs(a, r, now)); diff != "" {
				t.Errorf("Inputs (-want +got):\n%s", diff)
			}
			var stale []Input
			for _, in := range tc.want {
				if in.Stale {
					stale = append(stale, in)
				}
			}
			if diff := cmp.Diff(stale, c.StaleInputs(a, r, now)); diff != "" {
				t.Errorf("StaleInputs (-want +got):\n%s", diff)
			}
		})
	}
}

// A change of weights starts the history over: the trend and the drop
// rule never compare scores made by different weights.
func TestWeightsChangeRestartsHistory(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{daysAgo(30)}
	old := NewEngine(s, DefaultConfig(), c.now)
	// 30 days of 90 under the default weights.
	a := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierLow, Phase: store.PhaseAdoption, Seats: 10, ActiveUsers: 9}
	for back := 30; back >= 1; back-- {
		c.t = daysAgo(back)
		if err := old.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		a = account(t, ctx, s, "acme")
	}
	c.t = now
	a = account(t, ctx, s, "acme")
	a.ActiveUsers, a.OpenTickets = 5, ptr(8) // usage 50, support 20

	// Under the old weights: (.35*50 + .15*20) / .5 = 41, down 49 from 90.
	before := old.Assess(a)
	if before.Score != 41 || before.Trend.Delta7 == nil || *before.Trend.Delta7 != -49 || len(before.Risks) == 0 || before.Risks[0].Rule != RuleDrop {
		t.Fatalf("old weights: score %d, trend %+v, risks %+v; want 41, -49 and a drop", before.Score, before.Trend, before.Risks)
	}

	cfg := DefaultConfig()
	cfg.Weights[Support] = 0.35 // (.35*50 + .35*20) / .7 = 35
	e := NewEngine(s, cfg, c.now)
	as := e.Assess(a)
	wantHist := store.History{Weights: cfg.Version(), Restarted: "2026-11-02"}
	if as.Score != 35 || as.Weights != cfg.Version() || as.Trend.Delta7 != nil || as.Trend.Delta30 != nil {
		t.Errorf("new weights: score %d (%s), trend %+v; want 35 by %s and no deltas", as.Score, as.Weights, as.Trend, cfg.Version())
	}
	if diff := cmp.Diff(wantHist, as.History); diff != "" {
		t.Errorf("history to extend (-want +got):\n%s", diff)
	}
	for _, r := range as.Risks {
		if r.Rule == RuleDrop {
			t.Errorf("the drop rule compared across weights: %+v", r)
		}
	}
	if err := e.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantHist.End, wantHist.Scores = "2026-11-02", "35"
	if diff := cmp.Diff(wantHist, account(t, ctx, s, "acme").History); diff != "" {
		t.Errorf("saved history (-want +got):\n%s", diff)
	}
	checkSnapshot(t, ctx, s, "acme", now, store.Snapshot{ID: "acme/2026-11-02", Account: "acme", Date: "2026-11-02",
		Score: 35, Band: Red, Components: map[string]int{Usage: 50, Support: 20}, Weights: cfg.Version()})

	// The next day the restarted history is the new weights' own.
	c.t = now.AddDate(0, 0, 1)
	next := e.Assess(account(t, ctx, s, "acme"))
	if next.History.Restarted != "2026-11-02" || next.History.Scores != "35" {
		t.Errorf("next day: history %+v, want the restarted one", next.History)
	}
	// Why compares with nothing: the snapshots of last week are the old weights'.
	x, err := e.Why(ctx, account(t, ctx, s, "acme"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Past != nil || x.Changes != nil || x.Driver != "" {
		t.Errorf("Why compared across weights: past %+v, changes %+v, driver %q", x.Past, x.Changes, x.Driver)
	}
}

func TestWhy(t *testing.T) {
	// Last week: usage 40, support 80 (2 tickets), NPS 6.
	then := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption,
		Seats: 100, ActiveUsers: 40, OpenTickets: ptr(2), NPS: ptr(6), NPSDate: daysAgo(20), UsageDate: daysAgo(8)}
	// Now: usage 90, support 70 (3 tickets), NPS 6; usage data 1 day old.
	cur := then
	cur.ActiveUsers, cur.OpenTickets, cur.UsageDate, cur.TicketsDate = 90, ptr(3), daysAgo(1), daysAgo(9)
	tests := []struct {
		name string
		// snaps are the days back the account was saved on, with then's data.
		snaps []int
		// edit changes the stored snapshots.
		edit     func(*store.Snapshot)
		wantPast string // the compared snapshot's date; "" for none
	}{
		{"exactly a week back", []int{6, 7, 8}, nil, "2026-10-26"},
		{"falls back to an older day", []int{9, 10}, nil, "2026-10-24"},
		{"falls back at most 3 days", []int{11, 12}, nil, ""},
		{"newer days are no fallback", []int{1, 6}, nil, ""},
		{"snapshots from before versions count", []int{7}, func(sn *store.Snapshot) { sn.Weights = "" }, "2026-10-26"},
		{"snapshots of other weights do not", []int{7}, func(sn *store.Snapshot) { sn.Weights = "0badc0de" }, ""},
		{"a snapshot without components compares by score", []int{7}, func(sn *store.Snapshot) { sn.Components = nil }, "2026-10-26"},
		{"no snapshot at all", nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ctx := openStore(t)
			c := &clock{}
			e := NewEngine(s, DefaultConfig(), c.now)
			for _, back := range tc.snaps {
				c.t = daysAgo(back)
				if err := e.Put(ctx, then); err != nil {
					t.Fatal(err)
				}
				if tc.edit != nil {
					sn, err := s.Snapshot(ctx, "acme", c.t)
					if err != nil {
						t.Fatal(err)
					}
					tc.edit(&sn)
					if err := s.SaveSnapshots(ctx, []store.Snapshot{sn}); err != nil {
						t.Fatal(err)
					}
				}
			}
			c.t = now
			x, err := e.Why(ctx, cur)
			if err != nil {
				t.Fatal(err)
			}
			// usage .35, satisfaction .2, support .15 of .7:
			// now  90*.5 + 60*(2/7) + 70*(1.5/7) = 45 + 17.14 + 15 = 77.14 -> 77
			// then 40*.5 + 60*(2/7) + 80*(1.5/7) = 20 + 17.14 + 17.14 = 54.29 -> 54
			if x.Score != 77 {
				t.Fatalf("score %d, want 77", x.Score)
			}
			wantInputs := []Input{
				{Component: Usage, Name: InputUsage, Date: daysAgo(1), Age: 1, Limit: 7},
				{Component: Satisfaction, Name: InputNPS, Date: daysAgo(20), Age: 20, Limit: 180},
				{Component: Support, Name: InputTickets, Date: daysAgo(9), Age: 9, Limit: 7, Stale: true},
			}
			if diff := cmp.Diff(wantInputs, x.Inputs); diff != "" {
				t.Errorf("inputs (-want +got):\n%s", diff)
			}
			if tc.wantPast == "" {
				if x.Past != nil || x.Changes != nil || x.Driver != "" {
					t.Errorf("compared with %+v (changes %+v, driver %q), want nothing", x.Past, x.Changes, x.Driver)
				}
				return
			}
			if x.Past == nil || x.Past.Date != tc.wantPast || x.Past.Score != 54 {
				t.Fatalf("past = %+v, want the snapshot of %s, score 54", x.Past, tc.wantPast)
			}
			if len(x.Past.Components) == 0 {
				if x.Changes != nil || x.Driver != "" {
					t.Errorf("changes %+v, driver %q from a snapshot without components", x.Changes, x.Driver)
				}
				return
			}
			want := []Change{
				{Component: Usage, ThenScore: 40, NowScore: 90, Then: 20, Now: 45},
				{Component: Satisfaction, ThenScore: 60, NowScore: 60, Then: 120.0 / 7, Now: 120.0 / 7},
				{Component: Support, ThenScore: 80, NowScore: 70, Then: 120.0 / 7, Now: 105.0 / 7},
			}
			if diff := cmp.Diff(want, x.Changes, approx); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if x.Driver != Usage {
				t.Errorf("driver = %q, want usage (+25 points)", x.Driver)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	cfg := DefaultConfig()
	sn := func(comps map[string]int) store.Snapshot { return store.Snapshot{Components: comps} }
	res := func(comps ...Component) Result { return Result{Components: comps} }
	tests := []struct {
		name       string
		now        Result
		past       store.Snapshot
		want       []Change
		wantDriver string
	}{
		{"nothing moved", res(Component{Name: Usage, Score: 50, Weight: 1}), sn(map[string]int{Usage: 50}),
			[]Change{{Component: Usage, ThenScore: 50, NowScore: 50, Then: 50, Now: 50}}, ""},
		// support appears: its 100 points at 30% (+30) outweigh usage's
		// share falling from 100% to 70% (-15)
		{"a component gains data", res(Component{Name: Usage, Score: 50, Weight: 0.7}, Component{Name: Support, Score: 100, Weight: 0.3}),
			sn(map[string]int{Usage: 50}),
			[]Change{
				{Component: Usage, ThenScore: 50, NowScore: 50, Then: 50, Now: 35},
				{Component: Support, ThenScore: -1, NowScore: 100, Now: 30},
			}, Support},
		{"a component loses data", res(Component{Name: Usage, Score: 60, Weight: 1}),
			sn(map[string]int{Usage: 60, Support: 0}),
			[]Change{
				{Component: Usage, ThenScore: 60, NowScore: 60, Then: 42, Now: 60},
				{Component: Support, ThenScore: 0, NowScore: -1},
			}, Usage},
		// engagement and satisfaction weigh .2 each: +10 and -10 points
		{"ties go to the first component", res(Component{Name: Engagement, Score: 60, Weight: 0.5}, Component{Name: Satisfaction, Score: 40, Weight: 0.5}),
			sn(map[string]int{Engagement: 40, Satisfaction: 60}),
			[]Change{
				{Component: Engagement, ThenScore: 40, NowScore: 60, Then: 20, Now: 30},
				{Component: Satisfaction, ThenScore: 60, NowScore: 40, Then: 30, Now: 20},
			}, Engagement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, driver := cfg.changes(tc.now, tc.past)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if driver != tc.wantDriver {
				t.Errorf("driver = %q, want %q", driver, tc.wantDriver)
			}
		})
	}
}

// snapshotErrRepo fails snapshot reads; Why makes no other call.
type snapshotErrRepo struct {
	Repo
	err error
}

func (r snapshotErrRepo) Snapshot(context.Context, string, time.Time) (store.Snapshot, error) {
	return store.Snapshot{}, r.err
}

func TestWhyReadError(t *testing.T) {
	boom := errors.New("boom")
	e := NewEngine(snapshotErrRepo{err: boom}, DefaultConfig(), func() time.Time { return now })
	_, err := e.Why(context.Background(), store.Account{Slug: "acme", Tier: store.TierLow, Seats: 2, ActiveUsers: 1})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "read the health snapshot of acme from 7 days ago") {
		t.Errorf("Why = %v, want the read error wrapped", err)
	}
	// Without a score there is nothing to compare, so nothing is read.
	if _, err := e.Why(context.Background(), store.Account{Slug: "empty"}); err != nil {
		t.Errorf("Why without data = %v, want nil", err)
	}
}
