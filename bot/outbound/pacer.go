package outbound

import (
	"sync"
	"time"

	"github.com/csbot/csbot/store"
)

// Limit is one rate limit a try counts against.
type Limit struct {
	// Key names what the limit applies to: a channel, a webhook, a method.
	// A 429 holds back a key (Pacer.Hold).
	Key string
	// Every is the gap between two tries. Zero: the key is never paced,
	// only held.
	Every time.Duration
	// Burst is how many tries may go at once before the gap applies; 0 or
	// 1 spaces every try.
	Burst int
	// EachTry makes every try wait for and take a slot of its own, a
	// retry after a failure too: a limit that counts calls (Slack's method
	// tiers). Otherwise a retry after a failure keeps its first try's
	// place, so a message keeps its place among its channel's: it waits
	// its backoff only, and pushes the key's next slot to a gap after it.
	EachTry bool
}

// Pacer keeps the rate limits and the 429 holds of a platform's keys, for
// a Call's Pace and Hold hooks. A key's rate is a GCRA (the token bucket
// told as one "next slot" time): exact to the nanosecond, which the
// adapters' tests pin, and it books a try that starts later than now (a
// backoff, a hold, another key's slot) where it starts. Safe for
// concurrent use; the zero value is ready and reads time.Now.
type Pacer struct {
	// Now is the pacer's clock (time.Now when nil); tests move it on.
	Now func() time.Time

	mu       sync.Mutex
	keys     map[string]*paced
	bookings int
}

// paced is the state of one key.
type paced struct {
	// next is when the key's next slot is due; the burst before it is
	// free (GCRA's theoretical arrival time).
	next time.Time
	// hold is when a 429's Retry-After ends: no try goes before it.
	hold time.Time
}

// sweepEvery is how many bookings pass between sweeps of idle keys.
const sweepEvery = 256

// Book returns how long to wait before the try t describes, and books the
// slot that try takes of each limit. Every try waits out its backoff and
// the holds of its keys; a first try, or one after a 429 (whose hold it
// then waits out in turn), also waits for each limit's next slot, and a
// retry after a failure does so for EachTry limits only. Slots are booked
// under the lock and waited out without it, so concurrent senders queue
// without blocking each other's bookkeeping. A key may be listed twice
// (once with Every zero, as what a 429 holds).
func (p *Pacer) Book(t Turn, limits ...Limit) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.bookings++
	if p.bookings%sweepEvery == 0 {
		p.sweep(now)
	}
	queue := t.Tries == 0 || t.Limited
	start := now.Add(t.Backoff)
	for _, l := range limits {
		k := p.keys[l.Key]
		if k == nil {
			continue
		}
		start = store.Later(start, k.hold)
		if l.Every > 0 && (queue || l.EachTry) {
			start = store.Later(start, k.next.Add(-l.Every*time.Duration(max(l.Burst, 1)-1)))
		}
	}
	for _, l := range limits {
		if l.Every <= 0 {
			continue
		}
		k := p.key(l.Key)
		if queue || l.EachTry {
			k.next = store.Later(k.next, start).Add(l.Every)
		} else {
			k.next = store.Later(k.next, start.Add(l.Every))
		}
	}
	return start.Sub(now)
}

// Hold makes every try with key wait d from now. A shorter hold does not
// end a longer one.
func (p *Pacer) Hold(key string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.key(key)
	k.hold = store.Later(k.hold, p.now().Add(d))
}

func (p *Pacer) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// key returns the state of key, adding it. Called with mu held.
func (p *Pacer) key(key string) *paced {
	if p.keys == nil {
		p.keys = map[string]*paced{}
	}
	k := p.keys[key]
	if k == nil {
		k = &paced{}
		p.keys[key] = k
	}
	return k
}

// sweep drops the keys whose slots and holds are all past: a fresh key
// paces the same. Called with mu held.
func (p *Pacer) sweep(now time.Time) {
	for key, k := range p.keys {
		if !k.next.After(now) && !k.hold.After(now) {
			delete(p.keys, key)
		}
	}
}
