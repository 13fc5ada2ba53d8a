package playbooks

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/csbot/csbot/store"
)

// A panicking or failing job must not stop the other jobs of the table.
func TestJobsRunIsolated(t *testing.T) {
	start := time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	var good atomic.Int32
	var actor atomic.Value
	ran := make(chan string, 10)
	jobs := []Job{
		{Name: "panics", When: gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(0, 5, 0))), Run: func(context.Context) error {
			ran <- "panics"
			panic("boom")
		}},
		{Name: "fails", When: gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(0, 5, 0))), Run: func(context.Context) error {
			ran <- "fails"
			return errors.New("nope")
		}},
		{Name: "works", When: gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(0, 5, 0))), Run: func(ctx context.Context) error {
			actor.Store(store.ActorOf(ctx))
			good.Add(1)
			ran <- "works"
			return nil
		}},
	}
	observed := make(chan [2]string, 10)
	observe := func(job, outcome string, _ time.Duration) { observed <- [2]string{job, outcome} }
	s, err := NewScheduler(context.Background(), SchedulerConfig{Location: time.UTC, Clock: clock, Log: slog.New(slog.DiscardHandler), Observe: observe}, jobs)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	// Let the scheduler arm its timers before moving the clock past 00:05.
	if err := clock.BlockUntilContext(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	seen := map[string]bool{}
	for len(seen) < 3 {
		select {
		case name := <-ran:
			seen[name] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("jobs that ran: %v; want all three", seen)
		}
	}
	if good.Load() != 1 {
		t.Errorf("working job ran %d times, want 1", good.Load())
	}
	// What a job writes is audited as the scheduler's, by job.
	if got := actor.Load(); got != (store.Actor{Name: "scheduler", Channel: "works"}) {
		t.Errorf("job's actor = %+v", got)
	}
	outcomes := map[string]string{}
	for len(outcomes) < 3 {
		select {
		case o := <-observed:
			outcomes[o[0]] = o[1]
		case <-time.After(10 * time.Second):
			t.Fatalf("runs observed: %v; want all three", outcomes)
		}
	}
	if want := map[string]string{"panics": "error", "fails": "error", "works": "ok"}; !maps.Equal(outcomes, want) {
		t.Errorf("observed outcomes %v, want %v", outcomes, want)
	}
}
