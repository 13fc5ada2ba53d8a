package teams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/google/go-cmp/cmp"
)

// fakeClock moves on at once when the client sleeps, recording the waits.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func newTestWorkflows(t *testing.T) (*workflows, *fakeClock, *bytes.Buffer) {
	var logs bytes.Buffer
	clock := &fakeClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	w := newWorkflows(&http.Client{Timeout: 5 * time.Second}, slog.New(slog.NewTextHandler(&logs, nil)))
	w.sleep, w.now = clock.Sleep, clock.Now
	return w, clock, &logs
}

func TestWorkflowsPost(t *testing.T) {
	card := message(render(i18n.English, healthReply(), "csbot", nil)[0])
	tests := []struct {
		name   string
		script []scripted
		// wantErr is in the error (empty: success); wantSleeps the waits.
		wantErr    string
		wantSleeps []time.Duration
		wantPosts  int
	}{
		{"accepted", nil, "", nil, 1},
		{"429 then accepted", []scripted{{status: 429, retryAfter: "7"}}, "", []time.Duration{7 * time.Second}, 1},
		{"429 with a date", []scripted{{status: 429, retryAfter: "Wed, 25 Nov 2026 09:00:30 GMT"}}, "", []time.Duration{30 * time.Second}, 1},
		{"429 without Retry-After", []scripted{{status: 429}}, "", []time.Duration{time.Second}, 1},
		{"5xx then accepted", []scripted{{status: 502}, {status: 503}}, "", []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, 1},
		{"5xx exhausted", []scripted{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}}, "HTTP 500",
			[]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}, 0},
		{"429 for too long", []scripted{{status: 429, retryAfter: "3600"}}, "HTTP 429", nil, 0},
		{"bad request is final", []scripted{{status: 400, body: `{"error":{"code":"InvalidRequestContent","message":"The input body for trigger 'manual' of type 'Request' must be of type JSON"}}`}},
			"InvalidRequestContent The input body", nil, 0},
		{"deleted flow is final", []scripted{{status: 404, body: "<html><body>Not found</body></html>"}}, "HTTP 404 Not Found", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWorkflows(t)
			f.script = tc.script
			w, clock, logs := newTestWorkflows(t)
			err := w.post(context.Background(), f.url("tokyo"), "tokyo", card)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("post: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrDeliveryFailed)):
				t.Fatalf("post = %v, want ErrDeliveryFailed with %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantSleeps, clock.sleeps); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			got := f.received()
			if len(got) != tc.wantPosts {
				t.Fatalf("%d cards posted, want %d", len(got), tc.wantPosts)
			}
			if len(got) == 1 {
				if diff := cmp.Diff(string(mustJSON(card)), f.raw[0]); diff != "" {
					t.Errorf("posted body (-want +got):\n%s", diff)
				}
				c := got[0].Attachments[0]
				if got[0].Type != "message" || c.ContentType != "application/vnd.microsoft.card.adaptive" || c.Content.Type != "AdaptiveCard" || c.Content.Version != "1.4" {
					t.Errorf("posted activity is not a message with an Adaptive Card: %+v", got[0])
				}
			}
			if all := fmt.Sprint(err) + logs.String(); strings.Contains(all, "SECRETSIG") || strings.Contains(all, f.srv.URL) {
				t.Errorf("the webhook URL leaked into the error or logs:\n%v\n%s", err, logs)
			}
		})
	}
}

// A webhook nobody answers is retried, then fails without naming its URL.
func TestWorkflowsNetworkFailure(t *testing.T) {
	f := newFakeWorkflows(t)
	u := f.url("osaka")
	f.srv.Close()
	w, clock, logs := newTestWorkflows(t)
	err := w.post(context.Background(), u, "osaka", Activity{Type: "message"})
	if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "team osaka") {
		t.Fatalf("post = %v, want ErrDeliveryFailed naming the team", err)
	}
	// outbound.MaxFailures tries, with the backoffs between them.
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	if diff := cmp.Diff(want, clock.sleeps); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if all := err.Error() + logs.String(); strings.Contains(all, "SECRETSIG") || strings.Contains(all, "/workflows/") {
		t.Errorf("the webhook URL leaked:\n%v\n%s", err, logs)
	}
}

// A 429 holds back every post to that webhook, not only the one refused;
// other webhooks go on.
func TestWorkflowsRateLimitHoldsTheWebhook(t *testing.T) {
	f := newFakeWorkflows(t)
	f.script = []scripted{{status: 429, retryAfter: "10"}}
	w, clock, _ := newTestWorkflows(t)
	ctx := context.Background()
	if err := w.post(ctx, f.url("tokyo"), "tokyo", Activity{Type: "message"}); err != nil {
		t.Fatal(err)
	}
	if err := w.post(ctx, f.url("tokyo"), "tokyo", Activity{Type: "message"}); err != nil {
		t.Fatal(err)
	}
	if err := w.post(ctx, f.url("osaka"), "osaka", Activity{Type: "message"}); err != nil {
		t.Fatal(err)
	}
	// tokyo: first try at once, retry after 10 s, next post a second
	// later; osaka at once.
	want := []time.Duration{10 * time.Second, time.Second}
	if diff := cmp.Diff(want, clock.sleeps); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestWorkflowsCancelled(t *testing.T) {
	f := newFakeWorkflows(t)
	f.script = []scripted{{status: 503}}
	w, _, _ := newTestWorkflows(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.post(ctx, f.url("tokyo"), "tokyo", Activity{Type: "message"}); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrDeliveryFailed) {
		t.Errorf("post = %v, want a cancelled delivery", err)
	}
}

func TestParseSecrets(t *testing.T) {
	other := "S0zR5a8ORwLFrXwB0yVtQn1qN6mD2hC7yU3pE9kF4gA="
	tests := []struct {
		name, in string
		want     int // keys, when no error
		wantErr  string
	}{
		{"teams token", secret, 1, ""},
		{"pasted with spaces", "  " + secret + "\n", 1, ""},
		{"two teams", secret + ", " + other, 2, ""},
		{"empty", " ", 0, "is empty"},
		{"not base64", "not-a-token!", 0, "token 1 is not base64"},
		{"second too short", secret + ",c2hvcnQ=", 0, "token 2 decodes to 5 bytes"},
		{"trailing comma", secret + ",", 0, "token 2 decodes to 0 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ParseSecrets(tc.in)
			if tc.wantErr == "" {
				if err != nil || len(keys) != tc.want || len(keys[0]) != 32 {
					t.Errorf("ParseSecrets = %d keys, %v; want %d", len(keys), err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseSecrets = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
	if _, err := New(Config{Secret: "c2hvcnQ="}, Deps{}); err == nil {
		t.Error("New accepted a short secret")
	}
}
