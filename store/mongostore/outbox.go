package mongostore

import (
	"github.com/csbot/csbot/store"

	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The outbox makes every outgoing reminder and digest durable and
// exactly-once per replica set: a message is written first (Enqueue, with a
// deterministic _id, so a re-run of the sweep or a second replica cannot queue
// it twice), then claimed by one sender (ClaimForSend), sent part by part
// (MarkPartSent after each part the platform accepted), and marked sent
// (MarkSent) or failed (MarkFailed, retried with backoff until the last try,
// then left visible by OutboxFailed). A sender that crashes between claim and
// mark leaves a lease that expires; OutboxDue then lists the item again, and
// the retry sends only the parts not yet recorded. The one part whose fate
// a crash or a network failure left unknown is marked Unsure, so that the
// retry looks for it on the platform before posting it again (docs/delivery.md
// says per platform how far that goes).

// Enqueue writes it as pending and reports whether it is new. An item with
// the same id already queued, sent or failed is left alone (false, nil): the
// unique _id decides, atomically on both backends. So is one sent and since
// pruned (see PruneOutbox). An empty ID is computed with OutboxID; status,
// attempts, claim and progress fields are reset; a zero CreatedAt is set to
// the current time. It does not scan.
func (s *Store) Enqueue(ctx context.Context, it store.OutboxItem) (bool, error) {
	if it.ID == "" {
		it.ID = store.OutboxID(it.Kind, it.Playbook, it.Step, it.Account, it.Recipient, it.Due)
	}
	if it.Kind == "" || it.Recipient == "" {
		return false, fmt.Errorf("enqueue %q: kind and recipient are required", it.ID)
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = time.Now()
	}
	if pruned, err := s.pruned(ctx, it.ID); err != nil || pruned {
		return false, err
	}
	it.Status, it.Attempts, it.Final, it.LastError = store.StatusPending, 0, false, ""
	it.Owner, it.ClaimedAt, it.ClaimedUntil, it.SentAt = "", time.Time{}, time.Time{}, time.Time{}
	it.PartsSent, it.Unsure = 0, time.Time{}
	it.Due, it.NextTry, it.CreatedAt = store.Millis(it.Due), store.Millis(it.NextTry), store.Millis(it.CreatedAt)
	it.UpdatedAt = it.CreatedAt
	_, err := s.outbox.InsertOne(ctx, it)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("write outbox", err)
	}
	return true, nil
}

// Outbox reads one item by id. It does not scan.
func (s *Store) Outbox(ctx context.Context, id string) (store.OutboxItem, error) {
	var it store.OutboxItem
	err := s.findByID(ctx, s.outbox, id, &it)
	return it, err
}

// ClaimForSend makes owner the sender of the item until now+lease and counts
// an attempt, if the item is claimable (pending and due, sending under an
// expired lease, or failed-but-retryable with NextTry <= now). Taking over
// an expired lease marks the item Unsure: its sender died, perhaps just
// after the platform accepted a part. An item whose id was pruned (queued
// again while PruneOutbox ran) is marked sent instead of claimed. Of concurrent
// callers exactly one gets true: across replicas on MongoDB (the write is a
// compare-and-swap on status, owner and attempts), and across goroutines on
// the embedded store (which serialises it in process; see casLock). It
// returns the item as claimed, or, when the claim is refused, as it stands
// (e.g. already sent). A missing item is an error wrapping ErrNotFound. It
// does not scan.
func (s *Store) ClaimForSend(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (store.OutboxItem, bool, error) {
	if owner == "" || lease <= 0 {
		return store.OutboxItem{}, false, fmt.Errorf("claim outbox %q: owner and a positive lease are required", id)
	}
	pruned, err := s.pruned(ctx, id)
	if err != nil {
		return store.OutboxItem{}, false, err
	}
	it, err := s.outboxTransition(ctx, id, func(it *store.OutboxItem) error {
		if !it.Claimable(now) {
			return errRefused
		}
		it.UpdatedAt = store.Millis(now)
		if pruned {
			it.Status, it.SentAt, it.LastError = store.StatusSent, store.Millis(now), "not sent again: sent before and pruned"
			return nil
		}
		if it.Status == store.StatusSending && it.Unsure.IsZero() {
			it.Unsure = it.ClaimedAt
		}
		it.Status, it.Owner = store.StatusSending, owner
		it.ClaimedAt, it.ClaimedUntil = store.Millis(now), store.Millis(now.Add(lease))
		it.Attempts++
		return nil
	})
	if errors.Is(err, errRefused) || pruned {
		return it, false, nil
	}
	return it, err == nil, err
}

// MarkPartSent records that the platform accepted the first parts parts of
// the item's message, so that a retry skips them, and clears Unsure: the
// part it was about is settled. It fails with ErrNotOwner unless the item
// is being sent by owner, which stops a sender whose lease was taken over
// from posting more. It does not scan.
func (s *Store) MarkPartSent(ctx context.Context, id, owner string, parts int, now time.Time) error {
	_, err := s.outboxTransition(ctx, id, func(it *store.OutboxItem) error {
		if it.Status != store.StatusSending || it.Owner != owner {
			return fmt.Errorf("record part %d of outbox %q sent by %s: %w (status %s, owner %s)", parts, id, owner, store.ErrNotOwner, it.Status, it.Owner)
		}
		it.PartsSent, it.Unsure = max(it.PartsSent, parts), time.Time{}
		it.UpdatedAt = store.Millis(now)
		return nil
	})
	return err
}

// MarkSent records that owner sent the item. It fails with ErrNotOwner
// unless the item is being sent by owner; a lease that expired without
// another replica taking over is still accepted, since the message did go
// out. It does not scan.
func (s *Store) MarkSent(ctx context.Context, id, owner string, now time.Time) error {
	_, err := s.outboxTransition(ctx, id, func(it *store.OutboxItem) error {
		if it.Status != store.StatusSending || it.Owner != owner {
			return fmt.Errorf("mark outbox %q sent by %s: %w (status %s, owner %s)", id, owner, store.ErrNotOwner, it.Status, it.Owner)
		}
		it.Status, it.SentAt, it.ClaimedUntil, it.LastError = store.StatusSent, store.Millis(now), time.Time{}, ""
		it.UpdatedAt = store.Millis(now)
		return nil
	})
	return err
}

// MarkFailed records that owner's attempt failed with sendErr; one wrapping
// ErrOutcomeUnknown marks the item Unsure. Once the
// item's attempts reach maxAttempts (at least 1) the failure is final:
// OutboxFailed lists it and it is not retried. Otherwise it may be claimed
// again from now+backoff(attempts) (a nil backoff retries at once). It fails
// with ErrNotOwner unless the item is being sent by owner. It does not scan.
func (s *Store) MarkFailed(ctx context.Context, id, owner string, now time.Time, sendErr error, maxAttempts int, backoff func(attempt int) time.Duration) (bool, error) {
	var final bool
	_, err := s.outboxTransition(ctx, id, func(it *store.OutboxItem) error {
		if it.Status != store.StatusSending || it.Owner != owner {
			return fmt.Errorf("mark outbox %q failed by %s: %w (status %s, owner %s)", id, owner, store.ErrNotOwner, it.Status, it.Owner)
		}
		final = it.Attempts >= max(maxAttempts, 1)
		it.Status, it.Final, it.ClaimedUntil = store.StatusFailed, final, time.Time{}
		it.LastError = "unknown error"
		if sendErr != nil {
			it.LastError = sendErr.Error()
		}
		if errors.Is(sendErr, store.ErrOutcomeUnknown) && it.Unsure.IsZero() {
			it.Unsure = it.ClaimedAt
		}
		it.NextTry = time.Time{}
		if !final {
			it.NextTry = store.Millis(now)
			if backoff != nil {
				it.NextTry = store.Millis(now.Add(backoff(it.Attempts)))
			}
		}
		it.UpdatedAt = store.Millis(now)
		return nil
	})
	return final && err == nil, err
}

// errRefused stops a transition that does not apply, without error.
var errRefused = errors.New("transition refused")

// outboxTransition reads the item by _id, lets change decide and edit it,
// and writes it back only if nobody changed it in between. On MongoDB the
// write is a compare-and-swap on the fields every transition changes
// (status, owner, attempts); a lost race reads again and re-decides. On the
// embedded store the whole read-decide-write runs under casLock instead, and
// the write filters on _id alone, the only filter FerretDB's SQLite handler
// pushes down to its index (any other field would decode every document of
// the collection). It returns the item as written, or as read when change
// refused (with change's error).
func (s *Store) outboxTransition(ctx context.Context, id string, change func(*store.OutboxItem) error) (store.OutboxItem, error) {
	defer s.casLock("outbox", id)()
	for range 20 {
		var old store.OutboxItem
		if err := s.findByID(ctx, s.outbox, id, &old); err != nil {
			return old, err
		}
		it := old
		if err := change(&it); err != nil {
			return old, err
		}
		res, err := s.outbox.ReplaceOne(ctx, s.casFilter(id, bson.D{
			{Key: "status", Value: old.Status},
			{Key: "owner", Value: old.Owner},
			{Key: "attempts", Value: old.Attempts},
		}), it)
		if err != nil {
			return old, s.fail("write outbox", err)
		}
		if res.MatchedCount == 1 {
			return it, nil
		}
	}
	return store.OutboxItem{}, fmt.Errorf("write outbox %q: too much contention, try again", id)
}

// OutboxDue lists the items a sender should claim at now: pending and due,
// sending under an expired lease (a crashed sender), and failed-but-retryable
// with NextTry <= now, ordered by due time. It scans the outbox (on the
// embedded store every document is decoded), so it belongs in a background
// sweep, not on a command's path.
func (s *Store) OutboxDue(ctx context.Context, now time.Time) ([]store.OutboxItem, error) {
	items, err := s.outboxWhere(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{store.StatusPending, store.StatusSending, store.StatusFailed}}}},
		{Key: "final", Value: false},
	})
	items = slices.DeleteFunc(items, func(it store.OutboxItem) bool { return !it.Claimable(now) })
	slices.SortFunc(items, func(a, b store.OutboxItem) int {
		return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.ID, b.ID))
	})
	return items, err
}

// OutboxFailed lists the items that failed for good, newest failure first,
// for `/cs status`. It scans the outbox: keep it to admin commands and
// background jobs.
func (s *Store) OutboxFailed(ctx context.Context) ([]store.OutboxItem, error) {
	items, err := s.outboxWhere(ctx, bson.D{{Key: "status", Value: store.StatusFailed}, {Key: "final", Value: true}})
	slices.SortFunc(items, func(a, b store.OutboxItem) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), strings.Compare(a.ID, b.ID))
	})
	return items, err
}

func (s *Store) outboxWhere(ctx context.Context, filter bson.D) ([]store.OutboxItem, error) {
	cur, err := s.outbox.Find(ctx, filter)
	if err != nil {
		return nil, s.fail("read outbox", err)
	}
	var out []store.OutboxItem
	if err := cur.All(ctx, &out); err != nil {
		return nil, s.fail("read outbox", err)
	}
	return out, nil
}

// PruneOutbox deletes items sent before the cutoff and reports how many.
// It keeps each one's id as a tombstone in outbox_pruned, and Enqueue and
// ClaimForSend refuse an id found there: an id names one occurrence of a
// message (OutboxID ends with its due day), and a producer may produce an
// old occurrence again long after it went out (a cadence reminder on an
// account nobody touched keeps its due day for months), so no horizon is
// safe to forget it at. The tombstones are therefore kept for good; each
// is an id and a date, about 100 bytes, read only by _id. Pruning still
// pays: it drops the payloads and keeps the outbox, which OutboxDue scans,
// small. Tombstones are written before the items are deleted, so an id
// queued again at that moment is caught by ClaimForSend. It scans the
// outbox: run it from a nightly job.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	filter := bson.D{
		{Key: "status", Value: store.StatusSent},
		{Key: "sentAt", Value: bson.D{{Key: "$lt", Value: store.Millis(before)}}},
	}
	cur, err := s.outbox.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "sentAt", Value: 1}}))
	if err != nil {
		return 0, s.fail("prune outbox", err)
	}
	var old []prunedDoc
	if err := cur.All(ctx, &old); err != nil {
		return 0, s.fail("prune outbox", err)
	}
	var n int64
	for chunk := range slices.Chunk(old, 500) {
		docs := make([]any, len(chunk))
		ids := make(bson.A, len(chunk))
		for i, d := range chunk {
			docs[i], ids[i] = d, d.ID
		}
		// Unordered: a tombstone left by an interrupted prune is a
		// duplicate key, and the rest must still be written.
		_, err := s.tombstones().InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !onlyDuplicates(err) {
			return n, s.fail("write outbox tombstones", err)
		}
		res, err := s.outbox.DeleteMany(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, filter...))
		if err != nil {
			return n, s.fail("prune outbox", err)
		}
		n += res.DeletedCount
	}
	return n, nil
}

// prunedDoc is the tombstone of a pruned outbox item.
type prunedDoc struct {
	ID     string    `bson:"_id"`
	SentAt time.Time `bson:"sentAt"`
}

// tombstones is the collection of pruned outbox ids; it needs no index but
// _id's, so it is made on first write instead of at start-up.
func (s *Store) tombstones() *mongo.Collection { return s.db.Collection("outbox_pruned") }

// pruned reports whether id was sent and pruned.
func (s *Store) pruned(ctx context.Context, id string) (bool, error) {
	err := s.findByID(ctx, s.tombstones(), id, &prunedDoc{})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
