package slack_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// Twenty pairs of signed slash commands, each pair changing one account in
// two ways at once (a playbook start and a new owner), all in flight
// together: every one of the 40 changes is in the store afterwards. Each
// command re-reads and re-decides when it loses a race instead of writing
// back the copy it read.
func TestConcurrentCommandsLoseNoChange(t *testing.T) {
	e := newEnv(t)
	concurrentPairs(t, e, e)
}

// The same through two replicas on one MongoDB database, each command of a
// pair sent to a different one. It needs a real MongoDB: the embedded
// FerretDB serves one process, and its filtered updates are not atomic
// across processes.
func TestConcurrentCommandsOnTwoReplicas(t *testing.T) {
	if os.Getenv("MONGODB_URI") == "" {
		t.Skip("needs MONGODB_URI: two replicas share a MongoDB server")
	}
	cfg := storetest.Config(t)
	a := newEnvOn(t, storetest.OpenConfig(t, cfg))
	b := newEnvOn(t, storetest.OpenConfig(t, cfg))
	concurrentPairs(t, a, b)
}

// concurrentPairs sends each pair's playbook start to one and its owner
// change to other, all at once, and checks every change landed.
func concurrentPairs(t *testing.T, one, other *env) {
	e := one
	ctx := context.Background()
	const pairs = 20
	var accounts []store.Account
	for i := range pairs {
		accounts = append(accounts, store.Account{Slug: fmt.Sprintf("race-%02d", i), Name: fmt.Sprintf("Race %02d", i),
			Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko", Seats: 10, ActiveUsers: 5})
	}
	if err := e.engine.Put(ctx, accounts...); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make(chan int, 2*pairs)
	for _, a := range accounts {
		for i, text := range []string{"playbook start save-plan " + a.Slug, "team assign " + a.Slug + " @sora"} {
			to := []*env{one, other}[i]
			wg.Go(func() {
				code, _ := to.command(t, "U0HIRO", text)
				codes <- code
			})
		}
	}
	wg.Wait()
	// A command slower than Slack's ack window finishes in the background.
	one.app.Wait()
	other.app.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Errorf("a command answered %d", code)
		}
	}
	lost := 0
	for _, want := range accounts {
		a, err := e.st.Account(ctx, want.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if _, started := a.Started("save-plan"); !started {
			t.Errorf("%s: the save-plan start was lost", a.Slug)
			lost++
		}
		if a.Owner != "sora" {
			t.Errorf("%s: owner %q, the change to sora was lost", a.Slug, a.Owner)
			lost++
		}
	}
	t.Logf("%d of %d changes present", 2*pairs-lost, 2*pairs)
}
