package mongostore

import (
	"github.com/csbot/csbot/store"

	"context"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"os"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Locker implements gocron.Locker on the store, so that of several replicas
// sharing a MongoDB only one runs each job run. Each run has its own lock
// document, _id "<job name>/<run slot>", where the slot is the minute the
// run starts (the Locker's clock truncated to the minute, in UTC): gocron
// fires a job when the replica's own clock reaches the scheduled time and
// Lock reads that same clock just after, so replicas agree on the slot even
// when their clocks differ by seconds. A run that is done (unlocked) stays
// locked: a slower replica arriving later in the same minute does not run
// it again. A lock whose lease expired without Unlock (its owner crashed or
// hung) is taken over. Jobs that run more often than once a minute cannot
// use it: their second run in a minute is refused.
type Locker struct {
	s     *Store
	owner string
	lease time.Duration
	now   func() time.Time
}

var _ gocron.Locker = (*Locker)(nil)

// Locker returns a gocron.Locker taking locks as owner (an empty owner gets
// a name of host, process and a random part) for lease (zero:
// DefaultLockLease), which must outlast the longest job run. now is the
// clock; pass the scheduler's (nil: time.Now).
func (s *Store) Locker(owner string, lease time.Duration, now func() time.Time) *Locker {
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:6])
	}
	if lease <= 0 {
		lease = store.DefaultLockLease
	}
	if now == nil {
		now = time.Now
	}
	return &Locker{s: s, owner: owner, lease: lease, now: now}
}

type lockDoc struct {
	ID         string    `bson:"_id"`
	Key        string    `bson:"key"`
	Slot       time.Time `bson:"slot"`
	Owner      string    `bson:"owner"`
	Expires    time.Time `bson:"expires"`
	AcquiredAt time.Time `bson:"acquiredAt"`
	Released   bool      `bson:"released"`
	ReleasedAt time.Time `bson:"releasedAt"`
	// Takeovers counts owners that took the lock over after a lease
	// expired; with Owner and Released it is what a compare-and-swap checks.
	Takeovers int `bson:"takeovers"`
}

// Lock takes the lock of the current run of job key, or fails with an error
// wrapping ErrLocked when another owner holds it or the run is already done.
// Of concurrent callers exactly one succeeds: the first takes it by
// inserting the document (the unique _id decides), a takeover of an expired
// lease is a compare-and-swap. It does not scan.
func (l *Locker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	now := l.now()
	slot := now.UTC().Truncate(time.Minute)
	id := store.LockID(key, now)
	d := lockDoc{ID: id, Key: key, Slot: slot, Owner: l.owner, Expires: store.Millis(now.Add(l.lease)), AcquiredAt: store.Millis(now)}
	_, err := l.s.locks.InsertOne(ctx, d)
	if err == nil {
		return &lock{l: l, id: id}, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return nil, l.s.fail("write locks", err)
	}
	taken, err := l.s.lockTransition(ctx, id, func(d *lockDoc) error {
		if d.Released || d.Expires.After(now) {
			return fmt.Errorf("job %s run %s: %w (%s, until %s)", key, slot.Format(time.RFC3339), store.ErrLocked, d.holder(), d.Expires.Format(time.RFC3339))
		}
		d.Owner, d.Expires, d.AcquiredAt = l.owner, store.Millis(now.Add(l.lease)), store.Millis(now)
		d.Takeovers++
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.s.log.Warn("took over an expired job lock", "lock", id, "owner", l.owner, "takeovers", taken.Takeovers)
	return &lock{l: l, id: id, takeovers: taken.Takeovers}, nil
}

func (d lockDoc) holder() string {
	if d.Released {
		return "done by " + d.Owner
	}
	return "held by " + d.Owner
}

// lock is one held job lock.
type lock struct {
	l         *Locker
	id        string
	takeovers int
}

// Unlock marks the run done. The document stays, so the run is not started
// again in the same slot. It goes through even when ctx is already
// cancelled (gocron passes the job's context, which ends on shutdown), and
// fails with ErrNotOwner when another owner took the lock over meanwhile.
func (k *lock) Unlock(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := k.l.now()
	_, err := k.l.s.lockTransition(ctx, k.id, func(d *lockDoc) error {
		if d.Released || d.Owner != k.l.owner || d.Takeovers != k.takeovers {
			return fmt.Errorf("unlock %s by %s: %w (%s)", k.id, k.l.owner, store.ErrNotOwner, d.holder())
		}
		d.Released, d.ReleasedAt = true, store.Millis(now)
		return nil
	})
	return err
}

// lockTransition is outboxTransition for lock documents.
func (s *Store) lockTransition(ctx context.Context, id string, change func(*lockDoc) error) (lockDoc, error) {
	defer s.casLock("locks", id)()
	for range 20 {
		var old lockDoc
		if err := s.findByID(ctx, s.locks, id, &old); err != nil {
			return old, err
		}
		d := old
		if err := change(&d); err != nil {
			return old, err
		}
		res, err := s.locks.ReplaceOne(ctx, s.casFilter(id, bson.D{
			{Key: "owner", Value: old.Owner},
			{Key: "released", Value: old.Released},
			{Key: "takeovers", Value: old.Takeovers},
		}), d)
		if err != nil {
			return old, s.fail("write locks", err)
		}
		if res.MatchedCount == 1 {
			return d, nil
		}
	}
	return lockDoc{}, fmt.Errorf("write locks %q: too much contention, try again", id)
}

// PruneLocks deletes the lock documents of runs that started before the
// cutoff and reports how many; a past run's document is never read again.
// It scans the locks: run it from a nightly job.
func (s *Store) PruneLocks(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.locks.DeleteMany(ctx, bson.D{{Key: "slot", Value: bson.D{{Key: "$lt", Value: store.Millis(before)}}}})
	if err != nil {
		return 0, s.fail("prune locks", err)
	}
	return res.DeletedCount, nil
}

// casStripes serialise the read-decide-write transitions of outbox items
// and job locks on the embedded store. FerretDB v1 does not apply a filtered
// update atomically (measured: two concurrent compare-and-swap writers both
// succeeded), and its SQLite handler only uses the _id index for a filter on
// _id alone, so on the embedded store a transition reads and writes by _id
// under the stripe of its id instead. That is enough because the embedded
// store serves one process. The stripes are package-level, needing no state
// in Store; stores of one process that share a stripe only wait a little.
var casStripes [64]sync.Mutex

// casLock takes the stripes of documents of a collection on the embedded
// store and returns their unlock; on MongoDB, where the filtered write
// itself is atomic, it does nothing. Stripes are taken in ascending order,
// so two callers locking overlapping sets cannot deadlock.
func (s *Store) casLock(collection string, ids ...string) func() {
	if s.embedded == nil {
		return func() {}
	}
	var take [len(casStripes)]bool
	for _, id := range ids {
		h := fnv.New32a()
		h.Write([]byte(collection))
		h.Write([]byte{0})
		h.Write([]byte(id))
		take[h.Sum32()%uint32(len(casStripes))] = true
	}
	for i, t := range take {
		if t {
			casStripes[i].Lock()
		}
	}
	return func() {
		for i, t := range take {
			if t {
				casStripes[i].Unlock()
			}
		}
	}
}

// casFilter selects document id only while it still has the values in
// expect, on MongoDB. On the embedded store, where casLock already excludes
// other writers, it is the _id alone, the one filter that uses the index.
func (s *Store) casFilter(id string, expect bson.D) bson.D {
	if s.embedded != nil {
		return byID(id)
	}
	return append(byID(id), expect...)
}
