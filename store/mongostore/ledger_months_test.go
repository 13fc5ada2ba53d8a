package mongostore_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// rawLedger is the ledger collection as the driver sees it, for tests that
// look at documents or write the layout of an older version.
func rawLedger(t *testing.T, s *mongostore.Store, cfg mongostore.Config) *mongo.Collection {
	t.Helper()
	uri := cfg.URI
	if uri == "" {
		uri = s.EmbeddedURI()
	}
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(cfg.Database).Collection("ledger")
}

// An event re-sent with a date in another month (a ticket also under
// another account) moves: it is read back once, with its new fields.
func TestEventMovesBetweenMonths(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	march := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	may := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		put  func(at time.Time, account string) (int, error)
		read func() ([]string, error) // "id account date" of each item
	}{
		{"responses", func(at time.Time, acct string) (int, error) {
			c, err := s.PutResponses(ctx, []store.Response{{ID: "r1", Account: acct, Kind: store.SurveyNPS, Score: 9, At: at}})
			return len(c), err
		}, func() ([]string, error) {
			rs, err := s.Responses(ctx)
			var out []string
			for _, r := range rs {
				out = append(out, r.ID+" "+r.Account+" "+store.Day(r.At))
			}
			return out, err
		}},
		{"tickets", func(at time.Time, acct string) (int, error) {
			c, err := s.PutTickets(ctx, []store.Ticket{{ID: "t1", Account: acct, Opened: at}})
			return len(c), err
		}, func() ([]string, error) {
			ts, err := s.Tickets(ctx)
			var out []string
			for _, t := range ts {
				out = append(out, t.ID+" "+t.Account+" "+store.Day(t.Opened))
			}
			return out, err
		}},
		{"revenue", func(at time.Time, acct string) (int, error) {
			c, err := s.PutRevenue(ctx, []store.RevenueEvent{{ID: "e1", Account: acct, Type: store.RevenueExpansion, ARR: 100, At: at}})
			return len(c), err
		}, func() ([]string, error) {
			evs, err := s.RevenueEvents(ctx)
			var out []string
			for _, e := range evs {
				out = append(out, e.ID+" "+e.Account+" "+store.Day(e.At))
			}
			return out, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []struct {
				name    string
				at      time.Time
				account string
				changed int
				want    string
			}{
				{"first", march, "acme", 1, "acme 2026-03-02"},
				{"to May", may, "acme", 1, "acme 2026-05-20"},
				{"May again", may, "acme", 0, "acme 2026-05-20"},
				{"back to March, another account", march, "beta", 1, "beta 2026-03-02"},
			} {
				n, err := tt.put(step.at, step.account)
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				got, err := tt.read()
				if err != nil {
					t.Fatal(err)
				}
				if n != step.changed || len(got) != 1 || !strings.HasSuffix(got[0], step.want) {
					t.Errorf("%s: %d changed, read %q; want %d changed and one item %q", step.name, n, got, step.changed, step.want)
				}
			}
		})
	}
}

// Many events spread over months and buckets: no document holds more than
// a small share of them, so none nears 16 MiB however long csbot runs.
func TestEventsSpreadOverMonths(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	s := storetest.OpenConfig(t, cfg)
	const n, months = 4800, 24
	start := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	rs := make([]store.Response, n)
	for i := range rs {
		rs[i] = store.Response{ID: fmt.Sprintf("r%05d", i), Account: "acme", Kind: store.SurveyNPS, Score: 7, At: start.AddDate(0, i%months, 0)}
	}
	if _, err := s.PutResponses(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Responses(ctx)
	if err != nil || len(got) != n {
		t.Fatalf("read back %d responses (%v), want %d", len(got), err, n)
	}
	cur, err := rawLedger(t, s, cfg).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID    string `bson:"_id"`
		Items []byte `bson:"items"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	counted, used := 0, 0
	for _, d := range docs {
		if !strings.HasPrefix(d.ID, "responses/") || d.ID == "responses/months" {
			continue
		}
		var items []store.Response
		if err := gob.NewDecoder(bytes.NewReader(d.Items)).Decode(&items); err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
		month := items[0].At.Format("2006-01")
		for _, r := range items {
			if r.At.Format("2006-01") != month || !strings.HasPrefix(d.ID, "responses/"+month+"/") {
				t.Fatalf("%s holds %s of %s", d.ID, r.ID, r.At)
			}
		}
		// 200 a month over 16 buckets: 12.5 on average.
		if len(items) > 40 || len(d.Items) > 4<<10 {
			t.Errorf("%s holds %d responses in %d bytes, want at most 40 in 4 KiB", d.ID, len(items), len(d.Items))
		}
		counted += len(items)
		used++
	}
	if counted != n || used < months*8 {
		t.Errorf("%d responses in %d documents, want %d in at least %d", counted, used, n, months*8)
	}
}

// A data folder of the version before months keeps its events: Open moves
// them from <kind>/<n> to their months, and a re-sent event is not doubled.
func TestOldLedgerLayoutMigrates(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	s := storetest.OpenConfig(t, cfg)
	opened := time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC)
	old := map[string]any{
		"tickets/3":   []store.Ticket{{ID: "t1", Account: "acme", Opened: opened}, {ID: "t2", Account: "acme", Opened: opened, Escalated: true}},
		"responses/0": []store.Response{{ID: "r1", Account: "acme", Kind: store.SurveyNPS, Score: 9, At: opened}},
		"revenue/15":  []store.RevenueEvent{{ID: "e1", Account: "acme", Type: store.RevenueNew, ARR: 5000, At: opened}},
	}
	raw := rawLedger(t, s, cfg)
	for id, items := range old {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(items); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "v", Value: int64(1)}, {Key: "items", Value: buf.Bytes()}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = storetest.OpenConfig(t, cfg)

	tickets, err := s.Tickets(ctx)
	if err != nil || len(tickets) != 2 {
		t.Fatalf("tickets after the upgrade = %v (%v), want t1 and t2", tickets, err)
	}
	responses, err := s.Responses(ctx)
	if err != nil || len(responses) != 1 {
		t.Fatalf("responses after the upgrade = %v (%v), want r1", responses, err)
	}
	revenue, err := s.RevenueEvents(ctx)
	if err != nil || len(revenue) != 1 || revenue[0].ARR != 5000 {
		t.Fatalf("revenue after the upgrade = %v (%v), want e1 of 5,000", revenue, err)
	}
	// The old documents are gone, so nothing is read twice.
	raw = rawLedger(t, s, cfg)
	if n, err := raw.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: []string{"tickets/3", "responses/0", "revenue/15"}}}}}); err != nil || n != 0 {
		t.Errorf("%d old documents left (%v), want 0", n, err)
	}
	// t1 closes on a new date in the next month: it moves, counted once.
	closed := opened.AddDate(0, 0, 5)
	if _, err := s.PutTickets(ctx, []store.Ticket{{ID: "t1", Account: "acme", Opened: opened.AddDate(0, 0, 3), Closed: &closed}}); err != nil {
		t.Fatal(err)
	}
	if tickets, err = s.Tickets(ctx); err != nil || len(tickets) != 2 {
		t.Errorf("tickets after moving t1 = %v (%v), want 2", tickets, err)
	}
}
