package health

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
)

// SaveAll writes a set of accounts whole, as Save does one: today's score
// in the history, the index row and today's snapshot; an account without
// data gets its row but no snapshot, and the other accounts are untouched.
func TestEngineSaveAll(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{now}
	e := NewEngine(s, DefaultConfig(), c.now)
	other := store.Account{Slug: "other", Name: "Other", Tier: store.TierLow, Phase: store.PhaseAdoption, Seats: 10, ActiveUsers: 10}
	saveRaw(t, ctx, s, other)
	if err := e.Put(ctx, nil...); err != nil {
		t.Fatalf("SaveAll(nothing) = %v", err)
	}
	accounts := []store.Account{
		{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 100, ActiveUsers: 80, ARR: 5000},
		{Slug: "gamma", Name: "Gamma Inc", Tier: store.TierTech, Phase: store.PhaseOnboarding},
	}
	if err := e.Put(ctx, accounts...); err != nil {
		t.Fatal(err)
	}
	acme := account(t, ctx, s, "acme")
	if acme.ARR != 5000 || acme.ActiveUsers != 80 || !acme.UpdatedAt.Equal(now) {
		t.Errorf("acme saved as %+v, want its fields and now as update time", acme)
	}
	if got := acme.History.Values(); len(got) == 0 || got[len(got)-1] != 80 {
		t.Errorf("acme history %v, want today's 80 last", got)
	}
	wantRows := []store.AccountRow{
		{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Owner: "aiko", Team: "tokyo-enterprise", Phase: store.PhaseAdoption, ARR: 5000, Score: 80, Band: Green},
		{Slug: "gamma", Name: "Gamma Inc", Tier: store.TierTech, Phase: store.PhaseOnboarding, Score: -1, Band: NoData},
		{Slug: "other", Band: "stale"},
	}
	if diff := cmp.Diff(wantRows, rows(t, ctx, s)); diff != "" {
		t.Errorf("index rows (-want +got):\n%s", diff)
	}
	sn, err := s.Snapshot(ctx, "acme", now)
	if err != nil || sn.Score != 80 || sn.Band != Green {
		t.Errorf("acme snapshot = %+v, %v; want today's 80 green", sn, err)
	}
	checkNoSnapshot(t, ctx, s, "gamma", now)
	checkNoSnapshot(t, ctx, s, "other", now)
}

// A Batch writes accounts at once and their index rows on Flush.
func TestBatchHoldsRowsUntilFlush(t *testing.T) {
	s, ctx := openStore(t)
	e := NewEngine(s, DefaultConfig(), (&clock{now}).now)
	b := e.Batch()
	for _, slug := range []string{"acme", "beta"} {
		if _, err := b.UpdateAll(ctx, []string{slug}, true, func(a *store.Account) error {
			a.Name, a.Tier, a.Phase = slug, store.TierLow, store.PhaseAdoption
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if a := account(t, ctx, s, "beta"); a.Name != "beta" {
		t.Fatalf("account not written at once: %+v", a)
	}
	if got := rows(t, ctx, s); len(got) != 0 {
		t.Fatalf("rows before Flush: %+v", got)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, ctx, s); len(got) != 2 || got[0].Slug != "acme" || got[1].Slug != "beta" {
		t.Errorf("rows after Flush: %+v", got)
	}
}
