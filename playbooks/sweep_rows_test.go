package playbooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// readCounter is the store, counting the accounts the sweep reads whole.
type readCounter struct {
	*mongostore.Store
	read int
}

func (r *readCounter) Accounts(ctx context.Context, slugs []string) (map[string]store.Account, error) {
	r.read += len(slugs)
	return r.Store.Accounts(ctx, slugs)
}

// The sweep finds from the account index rows of the day exactly what it
// finds from the accounts themselves, reading none of them; rows of another
// day (before the nightly refresh) make it read and assess those accounts.
func TestRemindersFromRows(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	day := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clock := day
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return clock })
	if _, err := demo.SeedIn(ctx, st, engine, "en", day); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedBulk(ctx, st, engine, 300, day); err != nil {
		t.Fatal(err)
	}
	// Every text in English, so that the texts compare.
	members, err := st.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		m.Locale = ""
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	set, err := playbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	book := 0
	if err := st.EachAccount(ctx, func(store.Account) error { book++; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		now      time.Time
		wantRead int
	}{
		{"rows of the day", day.Add(3 * time.Hour), 0},
		{"rows of the day before", day.AddDate(0, 0, 1), book},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock = tt.now
			var want []string
			if err := st.EachAccount(ctx, func(a store.Account) error {
				for _, d := range set.DueSteps(a, engine.Assess(a), tt.now, nil) {
					want = append(want, dueLine(d))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			rc := &readCounter{Store: st}
			msgs, err := playbooks.Reminders(ctx, set, rc, engine, tt.now, "en")
			if err != nil {
				t.Fatal(err)
			}
			// Every due step is counted once, and those listed (a batch
			// lists its first BatchLines) are the steps the accounts give.
			count, cut := 0, false
			var got []string
			for _, m := range msgs {
				count += m.Count
				cut = cut || m.Count > len(m.Dues)
				for _, d := range m.Dues {
					got = append(got, dueLine(d))
				}
			}
			if len(want) == 0 || !cut {
				t.Fatal("no steps due, or no batch longer than a message lists: the test proves less than it says")
			}
			if count != len(want) {
				t.Errorf("the sweep counts %d due steps, the accounts give %d", count, len(want))
			}
			if extra := notIn(got, want); len(extra) > 0 {
				t.Errorf("the sweep lists steps the accounts do not give:\n%s", strings.Join(extra, "\n"))
			}
			if rc.read != tt.wantRead {
				t.Errorf("the sweep read %d accounts, want %d", rc.read, tt.wantRead)
			}
		})
	}
}

func dueLine(d playbooks.Due) string {
	return fmt.Sprintf("%s/%s %s due %s to %s: %s", d.Playbook, d.Step, d.Account, store.Day(d.DueAt), d.To, d.Text)
}

// notIn returns the lines of a that b does not hold (as often).
func notIn(a, b []string) []string {
	left := map[string]int{}
	for _, x := range b {
		left[x]++
	}
	var out []string
	for _, x := range a {
		if left[x] == 0 {
			out = append(out, x)
			continue
		}
		left[x]--
	}
	return out
}
