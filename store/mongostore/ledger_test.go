package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

func TestPutUsageReplayAndChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	day := "2026-03-02"
	rows := []store.Usage{
		{Account: "acme", Day: day, Active: 40, Seats: 50, Adoption: ptr(0.0)},
		{Account: "globex", Day: day, Active: 7, Seats: 10},
		{Account: "acme", Day: "2026-03-03", Active: 41, Seats: 50},
	}
	steps := []struct {
		name        string
		put         []store.Usage
		wantChanged []string
	}{
		{"first", rows, []string{"acme/2026-03-02", "acme/2026-03-03", "globex/2026-03-02"}},
		{"replay", rows, nil},
		{"one changed", []store.Usage{rows[0], {Account: "globex", Day: day, Active: 8, Seats: 10}}, []string{"globex/2026-03-02"}},
		{"adoption unknown is a change", []store.Usage{{Account: "acme", Day: day, Active: 40, Seats: 50}}, []string{"acme/2026-03-02"}},
		{"same key twice: the last wins", []store.Usage{{Account: "acme", Day: day, Active: 1, Seats: 50}, {Account: "acme", Day: day, Active: 40, Seats: 50}}, nil},
	}
	for _, st := range steps {
		changed, err := s.PutUsage(ctx, st.put)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var keys []string
		for _, u := range changed {
			keys = append(keys, u.Key())
		}
		slices.Sort(keys)
		if !slices.Equal(keys, st.wantChanged) {
			t.Errorf("%s: changed %v, want %v", st.name, keys, st.wantChanged)
		}
	}
	got, err := s.UsageOn(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b store.Usage) int { return strings.Compare(a.Account, b.Account) })
	want := []store.Usage{{Account: "acme", Day: day, Active: 40, Seats: 50}, {Account: "globex", Day: day, Active: 8, Seats: 10}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("UsageOn(%s) = %v, want %v", day, got, want)
	}
	if none, err := s.UsageOn(ctx, "2020-01-01"); err != nil || len(none) != 0 {
		t.Errorf("UsageOn(empty day) = %v, %v; want nothing", none, err)
	}
}

func TestUsageKeepsZeroAdoption(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if _, err := s.PutUsage(ctx, []store.Usage{{Account: "acme", Day: "2026-03-02", Active: 0, Seats: 0, Adoption: ptr(0.0)}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.UsageOn(ctx, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Adoption == nil || *got[0].Adoption != 0 {
		t.Fatalf("UsageOn = %+v, want one row with adoption 0 (not unknown)", got)
	}
}

func TestPutEventsReplayAndChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("JST", 9*3600))
	closed := at.Add(48 * time.Hour)

	responses := []store.Response{{ID: "r1", Account: "acme", Kind: store.SurveyNPS, Score: 9, At: at}, {ID: "r2", Account: "acme", Kind: store.SurveyCSAT, Score: 4, At: at}}
	tickets := []store.Ticket{{ID: "t1", Account: "acme", Opened: at}, {ID: "t2", Account: "acme", Opened: at, Escalated: true}}
	revenue := []store.RevenueEvent{{ID: "e1", Account: "acme", Type: store.RevenueNew, ARR: 12000, At: at}}

	tests := []struct {
		name               string
		first, again, edit func() (int, error)
		read               func() (int, error)
		want               int
	}{
		{
			name:  "responses",
			first: func() (int, error) { c, err := s.PutResponses(ctx, responses); return len(c), err },
			again: func() (int, error) { c, err := s.PutResponses(ctx, responses); return len(c), err },
			edit: func() (int, error) {
				c, err := s.PutResponses(ctx, []store.Response{responses[0], {ID: "r2", Account: "acme", Kind: store.SurveyCSAT, Score: 5, At: at}})
				return len(c), err
			},
			read: func() (int, error) { r, err := s.Responses(ctx); return len(r), err },
			want: 2,
		},
		{
			name:  "tickets",
			first: func() (int, error) { c, err := s.PutTickets(ctx, tickets); return len(c), err },
			again: func() (int, error) { c, err := s.PutTickets(ctx, tickets); return len(c), err },
			edit: func() (int, error) {
				c, err := s.PutTickets(ctx, []store.Ticket{{ID: "t1", Account: "acme", Opened: at, Closed: &closed}, tickets[1]})
				return len(c), err
			},
			read: func() (int, error) { r, err := s.Tickets(ctx); return len(r), err },
			want: 2,
		},
		{
			name:  "revenue",
			first: func() (int, error) { c, err := s.PutRevenue(ctx, revenue); return len(c), err },
			again: func() (int, error) { c, err := s.PutRevenue(ctx, revenue); return len(c), err },
			edit: func() (int, error) {
				c, err := s.PutRevenue(ctx, []store.RevenueEvent{{ID: "e1", Account: "acme", Type: store.RevenueNew, ARR: 15000, At: at}})
				return len(c), err
			},
			read: func() (int, error) { r, err := s.RevenueEvents(ctx); return len(r), err },
			want: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []struct {
				name string
				put  func() (int, error)
				want int
			}{{"first", tt.first, tt.want}, {"replay", tt.again, 0}, {"edit", tt.edit, 1}, {"edit replayed", tt.edit, 0}} {
				n, err := step.put()
				if err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				if n != step.want {
					t.Errorf("%s: %d changed, want %d", step.name, n, step.want)
				}
			}
			n, err := tt.read()
			if err != nil || n != tt.want {
				t.Errorf("read back %d items (%v), want %d", n, err, tt.want)
			}
		})
	}

	// Times come back in UTC at millisecond precision, as MongoDB keeps them.
	ts, err := s.Tickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ts, func(a, b store.Ticket) int { return strings.Compare(a.ID, b.ID) })
	if want := at.UTC().Truncate(time.Millisecond); ts[0].Opened != want || ts[0].Closed == nil || !ts[0].Closed.Equal(closed.Truncate(time.Millisecond)) {
		t.Errorf("ticket t1 = %+v, want opened %v and closed %v", ts[0], want, closed)
	}
	if !ts[1].Escalated || ts[1].Closed != nil {
		t.Errorf("ticket t2 = %+v, want open and escalated", ts[1])
	}
}

// Two writers into the same document must both land: the document's
// version (and on the embedded store its lock stripe) makes the second
// merge re-read the first one's items.
func TestLedgerConcurrentWritersBothLand(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	const perWriter = 30
	var wg sync.WaitGroup
	errs := make(chan error, 2*perWriter)
	for w := range 2 {
		wg.Go(func() {
			for i := range perWriter {
				// One item per call, so the two writers interleave on the
				// same usage day and the same tickets documents.
				u := store.Usage{Account: fmt.Sprintf("w%d-%02d", w, i), Day: "2026-03-02", Active: i, Seats: 100}
				if _, err := s.PutUsage(ctx, []store.Usage{u}); err != nil {
					errs <- err
				}
				tk := store.Ticket{ID: fmt.Sprintf("w%d-%02d", w, i), Account: "acme", Opened: time.Now()}
				if _, err := s.PutTickets(ctx, []store.Ticket{tk}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	usage, err := s.UsageOn(ctx, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	tickets, err := s.Tickets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(usage) != 2*perWriter || len(tickets) != 2*perWriter {
		t.Errorf("%d usage rows and %d tickets landed, want %d of each", len(usage), len(tickets), 2*perWriter)
	}
}

func TestPutTouchesReplayAndChange(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2026, 3, 9, 15, 0, 0, 999999, time.FixedZone("JST", 9*3600))
	touches := []store.Touch{
		{ID: "crm-1", Account: "acme", Kind: "meeting", Author: "aiko", Text: "QBR prep", At: at},
		{ID: "crm-2", Account: "acme", Kind: "call", At: at},
	}
	edited := touches[1]
	edited.Text = "renewal call"
	steps := []struct {
		name string
		put  []store.Touch
		want []string
	}{
		{"first", touches, []string{"crm-1", "crm-2"}},
		{"replay", touches, nil},
		{"edited", []store.Touch{touches[0], edited}, []string{"crm-2"}},
		{"same id twice: the last wins", []store.Touch{touches[1], edited}, nil},
	}
	for _, st := range steps {
		changed, err := s.PutTouches(ctx, st.put)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var ids []string
		for _, c := range changed {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, st.want) {
			t.Errorf("%s: changed %v, want %v", st.name, ids, st.want)
		}
	}
}
