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
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
)

// ErrDeliveryFailed is wrapped by every error of a Workflows post that did
// not reach Teams, after retries.
var ErrDeliveryFailed = errors.New("teams: delivery failed")

// maxRetryAfter bounds how long one post waits out a 429.
const maxRetryAfter = 5 * time.Minute

// webhookLimit spaces the posts to one webhook a second apart. Teams
// throttles webhooks past 4 requests a second, and Workflows runs flows
// asynchronously: spacing the posts keeps the parts of a long message in
// order. A 429 holds back the webhook under the same key.
func webhookLimit(rawURL string) outbound.Limit {
	return outbound.Limit{Key: rawURL, Every: time.Second}
}

// workflows posts activities to Workflows webhooks, retried on 429, 5xx
// and network failures and spaced per webhook. Safe for concurrent use.
type workflows struct {
	http  *http.Client
	log   *slog.Logger
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
	// pacer spaces the posts to each webhook URL and holds a webhook
	// after a 429.
	pacer *outbound.Pacer
}

func newWorkflows(c *http.Client, log *slog.Logger) *workflows {
	w := &workflows{http: c, log: log, sleep: bot.Sleep, now: time.Now}
	// Through w.now, which tests replace.
	w.pacer = &outbound.Pacer{Now: func() time.Time { return w.now() }}
	return w
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
// policy (outbound.Retrier), spaced among the webhook's posts
// (outbound.Pacer): a try waits its turn (a first try, or one after a
// 429, which holds back the whole webhook); a retry after a failure waits
// its backoff, and the hold of the webhook if any. A 4xx (a deleted or
// mistyped webhook, a rejected card) fails at once. The URL
// carries a signature, so it appears in no error or log: team names the
// webhook instead.
func (w *workflows) post(ctx context.Context, rawURL, team string, a Activity) error {
	body := mustJSON(a)
	limit := webhookLimit(rawURL)
	tries, err := outbound.Retrier{Sleep: w.sleep}.Do(ctx, outbound.Call{
		Classify: classify,
		Pace:     func(t outbound.Turn) time.Duration { return w.pacer.Book(t, limit) },
		// Teams limits the webhook, not this post: hold them all.
		Hold: func(d time.Duration) { w.pacer.Hold(limit.Key, d) },
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
