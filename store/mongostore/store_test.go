package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func sampleAccount(slug string) store.Account {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	done := day.AddDate(0, 0, -20)
	return store.Account{
		Slug: slug, Name: "Acme " + slug, Tier: store.TierHigh, Region: "Tokyo", ARR: 120000,
		Renewal: day.AddDate(0, 3, 0), Phase: store.PhaseOnboarding, PhaseStart: day.AddDate(0, 0, -30),
		Owner: "aiko", Seats: 100, ActiveUsers: 55, FeatureAdoption: ptr(0.4), NPS: ptr(9), NPSDate: day,
		OpenTickets: ptr(2), LastTouch: day,
		Milestones: []store.Milestone{{Name: "Kickoff held", Due: day.AddDate(0, 0, -25), Done: &done}, {Name: "Admin configured", Due: day}},
		History:    store.History{}.Record(day, 71),
		UpdatedAt:  day,
	}
}

func TestAccountRoundTripAndIndex(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)

	if _, err := s.Account(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing account: err = %v, want ErrNotFound", err)
	}
	a := sampleAccount("acme")
	row := store.AccountRow{Slug: "acme", Name: a.Name, Tier: a.Tier, Score: 71, Band: "green"}
	if err := s.SaveAccount(ctx, a, row); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("account round trip (-want +got):\n%s", diff)
	}
	row.Score, row.Band = 35, "red"
	if err := s.SaveAccount(ctx, a, row); err != nil {
		t.Fatal(err)
	}
	rows, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AccountRow{row}, rows); diff != "" {
		t.Errorf("index after update (-want +got):\n%s", diff)
	}
	if err := s.SaveAccount(ctx, a, store.AccountRow{Slug: "other"}); err == nil {
		t.Error("SaveAccount with a mismatched row: want an error")
	}
}

// Rows of different accounts land in shared shard documents; concurrent
// writers must not lose each other's rows.
func TestConcurrentSavesKeepEveryRow(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			slug := fmt.Sprintf("acct-%02d", i)
			errs <- s.SaveAccount(ctx, sampleAccount(slug), store.AccountRow{Slug: slug, Score: i})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("index has %d rows, want %d", len(rows), n)
	}
	seen := 0
	err = s.EachAccount(ctx, func(store.Account) error { seen++; return nil })
	if err != nil || seen != n {
		t.Fatalf("EachAccount saw %d accounts (err %v), want %d", seen, err, n)
	}
}

func TestPutRowsMergesIntoIndex(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if err := s.PutRows(ctx, []store.AccountRow{{Slug: "a", Score: 9}, {Slug: "kept", Score: 3}}); err != nil {
		t.Fatal(err)
	}
	put := []store.AccountRow{{Slug: "a", Score: 1}, {Slug: "b", Score: 2}}
	if err := s.PutRows(ctx, put); err != nil {
		t.Fatal(err)
	}
	want := append(put, store.AccountRow{Slug: "kept", Score: 3})
	got, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byslug := map[string]store.AccountRow{}
	for _, r := range got {
		byslug[r.Slug] = r
	}
	if diff := cmp.Diff(map[string]store.AccountRow{"a": want[0], "b": want[1], "kept": want[2]}, byslug); diff != "" {
		t.Errorf("merged index (-want +got):\n%s", diff)
	}
}

func TestMembersAndIdentities(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	aiko := store.Member{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleCSM}, Team: "tokyo",
		Identities: map[string]string{"slack": "U1", "discord": "42"}}
	if err := s.SaveMember(ctx, aiko); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ platform, user string }{{"slack", "U1"}, {"discord", "42"}, {"console", "aiko"}} {
		got, err := s.MemberByIdentity(ctx, tc.platform, tc.user)
		if err != nil || got.ID != "aiko" {
			t.Errorf("MemberByIdentity(%s, %s) = %q, %v; want aiko", tc.platform, tc.user, got.ID, err)
		}
	}
	ken := store.Member{ID: "ken", Name: "Ken", Identities: map[string]string{"slack": "U1"}}
	if err := s.SaveMember(ctx, ken); !errors.Is(err, store.ErrIdentityTaken) {
		t.Errorf("linking a taken identity: err = %v, want ErrIdentityTaken", err)
	}
	if _, err := s.Member(ctx, "ken"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused member was written anyway: err = %v", err)
	}
	aiko.Identities = map[string]string{"slack": "U1"}
	if err := s.SaveMember(ctx, aiko); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MemberByIdentity(ctx, "discord", "42"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unlinked identity still resolves: err = %v", err)
	}
	aiko.Name = "Aiko Sato"
	if err := s.SaveMember(ctx, aiko); err != nil {
		t.Fatal(err)
	}
	got, err := s.MemberByIdentity(ctx, "slack", "U1")
	if err != nil || got.Name != "Aiko Sato" {
		t.Errorf("after rename: %+v, %v; want the new name at once", got, err)
	}
	got.Roles[0] = store.RoleAdmin // must not leak into the store's copy
	if again, _ := s.Member(ctx, "aiko"); again.Has(store.RoleAdmin) {
		t.Errorf("changing a returned member changed the stored one: %+v", again)
	}
	if _, err := s.MemberByIdentity(ctx, "slack", "U404"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown user: err = %v, want ErrNotFound", err)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	s, err := mongostore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo", Lead: "hiro"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTouch(ctx, store.Touch{Account: "acme", Kind: "call", Author: "aiko", Text: "hi", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("ping after close: err = %v, want ErrUnavailable", err)
	}
	s2 := storetest.OpenConfig(t, cfg)
	got, err := s2.Team(ctx, "tokyo")
	if err != nil || got.Lead != "hiro" {
		t.Fatalf("team after restart = %+v, %v", got, err)
	}
}

func TestSnapshotsUpsert(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	day := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	snap := store.Snapshot{ID: store.SnapshotID("acme", day), Account: "acme", Date: store.Day(day), Score: 50, Band: "yellow"}
	for _, score := range []int{50, 64} {
		snap.Score = score
		if err := s.SaveSnapshots(ctx, []store.Snapshot{snap}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Snapshot(ctx, "acme", day)
	if err != nil || got.Score != 64 || got.ID != "acme/2026-11-02" {
		t.Errorf("snapshot = %+v, %v; want score 64 under acme/2026-11-02", got, err)
	}
}

// AddSnapshots keeps a day's first snapshot and adds the missing ones, in
// batches larger than one insert command.
func TestAddSnapshotsKeepsTheFirstOfADay(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	day := time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)
	snap := func(slug string, score int) store.Snapshot {
		return store.Snapshot{ID: store.SnapshotID(slug, day), Account: slug, Date: store.Day(day), Score: score, Band: "yellow"}
	}
	if err := s.AddSnapshots(ctx, []store.Snapshot{snap("acme", 50)}); err != nil {
		t.Fatal(err)
	}
	batch := []store.Snapshot{snap("acme", 64)}
	for i := range 1200 {
		batch = append(batch, snap(fmt.Sprintf("bulk-%04d", i), i%101))
	}
	if err := s.AddSnapshots(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Snapshot(ctx, "acme", day); err != nil || got.Score != 50 {
		t.Errorf("acme = %+v, %v; want the first snapshot of the day (50)", got, err)
	}
	if got, err := s.Snapshot(ctx, "bulk-1199", day); err != nil || got.Score != 1199%101 {
		t.Errorf("bulk-1199 = %+v, %v; want it added", got, err)
	}
}

// Replacing many existing documents in one call once hung the embedded store
// (FerretDB holds a connection per replaced document until the command ends).
func TestBulkReplaceOfManyExistingDocuments(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	as := make([]store.Account, 250)
	hs := map[string]store.History{}
	for i := range as {
		as[i] = sampleAccount(fmt.Sprintf("bulk-%03d", i))
		hs[as[i].Slug] = store.History{}.Record(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), i%101)
	}
	for range 2 { // the second round replaces every document
		if err := s.PutAccounts(ctx, as); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveHistories(ctx, hs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, "bulk-249")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.History.At(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)); !ok || v != 249%101 {
		t.Errorf("history of bulk-249 on Nov 3 = %d, %v; want %d", v, ok, 249%101)
	}
}

// Of many concurrent claims of the same id exactly one wins.
func TestClaimIsExclusive(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var wg sync.WaitGroup
	wins := make(chan bool, 20)
	for range 20 {
		wg.Go(func() {
			ok, err := s.Claim(ctx, "slack-event/Ev1", time.Now())
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		})
	}
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d claims won, want exactly 1", n)
	}
	if ok, err := s.Claim(ctx, "slack-event/Ev2", time.Now()); !ok || err != nil {
		t.Errorf("claim of another id = %v, %v; want true", ok, err)
	}
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Claim(ctx, "slack-event/old", old); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneClaims(ctx, old.AddDate(0, 0, 1)); err != nil || n != 1 {
		t.Errorf("PruneClaims = %d, %v; want the one old claim", n, err)
	}
	if ok, err := s.Claimed(ctx, "slack-event/Ev1"); !ok || err != nil {
		t.Errorf("a recent claim was pruned: %v, %v", ok, err)
	}
}

// The embedded store caches accounts; every kind of write must show at once.
func TestAccountReadsSeeEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	a := sampleAccount("cached")
	if err := s.SaveAccount(ctx, a, store.AccountRow{Slug: "cached"}); err != nil {
		t.Fatal(err)
	}
	read := func() store.Account {
		t.Helper()
		got, err := s.Account(ctx, "cached")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	read() // cached now
	a.ARR = 1
	if err := s.SaveAccount(ctx, a, store.AccountRow{Slug: "cached"}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.ARR != 1 {
		t.Errorf("after SaveAccount: ARR %d, want 1", got.ARR)
	}
	a.ARR = 2
	if err := s.PutAccounts(ctx, []store.Account{a}); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.ARR != 2 {
		t.Errorf("after PutAccounts: ARR %d, want 2", got.ARR)
	}
	day := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	if err := s.SaveHistories(ctx, map[string]store.History{"cached": store.History{}.Record(day, 42)}); err != nil {
		t.Fatal(err)
	}
	if v, ok := read().History.At(day); !ok || v != 42 {
		t.Errorf("after SaveHistories: history %d, %v; want 42", v, ok)
	}
	if n, err := s.WarmCache(ctx); err != nil || (os.Getenv("MONGODB_URI") == "" && n != 1) {
		t.Errorf("WarmCache = %d, %v; want 1 account on the embedded store", n, err)
	}
	// Once warm, whole-collection reads come from memory and must still see every write.
	fresh := sampleAccount("fresh")
	if err := s.SaveAccount(ctx, fresh, store.AccountRow{Slug: "fresh"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveHistories(ctx, map[string]store.History{"cached": store.History{}.Record(day, 43)}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]store.Account{}
	if err := s.EachAccount(ctx, func(a store.Account) error { seen[a.Slug] = a; return nil }); err != nil {
		t.Fatal(err)
	}
	if v, _ := seen["cached"].History.At(day); len(seen) != 2 || seen["fresh"].Name != fresh.Name || v != 43 || seen["cached"].ARR != 2 {
		t.Errorf("EachAccount after writes = %+v", seen)
	}
	got := read()
	got.Milestones[0].Name = "changed by a caller"
	if again := read(); again.Milestones[0].Name == "changed by a caller" {
		t.Error("changing a returned account changed the cached one")
	}
}
