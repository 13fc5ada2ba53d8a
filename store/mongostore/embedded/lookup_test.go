package embedded

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A field lookup finds the documents by their fields through its own
// SQLite index (the plan says so), sees documents written after it was
// made, and refuses a field name that could break its SQL.
func TestFieldLookup(t *testing.T) {
	ctx := t.Context()
	s, coll := withAudit(t)
	if _, err := s.NewFieldLookup(ctx, "csbot", "audit", "kind", "subject') OR 1=1 --"); err == nil {
		t.Error("a field name with SQL in it was taken")
	}
	l, err := s.NewFieldLookup(ctx, "csbot", "audit", "kind", "subject")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "account/acme/1"}, {Key: "kind", Value: "account"}, {Key: "subject", Value: "acme"}},
		bson.D{{Key: "_id", Value: "account/acme/2"}, {Key: "kind", Value: "account"}, {Key: "subject", Value: "acme"}},
		bson.D{{Key: "_id", Value: "account/さくら/1"}, {Key: "kind", Value: "account"}, {Key: "subject", Value: "さくら"}},
		bson.D{{Key: "_id", Value: "member/acme/1"}, {Key: "kind", Value: "member"}, {Key: "subject", Value: "acme"}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind, subject string
		want          []string
	}{
		{"account", "acme", []string{"account/acme/1", "account/acme/2"}},
		{"account", "さくら", []string{"account/さくら/1"}},
		{"member", "acme", []string{"member/acme/1"}},
		{"account", "nobody", nil},
	} {
		got, err := l.IDs(ctx, tc.kind, tc.subject)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("IDs(%s, %s) = %v, %v; want %v", tc.kind, tc.subject, got, err, tc.want)
		}
	}

	db, err := s.SQLite("csbot")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := CollectionTables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	table := tables["audit"]
	got, err := Plan(ctx, db, lookupQuery(table, []string{fieldExpr("kind"), fieldExpr("subject")}, "="), "account", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "USING INDEX "+table+"_kind_subject") {
		t.Errorf("lookup plan = %q, want a search using %s_kind_subject", got, table)
	}
}

// A time lookup finds the documents whose date is before a time, to the
// millisecond, and none whose field is missing or not a date.
func TestTimeLookup(t *testing.T) {
	ctx := t.Context()
	s, coll := withAudit(t)
	l, err := s.NewTimeLookup(ctx, "csbot", "audit", "at")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cut := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "old"}, {Key: "at", Value: cut.AddDate(0, 0, -30)}},
		bson.D{{Key: "_id", Value: "just-before"}, {Key: "at", Value: cut.Add(-time.Millisecond)}},
		bson.D{{Key: "_id", Value: "at-the-cut"}, {Key: "at", Value: cut}},
		bson.D{{Key: "_id", Value: "new"}, {Key: "at", Value: cut.AddDate(1, 0, 0)}},
		bson.D{{Key: "_id", Value: "no-time"}},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := l.Before(ctx, cut)
	slices.Sort(got)
	if want := []string{"just-before", "old"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Before(%v) = %v, %v; want %v", cut, got, err, want)
	}
}

// withAudit starts a store with an empty audit collection in database
// csbot, stopped at the end of the test.
func withAudit(t *testing.T) (*Server, *mongo.Collection) {
	t.Helper()
	s := start(t, t.TempDir())
	t.Cleanup(s.Stop)
	c := connect(t, s.URI())
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) }) // before s.Stop: cleanups run last first
	if err := c.Database("csbot").CreateCollection(t.Context(), "audit"); err != nil {
		t.Fatal(err)
	}
	return s, c.Database("csbot").Collection("audit")
}
