package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/csbot/csbot/store"
)

// BulkRepo is what SeedBulk writes through.
type BulkRepo interface {
	SaveMember(ctx context.Context, m store.Member) error
	PutAccounts(ctx context.Context, as []store.Account) error
}

// Refresher rescores every account, telling done how many so far when not
// nil (*health.Engine).
type Refresher interface {
	RefreshEach(ctx context.Context, done func(n int)) (int, error)
}

// BulkCSMs own the bulk accounts in turn; each has the Slack id
// "U0BULK" + index, e.g. U0BULK0 for aiko.
var BulkCSMs = []string{"aiko", "ken", "mai", "sho", "yui", "taro", "emi", "jun"}

// SeedBulk writes n synthetic accounts named account-00000, account-00001,
// ... with 90 days of history, owned by BulkCSMs across three teams, plus an
// admin "ops", then rescores them all: the data of benchmarks and load
// tests, quick to write in bulk rather than believable.
func SeedBulk(ctx context.Context, r BulkRepo, e Refresher, n int, now time.Time) error {
	return SeedBook(ctx, r, e, n, now, nil, nil)
}

// bulkChunk is how many accounts SeedBook makes and writes at a time.
const bulkChunk = 1000

// SeedBook is SeedBulk for a book of any size (`csbot seed demo --accounts
// 100000`): it makes and writes the accounts bulkChunk at a time, telling
// written how many are written so far, then rescores them in one pass,
// telling rescored how many so far (either may be nil).
func SeedBook(ctx context.Context, r BulkRepo, e Refresher, n int, now time.Time, written, rescored func(done int)) error {
	ctx = store.WithActor(ctx, seedActor)
	for i, id := range BulkCSMs {
		m := store.Member{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Roles: []store.Role{store.RoleCSM},
			Team: fmt.Sprintf("team-%d", i%3), Identities: map[string]string{"slack": fmt.Sprintf("U0BULK%d", i)}}
		if err := r.SaveMember(ctx, m); err != nil {
			return fmt.Errorf("bulk seed: %w", err)
		}
	}
	if err := r.SaveMember(ctx, store.Member{ID: "ops", Name: "Ops", Roles: []store.Role{store.RoleAdmin}}); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	for start := 0; start < n; start += bulkChunk {
		accounts := make([]store.Account, min(bulkChunk, n-start))
		for j := range accounts {
			accounts[j] = bulkAccount(start+j, now)
		}
		if err := r.PutAccounts(ctx, accounts); err != nil {
			return fmt.Errorf("bulk seed: %w", err)
		}
		if written != nil {
			written(start + len(accounts))
		}
	}
	if _, err := e.RefreshEach(ctx, rescored); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	return nil
}

// bulkAccount is the i-th account of a bulk book.
func bulkAccount(i int, now time.Time) store.Account {
	day := func(offset int) time.Time { return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, offset) }
	ptr := func(v int) *int { return &v }
	h := store.History{}
	for d := store.HistoryDays; d >= 1; d-- {
		h = h.Record(day(-d), 40+(i+d)%55)
	}
	done := day(-59)
	return store.Account{
		Slug: fmt.Sprintf("account-%05d", i), Name: fmt.Sprintf("Account %05d KK", i), Tier: store.Tiers[i%3],
		Region: []string{"Tokyo", "Osaka", "Nagoya", "Kyushu"}[i%4], ARR: int64(5000 + i*37), Renewal: day(i % 365),
		Phase: store.PhaseAdoption, Owner: BulkCSMs[i%len(BulkCSMs)], Seats: 50, ActiveUsers: i % 50,
		NPS: ptr(i % 11), NPSDate: day(-(i % 60)), OpenTickets: ptr(i % 7), LastTouch: day(-(i % 70)),
		Milestones: []store.Milestone{{Name: "Kickoff held", Due: day(-60), Done: &done}, {Name: "Training done", Due: day(-20)}},
		History:    h,
	}
}
