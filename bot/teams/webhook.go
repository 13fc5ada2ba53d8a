package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
)

// ErrDeliveryFailed is wrapped by every error of a Workflows post that did
// not reach Teams, after retries.
var ErrDeliveryFailed = errors.New("teams: delivery failed")

// Limits of Workflows posts.
const (
	// postInterval is the gap between two posts to one webhook. Teams
	// throttles webhooks past 4 requests a second, and Workflows runs flows
	// asynchronously: spacing the posts keeps the parts of a long message
	// in order.
	postInterval = time.Second
	// maxRetryAfter bounds how long one post waits out a 429.
	maxRetryAfter = 5 * time.Minute
)

// workflows posts activities to Workflows webhooks, retried on 429, 5xx
// and network failures and spaced per webhook. Safe for concurrent use.
type workflows struct {
	http  *http.Client
	log   *slog.Logger
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time

	mu sync.Mutex
	// next is, per webhook URL, the earliest time of its next post.
	next map[string]time.Time
}

func newWorkflows(c *http.Client, log *slog.Logger) *workflows {
	return &workflows{http: c, log: log, sleep: bot.Sleep, now: time.Now, next: map[string]time.Time{}}
}

// postError is one failed try: the HTTP status (0 for a network error),
// how long Teams asked to wait (zero: not said), and its reason.
type postError struct {
	status     int
	retryAfter time.Duration
	reason     string
}

func (e *postError) Error() string {
	if e.status == 0 {
		return e.reason
	}
	if e.reason == "" {
		return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.status, http.StatusText(e.status), e.reason)
}

// post delivers one activity to a webhook under the outbound retry
// policy (outbound.Retrier), spaced among the webhook's posts: a try waits
// its turn (a first try, or one after a 429, which holds back the whole
// webhook); a retry after a failure waits its backoff only. A 4xx (a
// deleted or mistyped webhook, a rejected card) fails at once. The URL
// carries a signature, so it appears in no error or log: team names the
// webhook instead.
func (w *workflows) post(ctx context.Context, rawURL, team string, a Activity) error {
	body := mustJSON(a)
	tries, err := outbound.Retrier{Sleep: w.sleep}.Do(ctx, outbound.Call{
		Classify: classify,
		Pace: func(t outbound.Turn) time.Duration {
			return w.book(rawURL, t.Tries == 0 || t.Limited, w.now().Add(t.Backoff))
		},
		// Teams limits the webhook, not this post: hold them all.
		Hold: func(d time.Duration) { w.hold(rawURL, d) },
	}, func(ctx context.Context) error { return w.try(ctx, rawURL, body) })
	if err != nil {
		return w.fail(team, tries, err)
	}
	return nil
}

// classify reads a failed post for the retry policy. A 429 asking for
// more than maxRetryAfter is final: the outbox retries the message later.
func classify(err error) (outbound.Verdict, time.Duration) {
	var pe *postError
	switch {
	case !errors.As(err, &pe):
		return outbound.Permanent, 0
	case pe.status == http.StatusTooManyRequests && pe.retryAfter <= maxRetryAfter:
		return outbound.RateLimited, pe.retryAfter
	case pe.status == 0 || pe.status >= 500:
		return outbound.Transient, 0
	}
	return outbound.Permanent, 0
}

// book returns how long to wait before the next try: not before earliest
// and, when queue is set, not before the webhook's next free slot, which it
// takes. Every try pushes the webhook's next post back by postInterval.
func (w *workflows) book(u string, queue bool, earliest time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	start := latest(now, earliest)
	if queue {
		start = latest(start, w.next[u])
	}
	w.next[u] = latest(w.next[u], start.Add(postInterval))
	for k, t := range w.next { // a few webhooks: drop the idle ones
		if t.Before(now) {
			delete(w.next, k)
		}
	}
	return start.Sub(now)
}

// hold makes every post to u wait d from now.
func (w *workflows) hold(u string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next[u] = latest(w.next[u], w.now().Add(d))
}

func latest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}

// try makes one POST; errors are *postError and never carry the URL.
func (w *workflows) try(ctx context.Context, rawURL string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("the webhook URL is malformed; set it again with `csbot teams webhook`")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the rest of a url.Error is the URL
		}
		return &postError{reason: err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil // Workflows answers 202 Accepted
	}
	return &postError{status: resp.StatusCode, retryAfter: outbound.RetryAfter(resp.Header.Get("Retry-After"), w.now()), reason: reasonOf(raw)}
}

// reasonOf reads Power Automate's error body {"error":{"code","message"}},
// or a short text; an HTML page says nothing the status does not.
func reasonOf(b []byte) string {
	b = bytes.TrimSpace(b)
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(b, &e) == nil && (e.Error.Code != "" || e.Error.Message != "") {
		return strings.TrimSpace(clip(e.Error.Code+" "+e.Error.Message, 300))
	}
	if s := string(b); len(s) <= 200 && !strings.ContainsAny(s, "<\n{") {
		return s
	}
	return ""
}

// fail builds the final error of a post and logs it at warn (cancellation
// at info).
func (w *workflows) fail(team string, tries int, cause error) error {
	attrs := []any{"team", team, "tries", tries, "reason", cause.Error()}
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		w.log.Info("teams post abandoned", attrs...)
	} else {
		w.log.Warn("teams post failed", attrs...)
	}
	return fmt.Errorf("%w: Workflows webhook of team %s: %w", ErrDeliveryFailed, team, cause)
}
