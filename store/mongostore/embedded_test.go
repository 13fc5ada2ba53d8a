package mongostore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore/embedded"
)

// openEmbedded opens an embedded store in a temporary folder, and a
// SQLite handle of its database, both closed when the test ends.
func openEmbedded(t *testing.T, database string) (*Store, *sql.DB) {
	t.Helper()
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("embedded store only")
	}
	s, err := Open(t.Context(), Config{DataDir: t.TempDir(), Database: database, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	db, err := s.embedded.SQLite(database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// The _id lookup index is what makes the embedded store usable; pin that
// SQLite really uses it for the query FerretDB sends.
func TestEmbeddedIDLookupUsesIndex(t *testing.T) {
	ctx := context.Background()
	_, db := openEmbedded(t, "plan")
	tables, err := embedded.CollectionTables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range collections {
		table, ok := tables[name]
		if !ok {
			t.Errorf("collection %s has no table", name)
			continue
		}
		got, err := embedded.Plan(ctx, db, `SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, "x")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, "USING INDEX "+table+"_id_lookup") {
			t.Errorf("%s: _id lookup plan = %q, want a search using %s_id_lookup", name, got, table)
		}
	}
}

// A scan of the accounts that writes as it goes (the health refresh, the
// audit sweep) holds no SQLite read open between documents: an open read
// keeps SQLite from checkpointing the write-ahead log, and every commit
// then sorted the whole, growing log again (half the CPU of a 20,000-account
// refresh). A passive checkpoint during the scan must copy every frame.
func TestEmbeddedScanLetsTheLogCheckpoint(t *testing.T) {
	ctx := context.Background()
	s, db := openEmbedded(t, "scan")
	const n = scanBatch + 100 // past one batch: a cursor stays open then
	slugs := make([]string, n)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("acct-%04d", i)
	}
	if _, err := s.UpdateAccounts(ctx, slugs, true, func(a *store.Account) error { a.Name = a.Slug; return nil }); err != nil {
		t.Fatal(err)
	}
	s.accountCache.wrote(nil, slugs...) // read from the store, as after a restart
	seen, checked, stuck := 0, 0, 0
	err := s.scanAccounts(ctx, func(a store.Account) error {
		if seen++; seen%100 != 1 {
			return nil
		}
		if _, err := s.UpdateAccounts(ctx, []string{a.Slug}, false, func(a *store.Account) error { a.Seats++; return nil }); err != nil {
			return err
		}
		var busy, frames, copied int
		if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
			return err
		}
		switch {
		case busy != 0 || frames <= 0: // another checkpoint was running: no verdict
		case copied < frames:
			stuck++
		default:
			checked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n || stuck > 0 || checked == 0 {
		t.Errorf("scanned %d of %d accounts; of the checkpoints during the scan %d could not copy the whole log, %d could", seen, n, stuck, checked)
	}
}
