package bot

import (
	"context"
	"sync"
	"time"
)

// LocalClaims records signed requests served by this process, so that a
// replay is refused: the replay guard of a single process, which is what
// the embedded store allows (one process per data folder). It costs no
// database write per request (an insert a request held csbot to the
// embedded store's thousand or so writes a second). A request signed
// before the process started is refused too, since the claims of the
// process before it are gone: after a restart, Slack's users retry.
type LocalClaims struct {
	start  time.Time
	window time.Duration
	mu     sync.Mutex
	seen   map[string]time.Time
	pruned time.Time
}

// NewLocalClaims remembers claims for window (the age past which a signed
// request is refused anyway), refusing requests signed before start.
func NewLocalClaims(start time.Time, window time.Duration) *LocalClaims {
	return &LocalClaims{start: start, window: window, seen: map[string]time.Time{}}
}

// Claim reports whether id, signed at signed, is served for the first time.
func (c *LocalClaims) Claim(_ context.Context, id string, signed time.Time) (bool, error) {
	if signed.Before(c.start.Truncate(time.Second)) {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[id]; ok {
		return false, nil
	}
	// Forget claims past the window, once a window: a signed request older
	// than that is refused before it gets here.
	if signed.Sub(c.pruned) > c.window {
		for k, at := range c.seen {
			if signed.Sub(at) > 2*c.window {
				delete(c.seen, k)
			}
		}
		c.pruned = signed
	}
	c.seen[id] = signed
	return true, nil
}
