package mongostore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// Every compare-and-swap write leaves one audit record with who made it and
// the fields it changed, before and after.
func TestAuditOfWrites(t *testing.T) {
	st := storetest.Open(t)
	ctx := store.WithActor(context.Background(), store.Actor{Name: "hiro", Platform: "slack", Channel: "C1"})
	if err := st.SaveMember(ctx, store.Member{ID: "ken", Name: "Ken", Roles: []store.Role{store.RoleCSM}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateMember(ctx, "ken", func(m *store.Member, _ bool) error { m.Team = "tokyo"; return nil }); err != nil {
		t.Fatal(err)
	}
	// A write that changes nothing records nothing.
	if _, err := st.UpdateMember(ctx, "ken", func(*store.Member, bool) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateAccounts(store.WithActor(context.Background(), store.Actor{Name: "import"}), []string{"acme"}, true, func(a *store.Account) error {
		a.Name, a.Owner = "Acme", "ken"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	recs, err := st.Audit(ctx, store.AuditMember, "ken", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("member records = %+v, want 2", recs)
	}
	last := recs[1]
	if last.ID != "member/ken/2" || last.Actor != (store.Actor{Name: "hiro", Platform: "slack", Channel: "C1"}) ||
		len(last.Changes) != 1 || last.Changes[0] != (store.FieldChange{Field: "team", After: `"tokyo"`}) {
		t.Errorf("team change record = %+v", last)
	}
	acc, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil || len(acc) != 1 || acc[0].Actor.Name != "import" || acc[0].ID != "account/acme/1" {
		t.Fatalf("account records = %+v, %v", acc, err)
	}
}

// A crash between a document's write and its audit insert loses nothing:
// the next write of the document, or the sweep, inserts the pending record,
// and inserting it again changes nothing.
func TestAuditPendingRecovered(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.SaveMember(ctx, store.Member{ID: "ken", Name: "Ken", Roles: []store.Role{store.RoleCSM}}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo"}); err != nil {
		t.Fatal(err)
	}
	lost := func(kind, id string) store.AuditRecord {
		return store.AuditRecord{ID: store.AuditID(kind, id, 7), Kind: kind, Subject: id, Version: 7, Actor: store.Actor{Name: "aiko"},
			At: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Changes: []store.FieldChange{{Field: "name", Before: `"a"`, After: `"b"`}}}
	}
	count := func(kind, id string) int {
		t.Helper()
		recs, err := st.Audit(ctx, kind, id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if r.Version == 7 {
				n++
			}
		}
		return n
	}
	// Recovered by the next write.
	if err := st.PendAuditForTest(ctx, "members", "ken", lost(store.AuditMember, "ken")); err != nil {
		t.Fatal(err)
	}
	if count(store.AuditMember, "ken") != 0 {
		t.Fatal("the lost record is there before recovery")
	}
	if _, err := st.UpdateMember(ctx, "ken", func(m *store.Member, _ bool) error { m.Locale = "ja-JP"; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := count(store.AuditMember, "ken"); n != 1 {
		t.Errorf("after the next write: %d lost records, want 1", n)
	}
	// Recovered by the sweep, twice without a double.
	if err := st.PendAuditForTest(ctx, "teams", "tokyo", lost(store.AuditTeam, "tokyo")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.SweepAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(store.AuditTeam, "tokyo"); n != 1 {
			t.Errorf("after the sweep: %d lost records, want 1", n)
		}
	}
}

// A new account's pending record keeps none of its fields (they are the
// document's): recovered by the sweep, it is the record its write inserted.
func TestAuditOfCreationRecovered(t *testing.T) {
	st := storetest.Open(t)
	ctx := store.WithActor(context.Background(), store.Actor{Name: "import", Channel: "book.csv"})
	nps := 9
	if _, err := st.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error {
		a.Name, a.Tier, a.Phase, a.ARR, a.NPS = "Acme", store.TierHigh, store.PhaseAdoption, 120000, &nps
		a.Renewal = time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)
		a.Milestones = []store.Milestone{{Name: "Kickoff", Due: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil || len(want) != 1 || len(want[0].Changes) < 6 {
		t.Fatalf("records of the creation = %+v, %v; want one with every field set", want, err)
	}
	if err := st.DropAuditForTest(ctx, want[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SweepAudit(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recovered record (-inserted +recovered):\n%s", diff)
	}
}

// The audit collection keeps a record's fields as one string; records
// stored as an array of documents (before) read the same.
func TestAuditStoredForm(t *testing.T) {
	st := storetest.Open(t)
	ctx := store.WithActor(context.Background(), store.Actor{Name: "aiko"})
	if err := st.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo"}); err != nil {
		t.Fatal(err)
	}
	raw, err := st.InsertAuditRawForTest(ctx, nil, "team/tokyo/1")
	if err != nil {
		t.Fatal(err)
	}
	if typ := raw.Lookup("changes").Type; typ != bson.TypeString {
		t.Errorf("changes stored as %v, want a string", typ)
	}
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	old := bson.D{{Key: "_id", Value: "team/osaka/1"}, {Key: "kind", Value: "team"}, {Key: "subject", Value: "osaka"},
		{Key: "version", Value: int64(1)}, {Key: "actor", Value: bson.D{{Key: "name", Value: "ken"}}}, {Key: "at", Value: at},
		{Key: "changes", Value: bson.A{bson.D{{Key: "field", Value: "name"}, {Key: "before", Value: `""`}, {Key: "after", Value: `"Osaka"`}}}}}
	if _, err := st.InsertAuditRawForTest(ctx, old, "team/osaka/1"); err != nil {
		t.Fatal(err)
	}
	want := map[string][]store.FieldChange{
		"tokyo": {{Field: "name", Before: `""`, After: `"Tokyo"`}},
		"osaka": {{Field: "name", Before: `""`, After: `"Osaka"`}},
	}
	for id, changes := range want {
		recs, err := st.Audit(ctx, store.AuditTeam, id, time.Time{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("records of team %s = %+v, %v", id, recs, err)
		}
		if diff := cmp.Diff(changes, recs[0].Changes); diff != "" {
			t.Errorf("fields of team %s (-want +got):\n%s", id, diff)
		}
	}
}

// On the embedded store, which one process serves, SaveHistories sweeps
// the records pending in accounts only after a write failed part way, once
// (a sweep reads every account holding one, which after an import or a
// refresh is all); on MongoDB, which other processes write too, before
// every write. A sweep shows as a lost record (pendLost) in the trail.
func TestSaveHistoriesSweeps(t *testing.T) {
	cfg := storetest.Config(t)
	st := storetest.OpenConfig(t, cfg)
	ctx := context.Background()
	if _, err := st.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error { a.Name = "Acme"; return nil }); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, true, true, true}
	if cfg.URI == "" {
		want = []bool{false, false, true, false, false}
	}
	var got []bool
	recovered := 0
	for i := range want {
		swept := pendLost(t, st, "acme", i)
		if i == 2 {
			// A write that fails (here before it lands) leaves the
			// embedded store unsure what it left pending.
			canceled, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := st.UpdateAccounts(canceled, []string{"acme"}, false, func(a *store.Account) error { a.Name = "Acme 2"; return nil }); err == nil {
				t.Fatal("a write with a canceled context succeeded")
			}
		}
		h := store.History{}.Record(time.Date(2026, 11, 25+i, 0, 0, 0, 0, time.UTC), 80)
		if err := st.SaveHistories(ctx, map[string]store.History{"acme": h}); err != nil {
			t.Fatal(err)
		}
		got = append(got, swept())
		if got[i] {
			recovered++
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("swept before each SaveHistories = %v, want %v", got, want)
	}
	recs, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil || len(recs) != 1+len(want)+recovered {
		t.Errorf("records = %+v, %v; want the creation, one per history and the %d recovered", recs, err, recovered)
	}
}

// pendLost leaves a record of slug's pending in its document and not in
// the trail, what a crash between a write and its audit insert leaves, and
// returns whether a sweep has put it in the trail since.
func pendLost(t *testing.T, st *mongostore.Store, slug string, n int) func() bool {
	t.Helper()
	ctx := context.Background()
	v := int64(1000 + n)
	rec := store.AuditRecord{ID: store.AuditID(store.AuditAccount, slug, v), Kind: store.AuditAccount, Subject: slug, Version: v,
		Actor: store.Actor{Name: "aiko"}, At: time.Now().UTC().Truncate(time.Millisecond), Changes: []store.FieldChange{{Field: "name", Before: `"a"`, After: `"b"`}}}
	if err := st.PendAuditForTest(ctx, "accounts", slug, rec); err != nil {
		t.Fatal(err)
	}
	return func() bool {
		t.Helper()
		recs, err := st.Audit(ctx, store.AuditAccount, slug, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(recs, func(r store.AuditRecord) bool { return r.ID == rec.ID })
	}
}

// The nightly refresh's new histories are audited as the scheduler's, once
// a day however often it runs.
func TestAuditOfRefresh(t *testing.T) {
	st := storetest.Open(t)
	ctx := store.WithActor(context.Background(), store.Actor{Name: "scheduler", Channel: "health-refresh"})
	if _, err := st.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error { a.Name = "Acme"; return nil }); err != nil {
		t.Fatal(err)
	}
	h := store.History{}.Record(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), 80)
	for range 2 {
		if err := st.SaveHistories(ctx, map[string]store.History{"acme": h}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.ID+" "+r.Actor.Name+" "+r.Changes[len(r.Changes)-1].Field)
	}
	if want := []string{"account/acme/1 scheduler name", "account/acme/history-2026-11-25 scheduler history"}; !slices.Equal(got, want) {
		t.Errorf("records %q, want %q", got, want)
	}
}

// Records past the retention are deleted and the newer kept; the sweep
// does not bring back a record past it that a document still keeps
// pending. A trail without retention keeps everything.
func TestAuditPrune(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	rec := func(team string, daysAgo int) store.AuditRecord {
		return store.AuditRecord{ID: store.AuditID(store.AuditTeam, team, 7), Kind: store.AuditTeam, Subject: team, Version: 7,
			Actor: store.Actor{Name: "aiko"}, At: now.AddDate(0, 0, -daysAgo), Changes: []store.FieldChange{{Field: "name", Before: `"a"`, After: `"b"`}}}
	}
	ids := func(st *mongostore.Store) []string {
		t.Helper()
		recs, err := st.Audit(ctx, "", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name      string
		retention time.Duration
		want      []string
		pruned    int64
	}{
		{"400 days", 400 * 24 * time.Hour, []string{"team/kobe/1", "team/kobe/7", "team/osaka/7", "team/tokyo/1"}, 1},
		{"forever", 0, []string{"team/kobe/1", "team/kobe/7", "team/nagoya/7", "team/osaka/7", "team/tokyo/1", "team/tokyo/7"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := storetest.Config(t)
			cfg.AuditRetention = tc.retention
			st := storetest.OpenConfig(t, cfg)
			for _, id := range []string{"tokyo", "kobe"} {
				if err := st.SaveTeam(ctx, store.Team{ID: id, Name: id}); err != nil {
					t.Fatal(err)
				}
			}
			// nagoya's record is past 400 days, osaka's a day short of it.
			if err := st.InsertAuditForTest(ctx, rec("nagoya", 401), rec("osaka", 399)); err != nil {
				t.Fatal(err)
			}
			n, err := st.PruneAudit(ctx)
			if err != nil || n != tc.pruned {
				t.Fatalf("prune deleted %d, %v; want %d", n, err, tc.pruned)
			}
			// Left pending by a crash: tokyo's long ago, kobe's lately.
			for team, days := range map[string]int{"tokyo": 401, "kobe": 2} {
				if err := st.PendAuditForTest(ctx, "teams", team, rec(team, days)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.SweepAudit(ctx); err != nil {
				t.Fatal(err)
			}
			if got := ids(st); !slices.Equal(got, tc.want) {
				t.Errorf("trail %q, want %q", got, tc.want)
			}
		})
	}
}

// A csbot killed between a write and its audit record leaves the record
// pending in the document; on the embedded store, whose account reads come
// from memory, the next process to open the folder (an import, say) sweeps
// it in before anything can overwrite it.
func TestAuditRecoveredAfterUncleanStop(t *testing.T) {
	cfg := storetest.Config(t)
	if cfg.URI != "" {
		t.Skip("the embedded store's unclean-stop check; MongoDB writes read the document")
	}
	ctx := store.WithActor(context.Background(), store.Actor{Name: "ken", Platform: "slack", Channel: "C1"})
	open := func() *mongostore.Store {
		st, err := mongostore.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	if _, err := st.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error {
		a.Name, a.Tier = "Acme", store.TierHigh
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	recs, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("records = %+v, %v", recs, err)
	}
	// The crash: the record never reached the audit collection, and the
	// process's lock file keeps its holder record (a clean stop empties it).
	if err := st.DropAuditForTest(ctx, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "csbot.lock"), []byte(`{"pid":4242,"command":"csbot serve"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st = open()
	defer st.Close(ctx)
	got, err := st.Audit(ctx, store.AuditAccount, "acme", time.Time{})
	if err != nil || len(got) != 1 || got[0].ID != recs[0].ID {
		t.Errorf("after reopening: records %+v, %v; want the one the crash left pending", got, err)
	}
}

// A subject's records are read with their fields, from since on, whatever
// else the trail holds (on the embedded store through its own index, on
// an outside server through the audit indexes, made once however often
// it is opened).
func TestAuditOfSubject(t *testing.T) {
	for name, config := range map[string]func(testing.TB) mongostore.Config{"in process": storetest.Config, "outside server": storetest.ExternalConfig} {
		t.Run(name, func(t *testing.T) {
			cfg := config(t)
			for range 2 {
				storetest.OpenConfig(t, cfg).Close(context.Background())
			}
			testAuditOfSubject(t, storetest.OpenConfig(t, cfg))
		})
	}
}

func testAuditOfSubject(t *testing.T, st *mongostore.Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	rec := func(kind, subject string, version int64, daysAgo int) store.AuditRecord {
		return store.AuditRecord{ID: store.AuditID(kind, subject, version), Kind: kind, Subject: subject, Version: version,
			Actor: store.Actor{Name: "aiko", Platform: "slack", Channel: "C1"}, At: now.AddDate(0, 0, -daysAgo),
			Changes: []store.FieldChange{{Field: "arr", Before: "1", After: fmt.Sprint(version)}}}
	}
	if err := st.InsertAuditForTest(ctx,
		rec(store.AuditAccount, "acme", 1, 40), rec(store.AuditAccount, "acme", 2, 20), rec(store.AuditAccount, "acme", 3, 1),
		rec(store.AuditAccount, "beta", 1, 1), rec(store.AuditMember, "acme", 1, 1), rec(store.AuditAccount, "さくら", 1, 1),
	); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind, subject string
		days          int
		want          []store.AuditRecord
	}{
		{store.AuditAccount, "acme", 30, []store.AuditRecord{rec(store.AuditAccount, "acme", 2, 20), rec(store.AuditAccount, "acme", 3, 1)}},
		{store.AuditAccount, "acme", 90, []store.AuditRecord{rec(store.AuditAccount, "acme", 1, 40), rec(store.AuditAccount, "acme", 2, 20), rec(store.AuditAccount, "acme", 3, 1)}},
		{store.AuditMember, "acme", 30, []store.AuditRecord{rec(store.AuditMember, "acme", 1, 1)}},
		{store.AuditAccount, "さくら", 30, []store.AuditRecord{rec(store.AuditAccount, "さくら", 1, 1)}},
		{store.AuditAccount, "nobody", 30, []store.AuditRecord{}},
	} {
		got, err := st.Audit(ctx, tc.kind, tc.subject, now.AddDate(0, 0, -tc.days))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s %s, %d days (-want +got):\n%s", tc.kind, tc.subject, tc.days, diff)
		}
	}
}

// BenchmarkAuditOfAccount reads one account's records (as /cs audit does)
// from a trail of 100,000, the trail of 1,000 accounts over 100 days of
// nightly refreshes:
//
//	go test ./store/mongostore -run XXX -bench AuditOfAccount -benchtime 20x
func BenchmarkAuditOfAccount(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b)
	day := time.Now().UTC().Truncate(24 * time.Hour)
	const accounts, days = 1000, 100
	recs := make([]store.AuditRecord, 0, accounts)
	for d := range days {
		recs = recs[:0]
		for a := range accounts {
			slug := fmt.Sprintf("account-%04d", a)
			recs = append(recs, store.AuditRecord{ID: store.AuditAccount + "/" + slug + "/history-" + store.Day(day.AddDate(0, 0, -d)),
				Kind: store.AuditAccount, Subject: slug, Actor: store.Actor{Name: "scheduler", Channel: "health-refresh"},
				At: day.AddDate(0, 0, -d), Changes: []store.FieldChange{{Field: "history", After: `{"end":"2026-12-07","values":"80,81,82"}`}}})
		}
		if err := st.InsertAuditForTest(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		got, err := st.Audit(ctx, store.AuditAccount, "account-0500", day.AddDate(0, 0, -30))
		if err != nil || len(got) != 31 {
			b.Fatalf("read %d records, %v; want 31", len(got), err)
		}
	}
}

// A refresh batch with no score to save sweeps nothing on an outside
// server (an empty list of accounts is not "every account").
func TestEmptySaveHistoriesSweepsNothing(t *testing.T) {
	st := storetest.OpenConfig(t, storetest.ExternalConfig(t))
	ctx := context.Background()
	if _, err := st.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error { a.Name = "Acme"; return nil }); err != nil {
		t.Fatal(err)
	}
	swept := pendLost(t, st, "acme", 0)
	if err := st.SaveHistories(ctx, map[string]store.History{}); err != nil {
		t.Fatal(err)
	}
	if swept() {
		t.Error("an empty SaveHistories swept the accounts")
	}
}

// On the embedded store, account writes after a write that failed part
// way sweep first, once: the failed write may have left records pending
// that no insert followed.
func TestAccountWriteSweepsAfterAFailedWrite(t *testing.T) {
	cfg := storetest.Config(t)
	if cfg.URI != "" {
		t.Skip("embedded store only")
	}
	st := storetest.OpenConfig(t, cfg)
	ctx := context.Background()
	name := func(n string) func(*store.Account) error {
		return func(a *store.Account) error { a.Name = n; return nil }
	}
	for _, slug := range []string{"acme", "beta"} {
		if _, err := st.UpdateAccounts(ctx, []string{slug}, true, name(slug)); err != nil {
			t.Fatal(err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.UpdateAccounts(canceled, []string{"acme"}, false, name("Acme 2")); err == nil {
		t.Fatal("a write with a canceled context succeeded")
	}
	var got []bool
	for i, n := range []string{"Acme 3", "Acme 4"} {
		swept := pendLost(t, st, "beta", i) // another account: only a sweep finds it
		if _, err := st.UpdateAccounts(ctx, []string{"acme"}, false, name(n)); err != nil {
			t.Fatal(err)
		}
		got = append(got, swept())
	}
	if !slices.Equal(got, []bool{true, false}) {
		t.Errorf("swept before each write after the failed one = %v, want [true false]", got)
	}
}
