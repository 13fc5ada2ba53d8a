package importer

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

const bookHead = "slug,name,tier,region,arr,renewal_date,phase,owner,seats,active_users,nps,nps_date,last_touch\n"

// bookCSV is a sheet of n new accounts owned by aiko and kenji in turn;
// edit, when not nil, may replace the record of row i (0-based, on line
// i+2).
func bookCSV(n int, edit func(i int) string) string {
	var b strings.Builder
	b.WriteString(bookHead)
	for i := range n {
		if edit != nil {
			if rec := edit(i); rec != "" {
				b.WriteString(rec + "\n")
				continue
			}
		}
		fmt.Fprintf(&b, "acct-%06d,Account %06d,%s,Tokyo,%d,2027-%02d-01,adoption,%s,50,%d,%d,2026-10-01,2026-10-15\n",
			i, i, store.Tiers[i%3], 5000+i*37, i%12+1, []string{"aiko", "kenji"}[i%2], i%50, i%11)
	}
	return b.String()
}

// A file of several batches: one read of members and one write per batch
// of 500 rows, which checks the rows as it writes (no read of accounts);
// bad rows keep their lines across batches.
func TestImportInBatches(t *testing.T) {
	const n = 1250
	data := bookCSV(n, func(i int) string {
		switch i + 2 { // the line
		case 300:
			return "bad-tier,Bad Tier,platinum,Tokyo,1,,adoption,aiko,,,,,"
		case 800:
			return "acct-000000,Again,low,Tokyo,1,,adoption,aiko,,,,,"
		case 1100:
			return "no-owner,No Owner,low,Tokyo,1,,adoption,@nobody,,,,,"
		}
		return ""
	})
	e := newEnv(t)
	var seen [][2]int
	rep, err := Import(context.Background(), e, e, "book.csv", strings.NewReader(data), AutoEncoding, func(done, total int) {
		seen = append(seen, [2]int{done, total})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []wantErr{
		{300, "bad-tier", `tier: "platinum" is not a tier`},
		{800, "acct-000000", "slug acct-000000 already on line 2"},
		{1100, "no-owner", "owner: nobody is not a registered member"},
	}
	checkReport(t, rep, n-3, 0, 0, want, false)
	if diff := cmp.Diff([][2]int{{0, n}, {500, n}, {1000, n}, {n, n}}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 3, 3, n - 3}, []int{e.reads, e.lookups, e.writes, e.saves}); diff != "" {
		t.Errorf("account reads, member reads, writes, accounts saved (-want +got):\n%s", diff)
	}
	rows, err := e.st.AccountRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n-3 {
		t.Errorf("index has %d rows, want %d", len(rows), n-3)
	}

	t.Run("reimport changes nothing", func(t *testing.T) {
		e.reads, e.writes, e.saves = 0, 0, 0
		rep, err := ImportAccounts(context.Background(), e, e, "book.csv", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, rep, 0, 0, n-3, want, false)
		if diff := cmp.Diff([]int{0, 3, 0}, []int{e.reads, e.writes, e.saves}); diff != "" {
			t.Errorf("account reads, writes, accounts saved (-want +got):\n%s", diff)
		}
	})

	t.Run("a dry run counts the same and writes nothing", func(t *testing.T) {
		later := health.NewEngine(e.st, health.DefaultConfig(), func() time.Time { return fixed.AddDate(0, 0, 1) })
		changed := strings.ReplaceAll(data, ",Tokyo,", ",Osaka,") + "brand-new,Brand New,low,Osaka,1,,adoption,aiko,,,,,\n"
		before := e.accounts(t)
		dry, err := ImportAccounts(context.Background(), e, DryRun(e), "book.csv", []byte(changed))
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, dry, 1, n-3, 0, want, false)
		if diff := cmp.Diff(before, e.accounts(t)); diff != "" {
			t.Fatalf("the dry run changed the store (-before +after):\n%s", diff)
		}
		real, err := ImportAccounts(context.Background(), e, later, "book.csv", []byte(changed))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(dry, real); diff != "" {
			t.Errorf("dry run and import reports differ (-dry +real):\n%s", diff)
		}
	})
}

// bigBrokenFiles are files whose syntax error or cut lies past the first
// batches: the whole file is checked before anything is written.
func bigBrokenFiles() (csvFile, jsonFile, jsonCut string) {
	var items []string
	for i := range 1200 {
		items = append(items, fmt.Sprintf(`{"slug": "a-%d", "name": "A %d", "tier": "low", "phase": "adoption"}`, i, i))
	}
	return bookCSV(1200, nil) + "bad,\"Bad\"x,low\n",
		"[\n" + strings.Join(items, ",\n") + ",\n{\"slug\": \"x\",,}\n]",
		"[\n" + strings.Join(items, ",\n")
}

// BenchmarkImport10k imports a sheet of 10,000 new accounts into an empty
// embedded store (or MONGODB_URI), each iteration into a fresh one:
//
//	go test ./store/importer -run XXX -bench Import10k -benchtime 3x
//
// BenchmarkImport100k does the same with 100,000 rows; it runs only with
// CSBOT_BENCH_100K=1 set, as it takes about a minute:
//
//	CSBOT_BENCH_100K=1 go test ./store/importer -run XXX -bench Import100k -benchtime 1x -timeout 30m
//
// BenchmarkImport10kExternal imports into a store csbot reaches as an
// outside server (MONGODB_URI, else a FerretDB of its own), as in
// production: no account cache, every read a database command.
func BenchmarkImport10k(b *testing.B) { benchImport(b, 10_000, storetest.Config) }

func BenchmarkImport10kExternal(b *testing.B) { benchImport(b, 10_000, storetest.ExternalConfig) }

func BenchmarkImport100k(b *testing.B) {
	if os.Getenv("CSBOT_BENCH_100K") == "" {
		b.Skip("set CSBOT_BENCH_100K=1 to import 100,000 rows")
	}
	benchImport(b, 100_000, storetest.Config)
}

func benchImport(b *testing.B, n int, config func(testing.TB) mongostore.Config) {
	benchImportInto(b, n, config, "")
}

// BenchmarkImport10kIntoBook imports the 10,000 new accounts into a store
// that already holds one: the store then cannot tell a new slug from its
// empty collection, as with every import after the first.
//
// BenchmarkReimport10k imports the book, then times a second import of it
// a week later with every row changed (the ARR): the weekly refresh of a
// book.
func BenchmarkImport10kIntoBook(b *testing.B) { benchImportInto(b, 10_000, storetest.Config, "one") }

func BenchmarkReimport10k(b *testing.B) { benchImportInto(b, 10_000, storetest.Config, "changed") }

func benchImportInto(b *testing.B, n int, config func(testing.TB) mongostore.Config, before string) {
	ctx := context.Background()
	data := []byte(bookCSV(n, nil))
	var rows int
	for b.Loop() {
		b.StopTimer()
		st := storetest.OpenConfig(b, config(b))
		st.LimitAccountCache(2000) // as csbot import does
		for _, id := range []string{"aiko", "kenji"} {
			if err := st.SaveMember(ctx, store.Member{ID: id, Name: id, Roles: []store.Role{store.RoleCSM}}); err != nil {
				b.Fatal(err)
			}
		}
		clock := time.Now()
		engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return clock })
		file, want := data, Report{Created: n}
		switch before {
		case "one":
			if _, err := ImportAccounts(ctx, st, engine, "one.csv", []byte(bookHead+"other,Other,low,Tokyo,1,,adoption,aiko,,,,,\n")); err != nil {
				b.Fatal(err)
			}
		case "changed":
			if _, err := ImportAccounts(ctx, st, engine.Batch(), "book.csv", data); err != nil {
				b.Fatal(err)
			}
			file, want = []byte(strings.ReplaceAll(string(data), ",Tokyo,", ",Tokyo,1")), Report{Updated: n}
			clock = clock.AddDate(0, 0, 7)
		}
		batch := engine.Batch() // as csbot import does
		b.StartTimer()
		rep, err := ImportAccounts(ctx, st, batch, "book.csv", file)
		if err != nil || !cmp.Equal(rep, want) {
			b.Fatalf("import: %v, %v", rep, err)
		}
		if err := batch.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// failingSaver is a store that goes away at its failAt-th write: that
// write, with the context it gets cancelled, fails as an outage would.
type failingSaver struct {
	*env
	calls, failAt int
}

func (f *failingSaver) UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	f.calls++
	if f.calls == f.failAt {
		gone, cancel := context.WithCancel(ctx)
		cancel()
		ctx = gone
	}
	return f.env.UpdateAll(ctx, slugs, create, change)
}

// A store that fails during the second batch stops the import with the
// error: the first batch is saved and counted, nothing of the second is
// half-written, and the same import run again puts the rest in.
func TestImportStopsWhereTheStoreFails(t *testing.T) {
	const n = 1250
	data := bookCSV(n, nil)
	e := newEnv(t)
	rep, err := ImportAccounts(context.Background(), e, &failingSaver{env: e, failAt: 2}, "book.csv", []byte(data))
	if err == nil || !strings.Contains(err.Error(), "save accounts") {
		t.Fatalf("import through a failing store: %v, want the save error", err)
	}
	checkReport(t, rep, saveBatch, 0, 0, nil, false)
	got := e.slugs(t)
	if len(got) != saveBatch || got[0] != "acct-000000" || got[saveBatch-1] != fmt.Sprintf("acct-%06d", saveBatch-1) {
		t.Fatalf("after the failure the store holds %d accounts (%v ... ), want the first batch's %d", len(got), got[:min(3, len(got))], saveBatch)
	}
	rep, err = ImportAccounts(context.Background(), e, e, "book.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, rep, n-saveBatch, 0, saveBatch, nil, false)
}
