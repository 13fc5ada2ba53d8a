package health

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// clock is a settable engine clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openStore(t *testing.T) (*mongostore.Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, Team: "tokyo-enterprise"},
		{ID: "ben", Name: "Ben", Roles: []store.Role{store.RoleCSM}, Team: "osaka-smb"},
	} {
		if err := s.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return s, ctx
}

// saveRaw writes an account and a stale index row without the engine, as a
// write that bypassed it would leave them.
func saveRaw(t *testing.T, ctx context.Context, s *mongostore.Store, a store.Account) {
	t.Helper()
	if stored, err := s.Account(ctx, a.Slug); err == nil {
		a.Version = stored.Version
	}
	a.Version++
	if err := s.PutAccounts(ctx, []store.Account{a}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRows(ctx, []store.AccountRow{{Slug: a.Slug, Band: "stale", Version: a.Version}}); err != nil {
		t.Fatal(err)
	}
}

// rows returns the index rows by slug. Each row must carry the version of
// the account as stored (so that a row of an older write never replaces a
// newer one) and the reminder sweep's facts;
// having checked that, rows and account leave versions and those facts
// out of the comparisons of these tests (playbooks' TestRemindersFromRows
// checks the facts are what the sweep needs).
func rows(t *testing.T, ctx context.Context, s *mongostore.Store) []store.AccountRow {
	t.Helper()
	rs, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rs, func(a, b store.AccountRow) int { return strings.Compare(a.Slug, b.Slug) })
	for i, r := range rs {
		if a, err := s.Account(ctx, r.Slug); err == nil && r.Band != "stale" {
			if a.Version != r.Version {
				t.Errorf("row of %s has version %d, the account %d", r.Slug, r.Version, a.Version)
			}
			if r.Sweep == nil {
				t.Errorf("row of %s has no sweep facts", r.Slug)
			}
		}
		rs[i].Version, rs[i].Sweep = 0, nil
	}
	return rs
}

func account(t *testing.T, ctx context.Context, s *mongostore.Store, slug string) store.Account {
	t.Helper()
	a, err := s.Account(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	a.Version = 0
	return a
}

// version is the weights version of DefaultConfig, which the engines of
// these tests use.
var version = DefaultConfig().Version()

// checkSnapshot compares a stored snapshot with want; want.Weights
// defaults to version.
func checkSnapshot(t *testing.T, ctx context.Context, s *mongostore.Store, slug string, day time.Time, want store.Snapshot) {
	t.Helper()
	if want.Weights == "" {
		want.Weights = version
	}
	got, err := s.Snapshot(ctx, slug, day)
	if err != nil {
		t.Fatalf("snapshot %s %s: %v", slug, store.Day(day), err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshot %s %s (-want +got):\n%s", slug, store.Day(day), diff)
	}
}

func checkNoSnapshot(t *testing.T, ctx context.Context, s *mongostore.Store, slug string, day time.Time) {
	t.Helper()
	if sn, err := s.Snapshot(ctx, slug, day); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("snapshot %s %s = %+v, %v; want ErrNotFound", slug, store.Day(day), sn, err)
	}
}

// blanks returns n times -1.
func blanks(n int) []int { return slices.Repeat([]int{-1}, n) }

func TestEngineSave(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{now}
	e := NewEngine(s, DefaultConfig(), c.now)

	acme := store.Account{
		Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Segment: "enterprise", Region: "Tokyo",
		ARR: 120000, Renewal: now.AddDate(0, 0, 60), Phase: store.PhaseAdoption, Owner: "aiko",
		Seats: 100, ActiveUsers: 80, OpenTickets: ptr(4), LastTouch: daysAgo(20),
		History: history(map[int]int{30: 85}), // 2026-10-03
	}
	if err := e.Put(ctx, acme); err != nil {
		t.Fatal(err)
	}

	// usage 80, engagement (high, 20 days) 1 - 13/21 = .381 -> 38, support 100 - 40 = 60;
	// weights .35, .2, .15 of .7: (28 + 7.6 + 9) / .7 = 44.6 / .7 = 63.71 -> 64, yellow.
	want := acme
	want.History = store.History{End: "2026-11-02", Scores: "85" + strings.Repeat(",", 30) + "64", Weights: version}
	want.UpdatedAt = now
	got := account(t, ctx, s, "acme")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("saved account (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(append([]int{85}, blanks(29)...), 64), got.History.Values()); diff != "" {
		t.Errorf("history values (-want +got):\n%s", diff)
	}
	// A day's snapshot is its first computation.
	firstSnapshot := store.Snapshot{
		ID: "acme/2026-11-02", Account: "acme", Date: "2026-11-02", Score: 64, Band: Yellow,
		Components: map[string]int{Usage: 80, Engagement: 38, Support: 60},
	}
	checkSnapshot(t, ctx, s, "acme", now, firstSnapshot)
	// now + 60 days = 2027-01-01; health 64 is not below 60, so no renewal risk.
	// 64 - 85 = -21 over 30 days.
	wantRow := store.AccountRow{
		Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Region: "Tokyo", Segment: "enterprise",
		Owner: "aiko", Team: "tokyo-enterprise", ARR: 120000, Renewal: "2027-01-01", Phase: store.PhaseAdoption,
		Score: 64, Band: Yellow,
		Risks: []store.Risk{
			{Rule: RuleDrop, Points: 21, Days: 30},
			{Rule: RuleNoTouch, Days: 20, Tier: store.TierHigh, Limit: 14},
		},
	}
	if diff := cmp.Diff([]store.AccountRow{wantRow}, rows(t, ctx, s)); diff != "" {
		t.Errorf("index rows (-want +got):\n%s", diff)
	}

	t.Run("second save the same day replaces today's score, the snapshot keeps the first", func(t *testing.T) {
		more := got
		more.ActiveUsers = 100
		if err := e.Put(ctx, more); err != nil {
			t.Fatal(err)
		}
		// (35 + 7.6 + 9) / .7 = 51.6 / .7 = 73.71 -> 74, green; 74 - 85 = -11
		a := account(t, ctx, s, "acme")
		if diff := cmp.Diff(append(append([]int{85}, blanks(29)...), 74), a.History.Values()); diff != "" {
			t.Errorf("history values (-want +got):\n%s", diff)
		}
		checkSnapshot(t, ctx, s, "acme", now, firstSnapshot)
		row := wantRow
		row.Score, row.Band = 74, Green
		row.Risks = []store.Risk{{Rule: RuleNoTouch, Days: 20, Tier: store.TierHigh, Limit: 14}}
		if diff := cmp.Diff([]store.AccountRow{row}, rows(t, ctx, s)); diff != "" {
			t.Errorf("index rows (-want +got):\n%s", diff)
		}
	})

	t.Run("save the next day appends to the history", func(t *testing.T) {
		c.t = now.AddDate(0, 0, 1)
		defer func() { c.t = now }()
		a := account(t, ctx, s, "acme")
		if err := e.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		// engagement now 21 days: 1 - 14/21 = .333 -> 33:
		// (35 + 6.6 + 9) / .7 = 50.6 / .7 = 72.29 -> 72
		got := account(t, ctx, s, "acme")
		if diff := cmp.Diff(append(append([]int{85}, blanks(29)...), 74, 72), got.History.Values()); diff != "" {
			t.Errorf("history values (-want +got):\n%s", diff)
		}
		if got.History.End != "2026-11-03" || !got.UpdatedAt.Equal(c.t) {
			t.Errorf("history end %q, updated %v; want 2026-11-03, %v", got.History.End, got.UpdatedAt, c.t)
		}
		checkSnapshot(t, ctx, s, "acme", c.t, store.Snapshot{
			ID: "acme/2026-11-03", Account: "acme", Date: "2026-11-03", Score: 72, Band: Green,
			Components: map[string]int{Usage: 100, Engagement: 33, Support: 60},
		})
		// yesterday's snapshot is kept
		checkSnapshot(t, ctx, s, "acme", now, firstSnapshot)
	})

	t.Run("no data: no history, no snapshot, row without score", func(t *testing.T) {
		empty := store.Account{Slug: "empty", Name: "Empty KK", Tier: store.TierTech, Phase: store.PhaseOnboarding, Owner: "ben"}
		if err := e.Put(ctx, empty); err != nil {
			t.Fatal(err)
		}
		want := empty
		want.UpdatedAt = now
		if diff := cmp.Diff(want, account(t, ctx, s, "empty")); diff != "" {
			t.Errorf("saved account (-want +got):\n%s", diff)
		}
		checkNoSnapshot(t, ctx, s, "empty", now)
		rs := rows(t, ctx, s)
		i := slices.IndexFunc(rs, func(r store.AccountRow) bool { return r.Slug == "empty" })
		if i < 0 {
			t.Fatalf("no index row for empty in %+v", rs)
		}
		wantRow := store.AccountRow{Slug: "empty", Name: "Empty KK", Tier: store.TierTech, Owner: "ben", Team: "osaka-smb",
			Phase: store.PhaseOnboarding, Score: -1, Band: NoData}
		if diff := cmp.Diff(wantRow, rs[i]); diff != "" {
			t.Errorf("index row (-want +got):\n%s", diff)
		}
	})

	t.Run("owner unknown or unset gives no team", func(t *testing.T) {
		for _, owner := range []string{"ghost", ""} {
			slug := "orphan-" + owner
			a := store.Account{Slug: slug, Name: "Orphan", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: owner, Seats: 10, ActiveUsers: 5}
			if err := e.Put(ctx, a); err != nil {
				t.Fatalf("owner %q: %v", owner, err)
			}
			rs := rows(t, ctx, s)
			i := slices.IndexFunc(rs, func(r store.AccountRow) bool { return r.Slug == slug })
			if i < 0 {
				t.Fatalf("no index row for %s", slug)
			}
			// usage 5 of 10 = 50, yellow
			want := store.AccountRow{Slug: slug, Name: "Orphan", Tier: store.TierLow, Owner: owner, Phase: store.PhaseAdoption, Score: 50, Band: Yellow}
			if diff := cmp.Diff(want, rs[i]); diff != "" {
				t.Errorf("owner %q: index row (-want +got):\n%s", owner, diff)
			}
		}
	})
}

func TestEngineRefresh(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{now}
	e := NewEngine(s, DefaultConfig(), c.now)

	// Accounts as an import writes them: stale index rows, no score yet today.
	updated := daysAgo(3)
	accounts := []store.Account{
		{
			Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko",
			Seats: 100, ActiveUsers: 80, OpenTickets: ptr(4),
			History:   history(map[int]int{30: 95}), // 2026-10-03
			UpdatedAt: updated,
		},
		{
			Slug: "beta", Name: "Beta Ltd", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "ben",
			Renewal: now.AddDate(0, 0, 60), Seats: 10, ActiveUsers: 2, UpdatedAt: updated,
		},
		{
			Slug: "gamma", Name: "Gamma Inc", Tier: store.TierTech, Phase: store.PhaseOnboarding, Owner: "ghost",
			UpdatedAt: updated,
		},
	}
	for _, a := range accounts {
		saveRaw(t, ctx, s, a)
	}

	n, err := e.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Refresh rescored %d accounts, want 3", n)
	}
	// acme: usage 80, support 60 over .35 + .15: 80*.7 + 60*.3 = 56 + 18 = 74, green; 74 - 95 = -21.
	// beta: usage 2 of 10 = 20, red; renews 2027-01-01, in 60 days, below 60.
	// gamma: no data.
	wantRows := []store.AccountRow{
		{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Owner: "aiko", Team: "tokyo-enterprise", Phase: store.PhaseAdoption,
			Score: 74, Band: Green,
			Risks: []store.Risk{{Rule: RuleDrop, Points: 21, Days: 30}}},
		{Slug: "beta", Name: "Beta Ltd", Tier: store.TierLow, Owner: "ben", Team: "osaka-smb", Phase: store.PhaseAdoption,
			Renewal: "2027-01-01", Score: 20, Band: Red,
			Risks: []store.Risk{
				{Rule: RuleRedBand, Score: 20, Limit: 40},
				{Rule: RuleRenewal, Days: 60, Date: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Score: 20, Limit: 60},
			}},
		{Slug: "gamma", Name: "Gamma Inc", Tier: store.TierTech, Owner: "ghost", Phase: store.PhaseOnboarding,
			Score: -1, Band: NoData},
	}
	if diff := cmp.Diff(wantRows, rows(t, ctx, s)); diff != "" {
		t.Errorf("index rows after Refresh (-want +got):\n%s", diff)
	}
	// Only the history changes in the account documents.
	wantHist := map[string]store.History{
		"acme":  {End: "2026-11-02", Scores: "95" + strings.Repeat(",", 30) + "74", Weights: version},
		"beta":  {End: "2026-11-02", Scores: "20", Weights: version},
		"gamma": {},
	}
	for _, a := range accounts {
		want := a
		want.History = wantHist[a.Slug]
		if diff := cmp.Diff(want, account(t, ctx, s, a.Slug)); diff != "" {
			t.Errorf("account %s after Refresh (-want +got):\n%s", a.Slug, diff)
		}
	}
	checkSnapshot(t, ctx, s, "acme", now, store.Snapshot{ID: "acme/2026-11-02", Account: "acme", Date: "2026-11-02",
		Score: 74, Band: Green, Components: map[string]int{Usage: 80, Support: 60}})
	checkSnapshot(t, ctx, s, "beta", now, store.Snapshot{ID: "beta/2026-11-02", Account: "beta", Date: "2026-11-02",
		Score: 20, Band: Red, Components: map[string]int{Usage: 20}})
	checkNoSnapshot(t, ctx, s, "gamma", now)
	if day, err := s.Meta(ctx, refreshedKey); err != nil || day != "2026-11-02" {
		t.Errorf("Meta(%q) = %q, %v; want 2026-11-02", refreshedKey, day, err)
	}

	// Later the same day: an edit that bypasses the engine leaves a stale row,
	// and RefreshIfStale must not touch it.
	c.t = now.Add(14 * time.Hour) // 23:00, still 2026-11-02
	acme := account(t, ctx, s, "acme")
	acme.ActiveUsers = 100
	saveRaw(t, ctx, s, acme)
	var told []int // the progress each refresh tells
	ran, err := e.RefreshIfStale(ctx, func(n int) { told = append(told, n) })
	if err != nil || ran || told != nil {
		t.Fatalf("RefreshIfStale the same day = %v, %v, progress %v; want false, nil, none", ran, err, told)
	}
	if got := rows(t, ctx, s)[0]; got.Score != 0 || got.Band != "stale" {
		t.Errorf("same day: acme row rescored to %d %s, want untouched", got.Score, got.Band)
	}

	// The next day: ben moved team; the refresh runs and picks up both changes.
	if err := s.SaveMember(ctx, store.Member{ID: "ben", Name: "Ben", Roles: []store.Role{store.RoleCSM}, Team: "nagoya"}); err != nil {
		t.Fatal(err)
	}
	day2 := now.AddDate(0, 0, 1)
	c.t = day2
	ran, err = e.RefreshIfStale(ctx, func(n int) { told = append(told, n) })
	if err != nil || !ran {
		t.Fatalf("RefreshIfStale the next day = %v, %v; want true, nil", ran, err)
	}
	if len(told) == 0 || told[len(told)-1] != 3 {
		t.Errorf("the next day's refresh told progress %v, want it to end at the 3 accounts", told)
	}
	// acme: 100*.7 + 60*.3 = 88; 30 days before 2026-11-03 has no score, the
	// fallback finds 2026-10-03 (31 days): 88 - 95 = -7, no drop.
	// beta: renewal now 59 days away.
	wantRows[0].Score, wantRows[0].Band, wantRows[0].Risks = 88, Green, nil
	wantRows[1].Team = "nagoya"
	wantRows[1].Risks[1].Days = 59
	if diff := cmp.Diff(wantRows, rows(t, ctx, s)); diff != "" {
		t.Errorf("index rows after the next day's refresh (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(append([]int{95}, blanks(29)...), 74, 88), account(t, ctx, s, "acme").History.Values()); diff != "" {
		t.Errorf("acme history (-want +got):\n%s", diff)
	}
	if h := account(t, ctx, s, "beta").History; h != (store.History{End: "2026-11-03", Scores: "20,20", Weights: version}) {
		t.Errorf("beta history = %+v, want 20,20 ending 2026-11-03", h)
	}
	checkSnapshot(t, ctx, s, "acme", day2, store.Snapshot{ID: "acme/2026-11-03", Account: "acme", Date: "2026-11-03",
		Score: 88, Band: Green, Components: map[string]int{Usage: 100, Support: 60}})
	checkSnapshot(t, ctx, s, "acme", now, store.Snapshot{ID: "acme/2026-11-02", Account: "acme", Date: "2026-11-02",
		Score: 74, Band: Green, Components: map[string]int{Usage: 80, Support: 60}})
	if day, err := s.Meta(ctx, refreshedKey); err != nil || day != "2026-11-03" {
		t.Errorf("Meta(%q) = %q, %v; want 2026-11-03", refreshedKey, day, err)
	}
	if ran, err := e.RefreshIfStale(ctx, nil); err != nil || ran {
		t.Errorf("RefreshIfStale again the next day = %v, %v; want false, nil", ran, err)
	}
}

func TestRefreshIfStaleFirstRun(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{now}
	e := NewEngine(s, DefaultConfig(), c.now)
	ran, err := e.RefreshIfStale(ctx, nil)
	if err != nil || !ran {
		t.Fatalf("RefreshIfStale with no refresh recorded = %v, %v; want true, nil", ran, err)
	}
	if day, err := s.Meta(ctx, refreshedKey); err != nil || day != "2026-11-02" {
		t.Errorf("Meta(%q) = %q, %v; want 2026-11-02", refreshedKey, day, err)
	}
	if ran, err := e.RefreshIfStale(ctx, nil); err != nil || ran {
		t.Errorf("second RefreshIfStale = %v, %v; want false, nil", ran, err)
	}
}

// failingRepo fails the member reads; any other call panics on the nil
// embedded Repo, which proves nothing else was attempted.
type failingRepo struct {
	Repo
	err error
}

func (f failingRepo) Member(context.Context, string) (store.Member, error) {
	return store.Member{}, f.err
}
func (f failingRepo) Members(context.Context) ([]store.Member, error) { return nil, f.err }

func TestEngineErrors(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	e := NewEngine(failingRepo{err: boom}, DefaultConfig(), func() time.Time { return now })
	if err := e.Put(ctx, store.Account{Slug: "acme", Owner: "aiko"}); !errors.Is(err, boom) {
		t.Errorf("Save with a failing member read = %v, want %v", err, boom)
	}
	if n, err := e.Refresh(ctx); !errors.Is(err, boom) || n != 0 {
		t.Errorf("Refresh with a failing member read = %d, %v; want 0, %v", n, err, boom)
	}
}

func TestEngineAssess(t *testing.T) {
	c := &clock{now}
	e := NewEngine(nil, DefaultConfig(), c.now)
	if !e.Now().Equal(now) {
		t.Errorf("Now() = %v, want %v", e.Now(), now)
	}
	if diff := cmp.Diff(DefaultConfig(), e.Config()); diff != "" {
		t.Errorf("Config() (-want +got):\n%s", diff)
	}
	a := store.Account{
		Slug: "acme", Tier: store.TierLow, Seats: 4, ActiveUsers: 1, // usage 25, red
		History: history(map[int]int{7: 45, 1: 30}),
	}
	got := e.Assess(a)
	series := blanks(30)
	series[22], series[28], series[29] = 45, 30, 25 // 7 days back, yesterday, today
	want := Assessment{
		Result: Result{Score: 25, Band: Red, Components: []Component{{Name: Usage, Score: 25, Weight: 1, Detail: Detail{Active: 1, Seats: 4, Adoption: -1}}},
			Missing: without(Usage)},
		// 25 - 45 = -20 over 7 days; nothing 30..33 days back
		Trend: Trend{Delta7: ptr(-20), Series: series},
		Risks: []store.Risk{{Rule: RuleRedBand, Score: 25, Limit: 40}},
		// the unversioned history is adopted by the weights in force
		History: store.History{End: a.History.End, Scores: a.History.Scores, Weights: version},
	}
	want.Weights = version
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Assess (-want +got):\n%s", diff)
	}
}
