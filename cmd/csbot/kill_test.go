package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// Environment of a sender child process (TestOutboxSenderChild).
const (
	childStoreURI = "CSBOT_TEST_CHILD_STORE_URI"
	childDB       = "CSBOT_TEST_CHILD_DB"
	childSlack    = "CSBOT_TEST_CHILD_SLACK"
	childOwner    = "CSBOT_TEST_CHILD_OWNER"
	childLease    = "CSBOT_TEST_CHILD_LEASE"
)

// TestOutboxSenderChild is the sender process of TestKill9: it delivers the
// shared outbox to the parent's fake Slack until nothing is left to send.
// Run on its own it does nothing.
func TestOutboxSenderChild(t *testing.T) {
	uri := os.Getenv(childStoreURI)
	if uri == "" {
		t.Skip("the sender process of TestKill9")
	}
	ctx := context.Background()
	lease, err := time.ParseDuration(os.Getenv(childLease))
	if err != nil {
		t.Fatal(err)
	}
	st, err := mongostore.Open(ctx, mongostore.Config{URI: uri, Database: os.Getenv(childDB)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	d := slackDelivery(st, os.Getenv(childSlack), os.Getenv(childOwner), lease)
	for {
		if _, err := d.Run(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		// Left: items claimed by a sender that died (or is still at work).
		due, err := st.OutboxDue(ctx, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
		time.Sleep(lease / 4)
	}
}

// kill -9 between a platform accepting a message and the outbox marking it:
// over many runs, sender processes are killed at random points, half the
// time right after the fake Slack accepted a part (before it answers), and
// restarted; every part must end up posted exactly once. Two processes
// claim at once on MongoDB (MONGODB_URI); on the embedded store, whose
// filtered updates are not atomic across processes, one at a time.
func TestKill9(t *testing.T) {
	if os.Getenv(childStoreURI) != "" {
		t.Skip("inside a sender process")
	}
	ctx := context.Background()
	cfg := storetest.Config(t)
	st := storetest.OpenConfig(t, cfg)
	uri, procs, lease := st.EmbeddedURI(), 1, 100*time.Millisecond
	if uri == "" {
		uri, procs, lease = cfg.URI, 2, time.Second
	} else {
		t.Log("embedded store: one sender process at a time; set MONGODB_URI for two at once")
	}
	runs, items, parts := 100, 2, 2
	if testing.Short() {
		runs = 20
	}
	leads := saveSlackMembers(t, st, items)
	fake := newOutboxSlack(t)
	k := &killer{}
	fake.accepted = func(r *http.Request, _ slackPost) {
		if k.maybeKill(0.3) {
			// The sender is dead before any answer, if it was the one
			// killed (with two, it may be the other).
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}
	}
	env := append(os.Environ(), childStoreURI+"="+uri, childDB+"="+cfg.Database,
		childSlack+"="+fake.srv.URL, childLease+"="+lease.String())
	kills := 0
	for run := range runs {
		now := time.Now()
		var ids []string
		for _, lead := range leads {
			ids = append(ids, queueDigest(t, st, fmt.Sprintf("run%d", run), lead, parts, now))
		}
		k.start(2) // kills allowed this run: progress is sure after them
		deadline := time.Now().Add(30 * time.Second)
		exited := make(chan error, 16)
		live, started := 0, 0
		for {
			if !allSent(ctx, t, st, ids) {
				for ; live < procs; live++ {
					started++
					cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxSenderChild$", "-test.count=1")
					cmd.Env = append(env, fmt.Sprintf("%s=child-%d-%d", childOwner, run, started))
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					k.add(cmd.Process)
					if rand.N(2) == 0 { // or at a random moment
						time.AfterFunc(rand.N(100*time.Millisecond), func() { k.maybeKill(1) })
					}
					go func() {
						err := cmd.Wait()
						k.remove(cmd.Process)
						exited <- err
					}()
				}
			} else if live == 0 {
				break
			}
			select {
			case <-exited:
				live--
			case <-time.After(time.Until(deadline)):
				t.Fatalf("run %d: not delivered after 30s", run)
			}
		}
		kills += k.done()
		tried, posted := fake.counts()
		for _, id := range ids {
			for p := 1; p <= parts; p++ {
				key := fmt.Sprintf("%s#%d", id, p)
				if posted[key] != 1 {
					t.Errorf("run %d: %s posted %d times (tried %d), want once", run, key, posted[key], tried[key])
				}
			}
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d runs, %d messages of %d parts, %d sender processes killed: every part posted once", runs, runs*items, parts, kills)
}

func allSent(ctx context.Context, t *testing.T, st *mongostore.Store, ids []string) bool {
	t.Helper()
	for _, id := range ids {
		it, err := st.Outbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if it.Status != store.StatusSent {
			return false
		}
	}
	return true
}

// killer SIGKILLs live sender processes, a limited number per run.
type killer struct {
	mu     sync.Mutex
	live   []*os.Process
	budget int
	killed int
}

func (k *killer) start(budget int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.budget, k.killed = budget, 0
}

// done returns how many processes were killed in the run.
func (k *killer) done() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.budget = 0
	return k.killed
}

func (k *killer) add(p *os.Process) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.live = append(k.live, p)
}

func (k *killer) remove(p *os.Process) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, q := range k.live {
		if q == p {
			k.live = append(k.live[:i], k.live[i+1:]...)
			return
		}
	}
}

// maybeKill kills a random live process with probability p, within the
// run's budget, and reports whether it did.
func (k *killer) maybeKill(p float64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.budget == 0 || len(k.live) == 0 || rand.Float64() >= p {
		return false
	}
	k.budget--
	k.killed++
	return k.live[rand.N(len(k.live))].Kill() == nil
}
