package health

import (
	"fmt"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
)

// A book of more than one batch is refreshed whole, each account exactly
// once (one version bump, one score added to its history, one row, one
// audit record), both when the accounts are scanned from the database and
// when they come from a warm account cache.
func TestRefreshStreamsBatches(t *testing.T) {
	s, ctx := openStore(t)
	c := &clock{now}
	e := NewEngine(s, DefaultConfig(), c.now)
	book := 2*refreshBatch + 345
	accounts := make([]store.Account, book)
	score := map[string]int{} // by slug: usage alone, ActiveUsers of 100 seats
	for i := range accounts {
		accounts[i] = store.Account{Slug: fmt.Sprintf("acct-%05d", i), Name: fmt.Sprintf("Account %d", i),
			Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 100, ActiveUsers: i % 101, Version: 1}
		score[accounts[i].Slug] = i % 101
	}
	if err := s.PutAccounts(ctx, accounts); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		warm bool // the accounts come from the warm cache, not a scan
	}{
		{"scan", false},
		{"cache", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = now.AddDate(0, 0, i)
			if tt.warm {
				if n, err := s.WarmCache(ctx); err != nil || n != book {
					t.Fatalf("WarmCache = %d, %v; want %d", n, err, book)
				}
			}
			since := time.Now().Truncate(time.Millisecond)
			n, err := e.Refresh(ctx)
			if err != nil || n != book {
				t.Fatalf("Refresh = %d, %v; want %d accounts", n, err, book)
			}
			rs, err := s.AccountRows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != book {
				t.Errorf("%d index rows, want %d", len(rs), book)
			}
			for _, r := range rs {
				a, err := s.Account(ctx, r.Slug)
				if err != nil {
					t.Fatal(err)
				}
				want := score[r.Slug]
				if a.Version != int64(2+i) || r.Version != a.Version {
					t.Errorf("%s at version %d (row %d), want %d: rescored once per refresh", r.Slug, a.Version, r.Version, 2+i)
				}
				if vs := a.History.Values(); len(vs) != i+1 || vs[i] != want || a.History.End != store.Day(c.t) {
					t.Errorf("%s history %v ending %s, want %d scores, the last %d on %s", r.Slug, vs, a.History.End, i+1, want, store.Day(c.t))
				}
				if r.Score != want {
					t.Errorf("%s row score %d, want %d", r.Slug, r.Score, want)
				}
			}
			recs, err := s.Audit(ctx, "", "", since)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, rec := range recs {
				seen[rec.Subject]++
			}
			if len(seen) != book {
				t.Errorf("audit records for %d accounts, want %d", len(seen), book)
			}
			for slug, k := range seen {
				if k != 1 {
					t.Errorf("%s has %d audit records of the refresh, want 1", slug, k)
				}
			}
		})
	}
}
