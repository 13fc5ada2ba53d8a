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
	put(t, s, a)
	got, err := s.Account(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	a.Version = 1
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("account round trip (-want +got):\n%s", diff)
	}
	row := store.AccountRow{Slug: "acme", Name: a.Name, Tier: a.Tier, Score: 71, Band: "green", Version: 1}
	if err := s.PutRows(ctx, []store.AccountRow{row}); err != nil {
		t.Fatal(err)
	}
	// A row derived from an older version of the account never replaces a
	// newer one: of two writers, the row of the later write stays.
	stale := row
	stale.Version, stale.Score = 0, 10
	newer := row
	newer.Version, newer.Score, newer.Band = 2, 35, "red"
	for _, r := range []store.AccountRow{newer, stale} {
		if err := s.PutRows(ctx, []store.AccountRow{r}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AccountRow{newer}, rows); diff != "" {
		t.Errorf("index after update (-want +got):\n%s", diff)
	}
}

// put writes accounts as given (their versions aside) through the
// compare-and-swap path.
func put(t testing.TB, s *mongostore.Store, as ...store.Account) {
	t.Helper()
	by := map[string]store.Account{}
	var slugs []string
	for _, a := range as {
		by[a.Slug] = a
		slugs = append(slugs, a.Slug)
	}
	if _, err := s.UpdateAccounts(context.Background(), slugs, true, func(a *store.Account) error {
		v := a.Version
		*a = by[a.Slug].Clone()
		a.Version = v
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Two writers of one account, each adding what it was asked to on the copy
// it read: every change lands, whatever the interleaving, on both backends.
func TestUpdateAccountsLosesNoConcurrentChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	put(t, s, sampleAccount("acme"), sampleAccount("beta"))
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			// Half write acme alone, half acme and beta in one bulk call.
			slugs := []string{"acme"}
			if i%2 == 1 {
				slugs = append(slugs, "beta")
			}
			_, err := s.UpdateAccounts(ctx, slugs, false, func(a *store.Account) error {
				a.Playbooks = append(a.Playbooks, store.ActivePlaybook{Name: fmt.Sprintf("p%02d", i)})
				a.Seats++
				return nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for slug, want := range map[string]int{"acme": writers, "beta": writers / 2} {
		a, err := s.Account(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Playbooks) != want || a.Seats != 100+want || a.Version != int64(1+want) {
			t.Errorf("%s: %d playbooks, %d seats, version %d; want %d, %d, %d", slug, len(a.Playbooks), a.Seats, a.Version, want, 100+want, 1+want)
		}
	}
}

// A change that refuses writes nothing, and missing accounts are skipped
// unless created.
func TestUpdateAccountsRefusalAndMissing(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	put(t, s, sampleAccount("acme"))
	refused := errors.New("refused")
	if _, err := s.UpdateAccounts(ctx, []string{"acme"}, false, func(a *store.Account) error {
		a.ARR = 1
		return refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refusing change: err = %v", err)
	}
	if a, _ := s.Account(ctx, "acme"); a.ARR != 120000 || a.Version != 1 {
		t.Errorf("after a refused change: ARR %d version %d, want 120000 and 1", a.ARR, a.Version)
	}
	got, err := s.UpdateAccounts(ctx, []string{"ghost", "acme"}, false, func(a *store.Account) error { a.ARR = 2; return nil })
	if err != nil || len(got) != 1 || got[0].Slug != "acme" {
		t.Fatalf("update with a missing account = %v, %v; want acme alone", got, err)
	}
	if _, err := s.Account(ctx, "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing account was created without create: %v", err)
	}
}

// store.ErrNoChange leaves one account as it is, or uncreated, and writes
// the others; the change sees version 0 only for an account not stored.
func TestUpdateAccountsNoChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	put(t, s, sampleAccount("acme"), sampleAccount("beta"))
	seen := map[string]int64{}
	got, err := s.UpdateAccounts(ctx, []string{"acme", "beta", "ghost", "new"}, true, func(a *store.Account) error {
		seen[a.Slug] = a.Version
		if a.Slug == "beta" || a.Slug == "ghost" {
			return store.ErrNoChange
		}
		a.Name, a.ARR = "Changed "+a.Slug, 7
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, a := range got {
		slugs = append(slugs, a.Slug)
	}
	if diff := cmp.Diff([]string{"acme", "new"}, slugs); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int64{"acme": 1, "beta": 1, "ghost": 0, "new": 0}, seen); diff != "" {
		t.Errorf("versions the change saw (-want +got):\n%s", diff)
	}
	if b, err := s.Account(ctx, "beta"); err != nil || b.ARR != 120000 || b.Version != 1 {
		t.Errorf("beta after ErrNoChange: %+v, %v; want it as it was", b, err)
	}
	if _, err := s.Account(ctx, "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ghost was created though its change said no change: %v", err)
	}
	if a, err := s.Account(ctx, "new"); err != nil || a.Version != 1 || a.ARR != 7 {
		t.Errorf("new: %+v, %v; want created at version 1", a, err)
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
			_, err := s.UpdateAccounts(ctx, []string{slug}, true, func(a *store.Account) error { *a = sampleAccount(slug); return nil })
			if err == nil {
				err = s.PutRows(ctx, []store.AccountRow{{Slug: slug, Score: i}})
			}
			errs <- err
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

// Index shards written uncompressed by earlier versions still read, and
// are stored compressed once written again.
func TestLegacyIndexShard(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	old := store.AccountRow{Slug: "acme", Name: "Acme", Score: 40, Risks: []store.Risk{{Rule: "red-band", Reason: "score 40"}}}
	if err := s.PutLegacyShardForTest(ctx, old); err != nil {
		t.Fatal(err)
	}
	got, err := s.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AccountRow{old}, got); diff != "" {
		t.Errorf("rows of the legacy shard (-want +got):\n%s", diff)
	}
	now := store.AccountRow{Slug: "acme", Name: "Acme", Score: 70, Version: 2}
	if err := s.PutRows(ctx, []store.AccountRow{now}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.AccountRows(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AccountRow{now}, got); diff != "" {
		t.Errorf("rows after a write (-want +got):\n%s", diff)
	}
	if z, err := s.ShardCompressedForTest(ctx, "acme"); err != nil || !z {
		t.Errorf("shard compressed = %v, %v; want true", z, err)
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
	put(t, s, a)
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
	put(t, s, a)
	if got := read(); got.ARR != 1 {
		t.Errorf("after UpdateAccounts: ARR %d, want 1", got.ARR)
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
	put(t, s, fresh)
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

// Accounts reads many accounts at once and leaves out those that do not
// exist, on a new book (the embedded store then knows every slug without a
// read), after writes, and after a restart (when it no longer does).
func TestAccountsBulkRead(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	s, err := mongostore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	slugs := func(s *mongostore.Store, want ...string) {
		t.Helper()
		got, err := s.Accounts(ctx, []string{"put", "updated", "missing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("Accounts = %d accounts, want %v", len(got), want)
		}
		for _, slug := range want {
			if got[slug].Name != sampleAccount(slug).Name {
				t.Errorf("Accounts[%s] = %+v", slug, got[slug])
			}
		}
	}
	slugs(s)
	if err := s.PutAccounts(ctx, []store.Account{sampleAccount("put")}); err != nil {
		t.Fatal(err)
	}
	put(t, s, sampleAccount("updated"))
	slugs(s, "put", "updated")
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = storetest.OpenConfig(t, cfg)
	slugs(s, "put", "updated")
	if _, err := s.Account(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account(missing) = %v, want ErrNotFound", err)
	}
	if _, err := s.WarmCache(ctx); err != nil {
		t.Fatal(err)
	}
	slugs(s, "put", "updated")
	s.LimitAccountCache(1) // the cache starts over at each account: reads still find them all
	slugs(s, "put", "updated")
}
