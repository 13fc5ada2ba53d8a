package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// t0 is the tests' "now"; every clock is injected, nothing sleeps.
var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func reminder(account, recipient string) store.OutboxItem {
	return store.OutboxItem{
		Kind: "reminder", Playbook: "high-touch", Step: "weekly-check-in",
		Account: account, Recipient: recipient, Due: t0,
		Payload: `{"text":"check in with ` + account + `"}`,
	}
}

func enqueue(t *testing.T, s *mongostore.Store, it store.OutboxItem) string {
	t.Helper()
	created, err := s.Enqueue(context.Background(), it)
	if err != nil || !created {
		t.Fatalf("Enqueue = %v, %v; want a new item", created, err)
	}
	return store.OutboxID(it.Kind, it.Playbook, it.Step, it.Account, it.Recipient, it.Due)
}

func claim(t *testing.T, s *mongostore.Store, id, owner string, now time.Time, lease time.Duration) (store.OutboxItem, bool) {
	t.Helper()
	it, ok, err := s.ClaimForSend(context.Background(), id, owner, now, lease)
	if err != nil {
		t.Fatalf("ClaimForSend(%s, %s): %v", id, owner, err)
	}
	return it, ok
}

func dueIDs(t *testing.T, s *mongostore.Store, now time.Time) []string {
	t.Helper()
	items, err := s.OutboxDue(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestOutboxID(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct {
		got, want string
	}{
		{store.OutboxID("reminder", "high-touch", "weekly-check-in", "acme", "aiko", t0), "reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25"},
		{store.OutboxID("digest", "", "", "", "#cs-tokyo", t0), "digest////#cs-tokyo/2026-11-25"},
		// The same instant names the same day in any zone.
		{store.OutboxID("reminder", "p", "s", "acme", "aiko", t0.In(tokyo)), "reminder/p/s/acme/aiko/2026-11-25"},
		// Parts cannot run into each other.
		{store.OutboxID("reminder", "a/b", "c", "x%2Fy", "aiko", t0), "reminder/a%2Fb/c/x%252Fy/aiko/2026-11-25"},
	} {
		if tc.got != tc.want {
			t.Errorf("OutboxID = %q, want %q", tc.got, tc.want)
		}
	}
}

func TestEnqueueTwiceKeepsOneItem(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	it := reminder("acme", "aiko")
	id := enqueue(t, s, it)
	again := it
	again.Payload = `{"text":"changed"}`
	if created, err := s.Enqueue(ctx, again); created || err != nil {
		t.Fatalf("second Enqueue = %v, %v; want false, nil", created, err)
	}
	got, err := s.Outbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Payload != it.Payload || got.Status != store.StatusPending || got.Attempts != 0 || !got.Due.Equal(t0) || got.Recipient != "aiko" {
		t.Errorf("stored item = %+v; want the first payload, pending, due %v", got, t0)
	}
	if ids := dueIDs(t, s, t0); len(ids) != 1 || ids[0] != id {
		t.Errorf("OutboxDue = %v, want [%s]", ids, id)
	}
	// Once sent, queueing it again still does nothing.
	claim(t, s, id, "a", t0, time.Minute)
	if err := s.MarkSent(ctx, id, "a", t0); err != nil {
		t.Fatal(err)
	}
	if created, err := s.Enqueue(ctx, it); created || err != nil {
		t.Errorf("Enqueue of a sent item = %v, %v; want false, nil", created, err)
	}
	if got, _ := s.Outbox(ctx, id); got.Status != store.StatusSent || !got.SentAt.Equal(t0) {
		t.Errorf("after re-enqueue: %+v; want still sent at %v", got, t0)
	}
	if ids := dueIDs(t, s, t0.Add(time.Hour)); len(ids) != 0 {
		t.Errorf("OutboxDue after send = %v, want none", ids)
	}
	if _, err := s.Enqueue(ctx, store.OutboxItem{Kind: "reminder"}); err == nil {
		t.Error("Enqueue without a recipient: want an error")
	}
}

// A pending item with a NextTry in the future waits for it.
func TestEnqueueForLater(t *testing.T) {
	s := storetest.Open(t)
	it := reminder("acme", "aiko")
	it.NextTry = t0.Add(time.Hour)
	id := enqueue(t, s, it)
	if ids := dueIDs(t, s, t0); len(ids) != 0 {
		t.Errorf("OutboxDue before NextTry = %v, want none", ids)
	}
	if _, ok := claim(t, s, id, "a", t0, time.Minute); ok {
		t.Error("claimed before NextTry")
	}
	if _, ok := claim(t, s, id, "a", t0.Add(time.Hour), time.Minute); !ok {
		t.Error("not claimed at NextTry")
	}
}

// countWins runs claimers concurrently and returns how many won.
func countWins(t *testing.T, claimers []func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	wins := make(chan bool, len(claimers))
	start := make(chan struct{})
	for _, c := range claimers {
		wg.Go(func() {
			<-start
			ok, err := c()
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		})
	}
	close(start)
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	return n
}

func TestClaimForSendOneOfTwenty(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	var claimers []func() (bool, error)
	for i := range 20 {
		claimers = append(claimers, func() (bool, error) {
			_, ok, err := s.ClaimForSend(ctx, id, fmt.Sprintf("worker-%d", i), t0, time.Minute)
			return ok, err
		})
	}
	if n := countWins(t, claimers); n != 1 {
		t.Fatalf("%d claims won, want exactly 1", n)
	}
	got, err := s.Outbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusSending || got.Attempts != 1 || !got.ClaimedUntil.Equal(t0.Add(time.Minute)) {
		t.Errorf("claimed item = %+v; want sending, 1 attempt, lease to %v", got, t0.Add(time.Minute))
	}
	// A refused claim reports who has it.
	lost, ok := claim(t, s, id, "late", t0.Add(time.Second), time.Minute)
	if ok || lost.Owner != got.Owner || lost.Status != store.StatusSending {
		t.Errorf("late claim = %v, %+v; want refused, showing owner %s", ok, lost, got.Owner)
	}
}

// Two replicas: two stores on one MongoDB, or two owners of the one
// embedded store (which serves a single process).
func TestClaimForSendTwoReplicas(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	a := storetest.OpenConfig(t, cfg)
	b := a
	if cfg.URI != "" {
		var err error
		if b, err = mongostore.Open(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close(ctx) })
	}
	for round := range 5 {
		id := enqueue(t, a, reminder(fmt.Sprintf("acct-%d", round), "aiko"))
		var claimers []func() (bool, error)
		for i := range 10 {
			for name, st := range map[string]*mongostore.Store{"replica-a": a, "replica-b": b} {
				claimers = append(claimers, func() (bool, error) {
					_, ok, err := st.ClaimForSend(ctx, id, fmt.Sprintf("%s-%d", name, i), t0, time.Minute)
					return ok, err
				})
			}
		}
		if n := countWins(t, claimers); n != 1 {
			t.Fatalf("round %d: %d claims won, want exactly 1", round, n)
		}
	}
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	claim(t, s, id, "a", t0, time.Minute)
	if ids := dueIDs(t, s, t0.Add(30*time.Second)); len(ids) != 0 {
		t.Errorf("OutboxDue under a live lease = %v, want none", ids)
	}
	if _, ok := claim(t, s, id, "b", t0.Add(59*time.Second), time.Minute); ok {
		t.Fatal("b claimed under a's live lease")
	}
	if ids := dueIDs(t, s, t0.Add(time.Minute)); len(ids) != 1 {
		t.Errorf("OutboxDue after the lease = %v, want [%s]", ids, id)
	}
	got, ok := claim(t, s, id, "b", t0.Add(time.Minute), time.Minute)
	if !ok || got.Owner != "b" || got.Attempts != 2 {
		t.Fatalf("takeover = %v, %+v; want b's, attempt 2", ok, got)
	}
	if err := s.MarkSent(ctx, id, "a", t0.Add(61*time.Second)); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkSent by the old owner: err = %v, want ErrNotOwner", err)
	}
	if err := s.MarkSent(ctx, id, "b", t0.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim(t, s, id, "c", t0.Add(time.Hour), time.Minute); ok {
		t.Error("a sent item was claimed again")
	}
}

func TestMarkSentByNonOwnerFails(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	if err := s.MarkSent(ctx, id, "a", t0); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkSent of an unclaimed item: err = %v, want ErrNotOwner", err)
	}
	claim(t, s, id, "a", t0, time.Minute)
	if err := s.MarkSent(ctx, id, "b", t0); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkSent by b: err = %v, want ErrNotOwner", err)
	}
	if _, err := s.MarkFailed(ctx, id, "b", t0, errors.New("boom"), 3, nil); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkFailed by b: err = %v, want ErrNotOwner", err)
	}
	if got, _ := s.Outbox(ctx, id); got.Status != store.StatusSending || got.Owner != "a" {
		t.Errorf("after refused marks: %+v; want still a's", got)
	}
	// The owner may still mark it after its lease ran out, if nobody took over.
	if err := s.MarkSent(ctx, id, "a", t0.Add(2*time.Minute)); err != nil {
		t.Errorf("MarkSent by a after its lease: %v", err)
	}
	if err := s.MarkSent(ctx, id, "a", t0.Add(3*time.Minute)); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkSent twice: err = %v, want ErrNotOwner", err)
	}
	if err := s.MarkSent(ctx, "nope", "a", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkSent of a missing item: err = %v, want ErrNotFound", err)
	}
	if _, _, err := s.ClaimForSend(ctx, "nope", "a", t0, time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimForSend of a missing item: err = %v, want ErrNotFound", err)
	}
}

func TestMarkFailedRetriesWithBackoffThenGivesUp(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	other := enqueue(t, s, reminder("globex", "ken"))
	backoff := func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute }
	const maxAttempts = 3
	now := t0
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		got, ok := claim(t, s, id, "a", now, time.Minute)
		if !ok || got.Attempts != attempt {
			t.Fatalf("attempt %d: claim = %v, %+v", attempt, ok, got)
		}
		final, err := s.MarkFailed(ctx, id, "a", now, fmt.Errorf("slack: rate limited (%d)", attempt), maxAttempts, backoff)
		if err != nil {
			t.Fatal(err)
		}
		if want := attempt == maxAttempts; final != want {
			t.Fatalf("attempt %d: final = %v, want %v", attempt, final, want)
		}
		got, err = s.Outbox(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.StatusFailed || got.LastError != fmt.Sprintf("slack: rate limited (%d)", attempt) {
			t.Errorf("attempt %d: %+v; want failed with the error", attempt, got)
		}
		if final {
			break
		}
		next := now.Add(backoff(attempt))
		if !got.NextTry.Equal(next) {
			t.Errorf("attempt %d: NextTry %v, want %v", attempt, got.NextTry, next)
		}
		// Not before NextTry...
		early := next.Add(-time.Second)
		if ids := dueIDs(t, s, early); len(ids) != 1 || ids[0] != other {
			t.Errorf("attempt %d: OutboxDue before NextTry = %v, want only %s", attempt, ids, other)
		}
		if _, ok := claim(t, s, id, "a", early, time.Minute); ok {
			t.Fatalf("attempt %d: claimed before NextTry", attempt)
		}
		// ...then it is due again.
		if ids := dueIDs(t, s, next); len(ids) != 2 {
			t.Errorf("attempt %d: OutboxDue at NextTry = %v, want both items", attempt, ids)
		}
		now = next
	}
	if ids := dueIDs(t, s, now.Add(24*time.Hour)); len(ids) != 1 || ids[0] != other {
		t.Errorf("OutboxDue after the final failure = %v, want only %s", ids, other)
	}
	if _, ok := claim(t, s, id, "b", now.Add(24*time.Hour), time.Minute); ok {
		t.Error("a final failure was claimed again")
	}
	failed, err := s.OutboxFailed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].ID != id || !failed[0].Final || failed[0].Attempts != maxAttempts || failed[0].LastError != "slack: rate limited (3)" {
		t.Errorf("OutboxFailed = %+v; want %s after %d attempts", failed, id, maxAttempts)
	}
}

// A sender that dies between claim and mark: after a restart the item is
// listed again once its lease has run out, and another sender finishes it.
func TestOutboxSurvivesCrash(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	s, err := mongostore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, s, reminder("acme", "aiko"))
	if _, ok := claim(t, s, id, "crashed", t0, 5*time.Minute); !ok {
		t.Fatal("claim refused")
	}
	if err := s.Close(ctx); err != nil { // the crash: no MarkSent
		t.Fatal(err)
	}
	s2 := storetest.OpenConfig(t, cfg)
	if ids := dueIDs(t, s2, t0.Add(time.Minute)); len(ids) != 0 {
		t.Errorf("OutboxDue under the dead sender's lease = %v, want none", ids)
	}
	items, err := s2.OutboxDue(ctx, t0.Add(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != id || items[0].Owner != "crashed" || items[0].Status != store.StatusSending {
		t.Fatalf("OutboxDue after the lease = %+v; want %s, still marked as the crashed sender's", items, id)
	}
	got, ok := claim(t, s2, id, "restarted", t0.Add(5*time.Minute), time.Minute)
	if !ok || got.Attempts != 2 || got.Payload != reminder("acme", "aiko").Payload {
		t.Fatalf("claim after restart = %v, %+v", ok, got)
	}
	if err := s2.MarkSent(ctx, id, "restarted", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ids := dueIDs(t, s2, t0.Add(time.Hour)); len(ids) != 0 {
		t.Errorf("OutboxDue after the send = %v, want none", ids)
	}
}

func TestPruneOutbox(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	sent := enqueue(t, s, reminder("acme", "aiko"))
	pending := enqueue(t, s, reminder("globex", "ken"))
	claim(t, s, sent, "a", t0, time.Minute)
	if err := s.MarkSent(ctx, sent, "a", t0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneOutbox(ctx, t0); n != 0 || err != nil {
		t.Errorf("PruneOutbox(sent time) = %d, %v; want 0", n, err)
	}
	if n, err := s.PruneOutbox(ctx, t0.Add(time.Second)); n != 1 || err != nil {
		t.Errorf("PruneOutbox = %d, %v; want 1", n, err)
	}
	if _, err := s.Outbox(ctx, sent); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("pruned item: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Outbox(ctx, pending); err != nil {
		t.Errorf("pending item pruned: %v", err)
	}
}

// A pruned id is the same occurrence of its message: queueing it again is
// refused, also when it slipped in while the prune ran (ClaimForSend then
// marks it sent instead of sending it). The next occurrence (another due
// day) is new.
func TestPrunedIDIsNotQueuedAgain(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	claim(t, s, id, "a", t0, time.Minute)
	if err := s.MarkSent(ctx, id, "a", t0); err != nil {
		t.Fatal(err)
	}
	later := t0.AddDate(0, 0, 91)
	if n, err := s.PruneOutbox(ctx, later.AddDate(0, 0, -90)); n != 1 || err != nil {
		t.Fatalf("PruneOutbox = %d, %v; want 1", n, err)
	}
	if created, err := s.Enqueue(ctx, reminder("acme", "aiko")); created || err != nil {
		t.Errorf("Enqueue of the pruned occurrence = %v, %v; want false, nil", created, err)
	}
	next := reminder("acme", "aiko")
	next.Due = later
	if created, err := s.Enqueue(ctx, next); !created || err != nil {
		t.Errorf("Enqueue of the next occurrence = %v, %v; want true, nil", created, err)
	}
	// The item queued again between Enqueue's look-up and the prune's
	// delete: it gets in, but is never handed to a sender.
	if err := s.InsertOutboxForTest(ctx, reminder("acme", "aiko"), id); err != nil {
		t.Fatal(err)
	}
	it, won, err := s.ClaimForSend(ctx, id, "b", later, time.Minute)
	if err != nil || won || it.Status != store.StatusSent {
		t.Errorf("ClaimForSend of a pruned id = %s, %v, %v; want sent, not won", it.Status, won, err)
	}
	// A second prune of the same id keeps its tombstone and deletes the copy.
	if n, err := s.PruneOutbox(ctx, later.Add(time.Second)); n != 1 || err != nil {
		t.Errorf("second PruneOutbox = %d, %v; want 1", n, err)
	}
}

// Parts are recorded by the owner only; a takeover after a crash, or a
// failure whose outcome is unknown, marks the item Unsure from the start of
// the attempt that may have posted; recording the part clears it, and a
// definite failure leaves it.
func TestOutboxPartsAndUnsure(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	id := enqueue(t, s, reminder("acme", "aiko"))
	claim(t, s, id, "a", t0, time.Minute)
	if err := s.MarkPartSent(ctx, id, "a", 1, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkPartSent(ctx, id, "b", 2, t0); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("MarkPartSent by a non-owner: err = %v, want ErrNotOwner", err)
	}
	// a dies; b takes the expired lease over.
	t1 := t0.Add(2 * time.Minute)
	it, won := claim(t, s, id, "b", t1, time.Minute)
	if !won || it.PartsSent != 1 || !it.Unsure.Equal(t0) {
		t.Fatalf("takeover: won %v, parts %d, unsure %v; want true, 1, %v", won, it.PartsSent, it.Unsure, t0)
	}
	if err := s.MarkPartSent(ctx, id, "b", 2, t1); err != nil {
		t.Fatal(err)
	}
	if it, _ := s.Outbox(ctx, id); it.PartsSent != 2 || !it.Unsure.IsZero() {
		t.Errorf("after part 2: parts %d, unsure %v; want 2, zero", it.PartsSent, it.Unsure)
	}
	unknown := fmt.Errorf("post: %w: connection reset", store.ErrOutcomeUnknown)
	if _, err := s.MarkFailed(ctx, id, "b", t1, unknown, 5, nil); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(time.Minute)
	if it, _ := claim(t, s, id, "c", t2, time.Minute); !it.Unsure.Equal(t1) {
		t.Errorf("after an unknown outcome: unsure %v, want %v", it.Unsure, t1)
	}
	if _, err := s.MarkFailed(ctx, id, "c", t2, errors.New("channel_not_found"), 5, nil); err != nil {
		t.Fatal(err)
	}
	if it, _ := claim(t, s, id, "d", t2, time.Minute); !it.Unsure.Equal(t1) || it.PartsSent != 2 {
		t.Errorf("after a definite failure: unsure %v, parts %d; want %v, 2", it.Unsure, it.PartsSent, t1)
	}
}
