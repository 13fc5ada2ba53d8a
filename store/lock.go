package store

import (
	"errors"
	"time"
)

// ErrLocked is returned by Locker.Lock when another replica has (or had)
// the run.
var ErrLocked = errors.New("store: locked by another replica")

// DefaultLockLease is the lease of a Locker made with a zero lease.
const DefaultLockLease = 10 * time.Minute

// LockID names the lock document of the run of job key at t.
func LockID(key string, t time.Time) string {
	return key + "/" + t.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z")
}
