package mongostore

import (
	"github.com/csbot/csbot/store"

	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A lease names one holder of something only one replica may do at a time
// for as long as it keeps renewing, e.g. the Discord gateway connection
// (every connection receives every event). Unlike a job Lock it has no run
// slot: the holder renews it before it expires and releases it when done.
type leaseDoc struct {
	ID      string    `bson:"_id"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
	// Version counts changes; the compare-and-swap checks it.
	Version int `bson:"version"`
}

// errLeaseUnchanged tells leaseTransition to leave the document alone.
var errLeaseUnchanged = errors.New("lease unchanged")

// AcquireLease takes lease name for owner until now+ttl, or renews it when
// owner holds it already. It reports false, without error, while another
// owner holds an unexpired lease. Of concurrent callers at most one gets
// true: the first takes it by inserting the document (the unique _id
// decides), later changes are a compare-and-swap on the version. It reads
// and writes by _id only.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if owner == "" || ttl <= 0 {
		return false, fmt.Errorf("acquire lease %q: an owner and a positive ttl are required", name)
	}
	expires := store.Millis(now.Add(ttl))
	_, err := s.leases.InsertOne(ctx, leaseDoc{ID: name, Owner: owner, Expires: expires, Version: 1})
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, s.fail("write leases", err)
	}
	err = s.leaseTransition(ctx, name, func(d *leaseDoc) error {
		if d.Owner != owner && d.Owner != "" && d.Expires.After(now) {
			return errLeaseUnchanged
		}
		d.Owner, d.Expires = owner, expires
		return nil
	})
	if errors.Is(err, errLeaseUnchanged) {
		return false, nil
	}
	return err == nil, err
}

// ReleaseLease gives lease name up when owner holds it, so another replica
// can take it at once instead of waiting for it to expire. Releasing a
// lease held by another owner, or one that does not exist, changes nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	err := s.leaseTransition(ctx, name, func(d *leaseDoc) error {
		if d.Owner != owner {
			return errLeaseUnchanged
		}
		d.Owner, d.Expires = "", time.Time{}
		return nil
	})
	if errors.Is(err, errLeaseUnchanged) || errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// leaseTransition is lockTransition for lease documents; change returns
// errLeaseUnchanged to leave the document as it is.
func (s *Store) leaseTransition(ctx context.Context, name string, change func(*leaseDoc) error) error {
	defer s.casLock("leases", name)()
	for range 20 {
		var old leaseDoc
		if err := s.findByID(ctx, s.leases, name, &old); err != nil {
			return err
		}
		d := old
		if err := change(&d); err != nil {
			return err
		}
		d.Version++
		res, err := s.leases.ReplaceOne(ctx, s.casFilter(name, bson.D{{Key: "version", Value: old.Version}}), d)
		if err != nil {
			return s.fail("write leases", err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("write leases %q: too much contention, try again", name)
}
