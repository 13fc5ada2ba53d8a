package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/outbound"
)

// answer is one scripted HTTP answer of the test server.
type answer struct {
	status     int
	retryAfter string
}

// server answers POSTs with the script, then 200 OK, and counts them.
type server struct {
	mu     sync.Mutex
	script []answer
	hits   int
	srv    *httptest.Server
}

func newServer(t *testing.T, script ...answer) *server {
	s := &server{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hits++
		if len(s.script) == 0 {
			fmt.Fprint(w, "ok")
			return
		}
		a := s.script[0]
		s.script = s.script[1:]
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// statusError is a non-2xx answer as a platform client reports it.
type statusError struct {
	status     int
	retryAfter time.Duration
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// post is one try: a POST whose failure carries the status and Retry-After.
func post(url string, now time.Time) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			return &statusError{resp.StatusCode, outbound.RetryAfter(resp.Header.Get("Retry-After"), now)}
		}
		return nil
	}
}

func classify(err error) (outbound.Verdict, time.Duration) {
	var se *statusError
	switch {
	case !errors.As(err, &se):
		return outbound.Transient, 0 // a network error
	case se.status == http.StatusTooManyRequests:
		return outbound.RateLimited, se.retryAfter
	case se.status >= 500:
		return outbound.Transient, 0
	}
	return outbound.Permanent, 0
}

// recorder records the waits and returns at once.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return ctx.Err()
}

func TestRetrierDo(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s500 := answer{status: 500}
	tests := []struct {
		name      string
		script    []answer
		wantErr   string // in the error; empty: success
		wantWaits []time.Duration
		wantHits  int
	}{
		{"accepted", nil, "", nil, 1},
		{"429 with delta-seconds", []answer{{429, "7"}}, "", []time.Duration{7 * time.Second}, 2},
		{"429 with an HTTP date", []answer{{429, "Wed, 25 Nov 2026 09:00:30 GMT"}}, "", []time.Duration{30 * time.Second}, 2},
		{"429 with a past date", []answer{{429, "Wed, 25 Nov 2026 08:00:00 GMT"}}, "", []time.Duration{time.Second}, 2},
		{"429 without Retry-After", []answer{{429, ""}}, "", []time.Duration{time.Second}, 2},
		{"429 with garbage", []answer{{429, "soon"}}, "", []time.Duration{time.Second}, 2},
		{"429 six times", []answer{{429, "1"}, {429, "1"}, {429, "1"}, {429, "1"}, {429, "1"}, {429, "1"}}, "HTTP 429",
			[]time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second}, 6},
		{"5xx then success", []answer{{502, ""}, {503, ""}}, "", []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, 3},
		{"5xx exhausted", []answer{s500, s500, s500, s500, s500}, "HTTP 500",
			[]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}, 5},
		{"5xx backoff restarts nothing after a 429", []answer{s500, {429, "3"}, s500}, "",
			[]time.Duration{250 * time.Millisecond, 3 * time.Second, 500 * time.Millisecond}, 4},
		{"permanent 4xx not retried", []answer{{404, ""}}, "HTTP 404", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.script...)
			rec := &recorder{}
			tries, err := outbound.Retrier{Sleep: rec.sleep}.Do(context.Background(), outbound.Call{Classify: classify}, post(s.srv.URL, now))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Do: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Do = %v, want an error with %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantWaits, rec.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if tries != tc.wantHits || s.hits != tc.wantHits {
				t.Errorf("%d tries, server hit %d times; want %d", tries, s.hits, tc.wantHits)
			}
		})
	}
}

// A cancelled context ends the call at the next wait, with ctx's error.
func TestRetrierCancelled(t *testing.T) {
	s := newServer(t, answer{status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	waited := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		waited++
		cancel() // shutdown comes while the call backs off
		return ctx.Err()
	}
	tries, err := outbound.Retrier{Sleep: sleep}.Do(ctx, outbound.Call{Classify: classify}, post(s.srv.URL, time.Now()))
	if !errors.Is(err, context.Canceled) || tries != 1 || waited != 1 || s.hits != 1 {
		t.Errorf("Do = %d tries, %v after %d waits, %d hits; want 1 try, context.Canceled", tries, err, waited, s.hits)
	}

	// Already cancelled: no try at all.
	tries, err = outbound.Retrier{Sleep: sleep}.Do(ctx, outbound.Call{Classify: classify}, post(s.srv.URL, time.Now()))
	if !errors.Is(err, context.Canceled) || tries != 0 || s.hits != 1 {
		t.Errorf("Do(cancelled) = %d tries, %v; want none, context.Canceled", tries, err)
	}
}

// Pacing: the platform's Pace decides each wait and Hold takes the 429's;
// a wait longer than MaxWait fails the call before the try.
func TestRetrierPacing(t *testing.T) {
	s := newServer(t, answer{429, "4"}, answer{500, ""})
	rec := &recorder{}
	var turns []outbound.Turn
	var held []time.Duration
	c := outbound.Call{
		Classify: classify,
		Pace: func(t outbound.Turn) time.Duration {
			turns = append(turns, t)
			return t.Backoff + 100*time.Millisecond // a slot 100 ms away
		},
		Hold: func(d time.Duration) { held = append(held, d) },
	}
	if _, err := (outbound.Retrier{Sleep: rec.sleep}).Do(context.Background(), c, post(s.srv.URL, time.Now())); err != nil {
		t.Fatal(err)
	}
	wantTurns := []outbound.Turn{{}, {Tries: 1, Limited: true}, {Tries: 2, Backoff: 250 * time.Millisecond}}
	if diff := cmp.Diff(wantTurns, turns); diff != "" {
		t.Errorf("turns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{4 * time.Second}, held); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
	want := []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 350 * time.Millisecond}
	if diff := cmp.Diff(want, rec.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	c.MaxWait = 50 * time.Millisecond
	tries, err := outbound.Retrier{Sleep: rec.sleep}.Do(context.Background(), c, post(s.srv.URL, time.Now()))
	if err == nil || !strings.Contains(err.Error(), "longer than the call can wait") || tries != 0 {
		t.Errorf("Do past MaxWait = %d tries, %v; want no try and an error", tries, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"120":                               2 * time.Minute,
		" 3 ":                               3 * time.Second,
		"0":                                 0,
		"-5":                                0,
		"":                                  0,
		"1.5":                               0,
		"Wed, 25 Nov 2026 09:01:00 GMT":     time.Minute,
		"Wednesday, 25-Nov-26 09:00:10 GMT": 10 * time.Second, // RFC 850
		"Wed Nov 25 09:00:05 2026":          5 * time.Second,  // ANSI C
		"Wed, 25 Nov 2026 08:59:00 GMT":     0,
	} {
		if got := outbound.RetryAfter(h, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", h, got, want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "120", "Wed, 25 Nov 2026 09:01:00 GMT", "", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		if d := outbound.RetryAfter(h, now); d < 0 {
			t.Errorf("RetryAfter(%q) = %s, a negative wait", h, d)
		}
	})
}
