package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/outbound"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a pacer's clock that tests set.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t0.Add(d)
}

// pacerStep is one thing done to a pacer at t0+at: a Hold of key for
// holdFor when holdFor is set, else a Book whose wait is want.
type pacerStep struct {
	at      time.Duration
	key     string
	holdFor time.Duration
	turn    outbound.Turn
	limits  []outbound.Limit
	want    time.Duration
}

func TestPacer(t *testing.T) {
	channel := func(key string) outbound.Limit { return outbound.Limit{Key: key, Every: time.Second} }
	tier := outbound.Limit{Key: "tier", Every: 1200 * time.Millisecond, Burst: 3, EachTry: true}
	first := outbound.Turn{}
	retry := outbound.Turn{Tries: 1, Backoff: 250 * time.Millisecond}
	limited := outbound.Turn{Tries: 1, Limited: true}
	C1, C2 := []outbound.Limit{channel("C1")}, []outbound.Limit{channel("C2")}
	book := func(at time.Duration, turn outbound.Turn, limits []outbound.Limit, want time.Duration) pacerStep {
		return pacerStep{at: at, turn: turn, limits: limits, want: want}
	}
	hold := func(at time.Duration, key string, d time.Duration) pacerStep {
		return pacerStep{at: at, key: key, holdFor: d}
	}
	tests := []struct {
		name  string
		steps []pacerStep
	}{
		{"one a second per key", []pacerStep{
			book(0, first, C1, 0), book(0, first, C1, time.Second), book(0, first, C1, 2*time.Second),
			book(2500*time.Millisecond, first, C1, 500*time.Millisecond),
		}},
		{"a free slot does not wait", []pacerStep{
			book(0, first, C1, 0), book(time.Second, first, C1, 0), book(5*time.Second, first, C1, 0),
		}},
		{"a burst, then evenly, then refilled", []pacerStep{
			book(0, first, []outbound.Limit{tier}, 0), book(0, first, []outbound.Limit{tier}, 0),
			book(0, first, []outbound.Limit{tier}, 0), book(0, first, []outbound.Limit{tier}, 1200*time.Millisecond),
			book(0, first, []outbound.Limit{tier}, 2400*time.Millisecond),
			book(time.Minute, first, []outbound.Limit{tier}, 0),
		}},
		{"keys are independent", []pacerStep{
			book(0, first, C1, 0), book(0, first, C2, 0), book(0, first, C1, time.Second),
			book(500*time.Millisecond, first, C2, 500*time.Millisecond),
		}},
		{"a try waits for the latest of its limits", []pacerStep{
			book(0, first, C1, 0), book(0, first, []outbound.Limit{tier}, 0), book(0, first, []outbound.Limit{tier}, 0),
			// C1's slot is 1s away; the tier's next is free.
			book(0, first, []outbound.Limit{channel("C1"), tier}, time.Second),
			// The tier's burst is used up: 1.2s after its first slot.
			book(0, first, []outbound.Limit{channel("C2"), tier}, 1200*time.Millisecond),
			// Both slots were taken: C1 is booked at 1s, so next at 2s.
			book(0, first, C1, 2*time.Second),
		}},
		{"a retry after a failure keeps its place", []pacerStep{
			book(0, first, C1, 0), book(0, retry, C1, 250*time.Millisecond),
			// The next message goes a second after the retry.
			book(0, first, C1, 1250*time.Millisecond),
		}},
		{"a retry of an EachTry limit waits its turn", []pacerStep{
			book(0, first, []outbound.Limit{{Key: "m", Every: time.Second, EachTry: true}}, 0),
			book(0, retry, []outbound.Limit{{Key: "m", Every: time.Second, EachTry: true}}, time.Second),
			book(0, first, []outbound.Limit{{Key: "m", Every: time.Second, EachTry: true}}, 2*time.Second),
		}},
		{"a hold in the future holds every try of the key", []pacerStep{
			hold(0, "C1", 3*time.Second),
			book(0, first, C1, 3*time.Second), book(0, retry, C1, 3*time.Second),
			book(0, first, C2, 0),
			// A key that is only held: no pace, the hold only.
			hold(0, "response_url", 2*time.Second),
			book(500*time.Millisecond, first, []outbound.Limit{{Key: "response_url"}}, 1500*time.Millisecond),
			book(2*time.Second, first, []outbound.Limit{{Key: "response_url"}}, 0),
		}},
		{"after a 429 the retry waits the hold and its turn", []pacerStep{
			book(0, first, C1, 0), book(0, first, C1, time.Second),
			hold(0, "C1", 500*time.Millisecond),
			book(0, limited, C1, 2*time.Second),
			hold(0, "C1", 4*time.Second),
			book(0, limited, C1, 4*time.Second),
			book(0, first, C1, 5*time.Second),
		}},
		{"a shorter hold does not end a longer one", []pacerStep{
			hold(0, "C1", 5*time.Second), hold(time.Second, "C1", time.Second),
			book(time.Second, first, C1, 4*time.Second),
		}},
		{"a past hold is over", []pacerStep{
			hold(0, "C1", time.Second), book(2*time.Second, first, C1, 0),
		}},
		{"a backoff waits on top of a free slot", []pacerStep{
			book(0, retry, C1, 250*time.Millisecond), book(0, first, C1, 1250*time.Millisecond),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{now: t0}
			p := &outbound.Pacer{Now: clk.Now}
			var want, got []time.Duration
			for _, s := range tc.steps {
				clk.set(s.at)
				if s.holdFor > 0 {
					p.Hold(s.key, s.holdFor)
					continue
				}
				want = append(want, s.want)
				got = append(got, p.Book(s.turn, s.limits...))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// Sweeping idle keys forgets no slot nor hold still ahead.
func TestPacerSweepKeepsLiveKeys(t *testing.T) {
	clk := &clock{now: t0}
	p := &outbound.Pacer{Now: clk.Now}
	p.Book(outbound.Turn{}, outbound.Limit{Key: "C1", Every: time.Second})
	p.Hold("C2", 10*time.Second)
	clk.set(500 * time.Millisecond)
	for i := range 1000 { // several sweeps
		p.Book(outbound.Turn{}, outbound.Limit{Key: fmt.Sprint("other ", i), Every: time.Millisecond})
	}
	if d := p.Book(outbound.Turn{}, outbound.Limit{Key: "C1", Every: time.Second}); d != 500*time.Millisecond {
		t.Errorf("C1 waits %v after the sweeps, want 500ms", d)
	}
	if d := p.Book(outbound.Turn{}, outbound.Limit{Key: "C2"}); d != 9500*time.Millisecond {
		t.Errorf("C2 waits %v after the sweeps, want 9.5s", d)
	}
}

// Concurrent senders each get a slot of their own.
func TestPacerConcurrent(t *testing.T) {
	clk := &clock{now: t0}
	p := &outbound.Pacer{Now: clk.Now}
	const n = 50
	waits := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { waits[i] = p.Book(outbound.Turn{}, outbound.Limit{Key: "C1", Every: time.Second}) })
	}
	wg.Wait()
	slices.Sort(waits)
	for i, d := range waits {
		if d != time.Duration(i)*time.Second {
			t.Fatalf("waits %v, want 0s, 1s, … %ds", waits, n-1)
		}
	}
}

// A call waiting for its slot ends when its context does, before its try.
func TestPacerCancelled(t *testing.T) {
	clk := &clock{now: t0}
	p := &outbound.Pacer{Now: clk.Now}
	limit := outbound.Limit{Key: "C1", Every: time.Second}
	p.Book(outbound.Turn{}, limit) // the slot now is taken
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan time.Duration, 1)
	sleep := func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-ctx.Done()
		return ctx.Err()
	}
	done := make(chan error, 1)
	tried := false
	go func() {
		_, err := outbound.Retrier{Sleep: sleep}.Do(ctx, outbound.Call{
			Classify: func(error) (outbound.Verdict, time.Duration) { return outbound.Permanent, 0 },
			Pace:     func(t outbound.Turn) time.Duration { return p.Book(t, limit) },
			Hold:     func(d time.Duration) { p.Hold(limit.Key, d) },
		}, func(context.Context) error { tried = true; return nil })
		done <- err
	}()
	if d := <-waiting; d != time.Second {
		t.Errorf("waiting %v for the slot, want 1s", d)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || tried {
			t.Errorf("Do = %v, tried %v; want context.Canceled before the try", err, tried)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Do did not return after cancellation")
	}
}
