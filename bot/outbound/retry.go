// Package outbound is csbot's one policy for what it sends: the retries of
// a call to a chat platform (Retrier, RetryAfter), their pacing per key
// after the platform's rate limits (Pacer), and the outbox message every
// producer queues (Message, Enqueue, Prune). The adapters add only what
// differs per platform: how to read a failure, and which limits a call
// counts against.
package outbound

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/csbot/csbot/bot"
)

// The retry policy of one call, the same on every platform.
const (
	// MaxFailures bounds the tries of a call failing with a 5xx or a
	// network error.
	MaxFailures = 5
	// FirstBackoff is the wait after the first such failure; it doubles
	// after each further one (250ms, 500ms, 1s, 2s).
	FirstBackoff = 250 * time.Millisecond
	// MaxRateLimitWaits bounds how often one call waits out a 429.
	MaxRateLimitWaits = 5
	// DefaultRetryAfter is the wait after a 429 that says none.
	DefaultRetryAfter = time.Second
)

// Verdict is what a failed try means for the next one.
type Verdict int

const (
	// Permanent failures (a 4xx, a refused request) end the call.
	Permanent Verdict = iota
	// Transient failures (a 5xx, a network error) are retried with backoff.
	Transient
	// RateLimited failures (a 429) are retried after the wait the
	// platform asked for.
	RateLimited
)

// Turn describes the next try of a call to a platform's pacing.
type Turn struct {
	// Tries is how many tries came before; 0 for the first.
	Tries int
	// Limited says the last try was rate limited, and Hold was told.
	Limited bool
	// Backoff is the wait the last failure asks for before this try.
	Backoff time.Duration
}

// Call is what one platform adds to the policy.
type Call struct {
	// Classify reads a failed try: its verdict and, for RateLimited, the
	// wait the platform asked for (zero or less: DefaultRetryAfter).
	Classify func(err error) (Verdict, time.Duration)
	// Pace returns how long to wait before a try, booking whatever that
	// try uses of the platform's rate limits. Nil waits Turn.Backoff only.
	Pace func(t Turn) time.Duration
	// Hold, when set, is told a 429's wait: the platform then holds back
	// everything the limit applies to (a channel, a webhook), and Pace
	// includes the hold. Without it the call itself waits.
	Hold func(d time.Duration)
	// MaxWait, when set, fails the call rather than wait longer before a
	// try (a Slack trigger_id expires in 3 seconds).
	MaxWait time.Duration
}

// Retrier runs calls under the policy. Its zero value sleeps for real.
type Retrier struct {
	// Sleep waits between tries and must return ctx's error as soon as ctx
	// is done (bot.Sleep when nil); tests record the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Do runs try until it succeeds or the policy gives up, and returns how
// many tries it made and the last error: the try's, ctx's when ctx ended
// the call, or one saying the wait was longer than MaxWait. Every wait ends
// when ctx is done. try must build its request anew each time (a body
// reader is used up by the first).
func (r Retrier) Do(ctx context.Context, c Call, try func(ctx context.Context) error) (tries int, err error) {
	sleep := r.Sleep
	if sleep == nil {
		sleep = bot.Sleep
	}
	// Exact doubling, no jitter: the waits are the policy's, and tests pin them.
	bo := &backoff.ExponentialBackOff{InitialInterval: FirstBackoff, Multiplier: 2, MaxInterval: time.Hour}
	bo.Reset()
	var turn Turn
	failures, limited := 0, 0
	for {
		wait := turn.Backoff
		if c.Pace != nil {
			wait = c.Pace(turn)
		}
		if c.MaxWait > 0 && wait > c.MaxWait {
			return tries, fmt.Errorf("rate limited for %s, longer than the call can wait", wait)
		}
		if wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return tries, err
			}
		}
		if err := ctx.Err(); err != nil {
			return tries, err
		}
		tries++
		err := try(ctx)
		if err == nil {
			return tries, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return tries, ctxErr
		}
		verdict, retryAfter := c.Classify(err)
		turn = Turn{Tries: tries}
		switch verdict {
		case RateLimited:
			limited++
			if limited > MaxRateLimitWaits {
				return tries, err
			}
			if retryAfter <= 0 {
				retryAfter = DefaultRetryAfter
			}
			if c.Hold != nil {
				c.Hold(retryAfter)
				turn.Limited = true
			} else {
				turn.Backoff = retryAfter
			}
		case Transient:
			failures++
			if failures >= MaxFailures {
				return tries, err
			}
			turn.Backoff = bo.NextBackOff()
		default:
			return tries, err
		}
	}
}

// RetryAfter reads an HTTP Retry-After header, in delta-seconds ("120") or
// as an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT") compared with now. It
// returns zero, which Do reads as DefaultRetryAfter, when the header is
// missing, unreadable or already past.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if n, err := strconv.Atoi(h); err == nil {
		return time.Duration(min(max(n, 0), maxSeconds)) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxSeconds keeps a huge Retry-After from overflowing a Duration.
const maxSeconds = int(math.MaxInt64 / time.Second)
