package mongostore

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/csbot/csbot/store/mongostore/embedded"
)

// The _id lookup index is what makes the embedded store usable; pin that
// SQLite really uses it for the query FerretDB sends.
func TestEmbeddedIDLookupUsesIndex(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("embedded store only")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{DataDir: t.TempDir(), Database: "plan", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	db, err := s.embedded.SQLite("plan")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
