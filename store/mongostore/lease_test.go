package mongostore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/csbot/csbot/store/storetest"
)

func TestLeaseOneOfTwenty(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var claimers []func() (bool, error)
	for i := range 20 {
		claimers = append(claimers, func() (bool, error) {
			return s.AcquireLease(ctx, "discord-gateway", fmt.Sprintf("replica-%d", i), time.Minute, noon)
		})
	}
	if n := countWins(t, claimers); n != 1 {
		t.Fatalf("%d replicas hold the lease, want exactly 1", n)
	}
}

// One table walks a lease through its life; each step depends on the last.
func TestLeaseLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	const ttl = 30 * time.Second
	steps := []struct {
		name    string
		owner   string
		at      time.Duration // after noon
		release bool
		want    bool
	}{
		{name: "a takes the free lease", owner: "a", at: 0, want: true},
		{name: "b is refused while a holds it", owner: "b", at: 10 * time.Second, want: false},
		{name: "a renews", owner: "a", at: 20 * time.Second, want: true},
		{name: "b is refused: the renewal moved the expiry to 50s", owner: "b", at: 45 * time.Second, want: false},
		{name: "b takes over once it expired", owner: "b", at: 50 * time.Second, want: true},
		{name: "a, whose lease expired, is refused", owner: "a", at: 60 * time.Second, want: false},
		{name: "a releasing b's lease changes nothing", owner: "a", at: 61 * time.Second, release: true},
		{name: "so c is still refused", owner: "c", at: 62 * time.Second, want: false},
		{name: "b releases", owner: "b", at: 63 * time.Second, release: true},
		{name: "c takes it at once", owner: "c", at: 64 * time.Second, want: true},
	}
	for _, st := range steps {
		if st.release {
			if err := s.ReleaseLease(ctx, "gw", st.owner); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		got, err := s.AcquireLease(ctx, "gw", st.owner, ttl, noon.Add(st.at))
		if err != nil || got != st.want {
			t.Fatalf("%s: AcquireLease = %v, %v; want %v", st.name, got, err, st.want)
		}
	}
	if err := s.ReleaseLease(ctx, "never-taken", "a"); err != nil {
		t.Errorf("releasing a lease nobody took: %v", err)
	}
}

func TestExpiredLeaseTakenOverOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if ok, err := s.AcquireLease(ctx, "gw", "crashed", 20*time.Second, noon); !ok || err != nil {
		t.Fatalf("first acquire = %v, %v", ok, err)
	}
	var claimers []func() (bool, error)
	for i := range 20 {
		claimers = append(claimers, func() (bool, error) {
			return s.AcquireLease(ctx, "gw", fmt.Sprintf("replica-%d", i), 20*time.Second, noon.Add(21*time.Second))
		})
	}
	if n := countWins(t, claimers); n != 1 {
		t.Fatalf("%d replicas took the expired lease over, want exactly 1", n)
	}
}

func TestAcquireLeaseNeedsOwnerAndTTL(t *testing.T) {
	s := storetest.Open(t)
	for _, tc := range []struct {
		owner string
		ttl   time.Duration
	}{{"", time.Minute}, {"a", 0}} {
		if ok, err := s.AcquireLease(context.Background(), "gw", tc.owner, tc.ttl, noon); ok || err == nil {
			t.Errorf("AcquireLease(owner %q, ttl %v) = %v, %v; want an error", tc.owner, tc.ttl, ok, err)
		}
	}
}
