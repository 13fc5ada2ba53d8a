package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// at is a fixed clock.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// noon is 12:00 on the tests' day; runs at noon+seconds share a slot.
var noon = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestLockIDIsThePerMinuteRun(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	if got, want := store.LockID("nightly", noon.Add(59*time.Second).In(tokyo)), "nightly/2026-11-25T12:00Z"; got != want {
		t.Errorf("LockID = %q, want %q", got, want)
	}
}

func TestLockOneOfTwenty(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var claimers []func() (bool, error)
	locked := atomic.Int32{}
	for i := range 20 {
		l := s.Locker(fmt.Sprintf("replica-%d", i), time.Minute, at(noon.Add(time.Duration(i)*time.Second)))
		claimers = append(claimers, func() (bool, error) {
			_, err := l.Lock(ctx, "digest")
			if errors.Is(err, store.ErrLocked) {
				locked.Add(1)
				return false, nil
			}
			return err == nil, err
		})
	}
	if n := countWins(t, claimers); n != 1 {
		t.Fatalf("%d locks taken, want exactly 1", n)
	}
	if locked.Load() != 19 {
		t.Errorf("%d callers got ErrLocked, want 19", locked.Load())
	}
}

func TestUnlockedRunStaysLocked(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	a := s.Locker("a", time.Minute, at(noon.Add(5*time.Second)))
	k, err := a.Lock(ctx, "digest")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	late := noon.Add(40 * time.Second)
	for _, owner := range []string{"a", "b"} {
		if _, err := s.Locker(owner, time.Minute, at(late)).Lock(ctx, "digest"); !errors.Is(err, store.ErrLocked) {
			t.Errorf("%s locking a finished run: err = %v, want ErrLocked", owner, err)
		}
	}
	if _, err := s.Locker("b", time.Minute, at(late)).Lock(ctx, "nightly"); err != nil {
		t.Errorf("another job in the same minute: %v", err)
	}
	next, err := s.Locker("b", time.Minute, at(noon.Add(time.Minute))).Lock(ctx, "digest")
	if err != nil {
		t.Fatalf("next minute's run: %v", err)
	}
	if err := next.Unlock(ctx); err != nil {
		t.Error(err)
	}
	if err := next.Unlock(ctx); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("second Unlock: err = %v, want ErrNotOwner", err)
	}
}

func TestExpiredLockIsTakenOver(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	crashed, err := s.Locker("crashed", 20*time.Second, at(noon.Add(5*time.Second))).Lock(ctx, "digest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Locker("b", time.Minute, at(noon.Add(24*time.Second))).Lock(ctx, "digest"); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("lock under a live lease: err = %v, want ErrLocked", err)
	}
	// The lease ends at 12:00:25; twenty replicas race to take it over.
	var claimers []func() (bool, error)
	var won atomic.Pointer[gocron.Lock]
	for i := range 20 {
		l := s.Locker(fmt.Sprintf("replica-%d", i), 20*time.Second, at(noon.Add(25*time.Second)))
		claimers = append(claimers, func() (bool, error) {
			k, err := l.Lock(ctx, "digest")
			if errors.Is(err, store.ErrLocked) {
				return false, nil
			}
			if err == nil {
				won.Store(&k)
			}
			return err == nil, err
		})
	}
	if n := countWins(t, claimers); n != 1 {
		t.Fatalf("%d takeovers won, want exactly 1", n)
	}
	if err := crashed.Unlock(ctx); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("Unlock by the owner that lost its lease: err = %v, want ErrNotOwner", err)
	}
	if err := (*won.Load()).Unlock(ctx); err != nil {
		t.Errorf("Unlock by the new owner: %v", err)
	}
	if _, err := s.Locker("c", time.Minute, at(noon.Add(59*time.Second))).Lock(ctx, "digest"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("lock after the run finished: err = %v, want ErrLocked", err)
	}
}

func TestUnlockIgnoresCancelledContext(t *testing.T) {
	s := storetest.Open(t)
	k, err := s.Locker("a", time.Minute, at(noon)).Lock(context.Background(), "digest")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // gocron's job context ends on shutdown
	if err := k.Unlock(ctx); err != nil {
		t.Errorf("Unlock with a cancelled context: %v", err)
	}
}

func TestPruneLocks(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	for i := range 3 {
		if _, err := s.Locker("a", time.Minute, at(noon.Add(time.Duration(i)*time.Minute))).Lock(ctx, "digest"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PruneLocks(ctx, noon.Add(2*time.Minute)); n != 2 || err != nil {
		t.Errorf("PruneLocks = %d, %v; want 2", n, err)
	}
	if _, err := s.Locker("b", time.Minute, at(noon.Add(2*time.Minute))).Lock(ctx, "digest"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("the kept run's lock: err = %v, want ErrLocked", err)
	}
}

// signalLocker reports every Lock outcome, so the test knows when both
// schedulers have decided.
type signalLocker struct {
	l    *mongostore.Locker
	done chan error
}

func (s signalLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	k, err := s.l.Lock(ctx, key)
	s.done <- err
	return k, err
}

// Two schedulers with the store's Locker run a shared job once.
func TestLockerWithGocron(t *testing.T) {
	s := storetest.Open(t)
	var runs atomic.Int32
	done := make(chan error, 2)
	var scheds []gocron.Scheduler
	for _, owner := range []string{"replica-a", "replica-b"} {
		sch, err := gocron.NewScheduler(gocron.WithDistributedLocker(signalLocker{s.Locker(owner, time.Minute, at(noon)), done}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = sch.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()),
			gocron.NewTask(func() { runs.Add(1) }), gocron.WithName("digest"))
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, sch)
	}
	for _, sch := range scheds {
		sch.Start()
	}
	var locked int
	for range 2 {
		select {
		case err := <-done:
			if errors.Is(err, store.ErrLocked) {
				locked++
			} else if err != nil {
				t.Error(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the schedulers did not try to lock")
		}
	}
	for _, sch := range scheds {
		if err := sch.Shutdown(); err != nil {
			t.Error(err)
		}
	}
	if runs.Load() != 1 || locked != 1 {
		t.Errorf("job ran %d times with %d lock refusals; want 1 and 1", runs.Load(), locked)
	}
}
