package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

const testToken = "xoxb-test-token"

// fakeClock is the client's clock in tests: sleeping records the wait and
// moves the clock on at once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// apiCall is one request the fake Slack received.
type apiCall struct {
	Method string // Web API method, or "response_url"
	Path   string
	At     time.Time // on the fake clock
	Form   url.Values
	JSON   map[string]any
	Auth   string // the Authorization header
	Status int    // what the fake answered
	// File is the file an upload_url received, with its form name.
	File     []byte
	FileName string
}

// fakeReply is a scripted answer; hangup closes the connection instead.
type fakeReply struct {
	status     int
	retryAfter string
	body       string
	hangup     bool
}

// fakeSlack speaks the Slack Web API wire format: form-encoded (or, for
// views.*, JSON) POSTs to /api/<method> authenticated by the bot token
// (slack-go sends it as the "token" form value on form methods and as
// Authorization: Bearer on JSON ones; Slack accepts both), answered with
// JSON {"ok":...}. /hooks/... stands in for response_urls, /upload/...
// for the upload URLs of files.getUploadURLExternal (multipart POSTs).
type fakeSlack struct {
	t     *testing.T
	clock *fakeClock
	srv   *httptest.Server

	mu     sync.Mutex
	calls  []apiCall
	script map[string][]fakeReply
}

func newFakeSlack(t *testing.T, clock *fakeClock) *fakeSlack {
	f := &fakeSlack{t: t, clock: clock, script: map[string][]fakeReply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Script queues answers for a method; unscripted calls get the default.
func (f *fakeSlack) Script(method string, replies ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[method] = append(f.script[method], replies...)
}

func (f *fakeSlack) Calls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	c := apiCall{Path: r.URL.Path, At: f.clock.Now(), Auth: r.Header.Get("Authorization")}
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		c.Method = strings.TrimPrefix(r.URL.Path, "/api/")
	case strings.HasPrefix(r.URL.Path, "/hooks/"):
		c.Method = "response_url"
	case strings.HasPrefix(r.URL.Path, "/upload/"):
		c.Method = "upload_url"
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		f.t.Errorf("%s: method %s, want POST", c.Method, r.Method)
	}
	switch ct := r.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/json"):
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &c.JSON); err != nil {
			f.t.Errorf("%s: body is not JSON: %v", c.Method, err)
		}
	case strings.HasPrefix(ct, "multipart/form-data"):
		file, hdr, err := r.FormFile("file")
		if err != nil {
			f.t.Errorf("%s: no file in the multipart body: %v", c.Method, err)
			break
		}
		c.File, _ = io.ReadAll(file)
		c.FileName = hdr.Filename
	default:
		if err := r.ParseForm(); err != nil {
			f.t.Errorf("%s: body is not a form: %v", c.Method, err)
		}
		c.Form = r.PostForm
	}

	f.mu.Lock()
	var reply fakeReply
	scripted := false
	if q := f.script[c.Method]; len(q) > 0 {
		reply, f.script[c.Method], scripted = q[0], q[1:], true
	}
	f.mu.Unlock()

	if !scripted {
		reply = f.defaultReply(c)
	}
	if c.Method != "response_url" && c.Auth != "Bearer "+testToken && c.Form.Get("token") != testToken {
		reply = fakeReply{body: `{"ok":false,"error":"not_authed"}`}
	}
	if c.Method == "response_url" && (c.Auth != "" || strings.Contains(fmt.Sprint(c.JSON), testToken)) {
		f.t.Errorf("the bot token was sent to a response_url")
	}
	if reply.status == 0 {
		reply.status = http.StatusOK
	}
	c.Status = reply.status
	if reply.hangup {
		c.Status = -1
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()

	if reply.hangup {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
		return
	}
	if reply.retryAfter != "" {
		w.Header().Set("Retry-After", reply.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(reply.status)
	io.WriteString(w, reply.body)
}

func (f *fakeSlack) defaultReply(c apiCall) fakeReply {
	switch c.Method {
	case "chat.postMessage":
		return fakeReply{body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":"1700000000.000100"}`, c.Form.Get("channel"))}
	case "chat.update":
		return fakeReply{body: fmt.Sprintf(`{"ok":true,"channel":%q,"ts":%q,"text":%q}`, c.Form.Get("channel"), c.Form.Get("ts"), c.Form.Get("text"))}
	case "conversations.open":
		return fakeReply{body: `{"ok":true,"channel":{"id":"D1"}}`}
	case "users.info":
		u := c.Form.Get("user")
		switch u {
		case "U1":
			return fakeReply{body: `{"ok":true,"user":{"id":"U1","is_restricted":true}}`}
		case "U3":
			return fakeReply{body: `{"ok":true,"user":{"id":"U3","is_restricted":false,"is_ultra_restricted":true}}`}
		case "UNONE":
			return fakeReply{body: `{"ok":false,"error":"user_not_found"}`}
		}
		return fakeReply{body: fmt.Sprintf(`{"ok":true,"user":{"id":%q}}`, u)}
	case "views.open":
		return fakeReply{body: `{"ok":true,"view":{"id":"V1"}}`}
	case "auth.test":
		return fakeReply{body: `{"ok":true,"user_id":"UBOT","team_id":"T1","bot_id":"B1"}`}
	case "response_url":
		return fakeReply{body: `{"ok":true}`}
	case "files.getUploadURLExternal":
		return fakeReply{body: fmt.Sprintf(`{"ok":true,"upload_url":%q,"file_id":"F1"}`, f.srv.URL+"/upload/v1/F1")}
	case "upload_url":
		return fakeReply{body: fmt.Sprintf("OK - %d", len(c.File))}
	case "files.completeUploadExternal":
		return fakeReply{body: `{"ok":true,"files":[{"id":"F1","title":"chart"}]}`}
	}
	return fakeReply{body: `{"ok":false,"error":"unknown_method"}`}
}

type testEnv struct {
	clock  *fakeClock
	slack  *fakeSlack
	client *Client
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestEnv(t *testing.T, opts ...ClientOption) *testEnv {
	t.Helper()
	e := &testEnv{clock: newFakeClock(), logs: &syncBuffer{}}
	e.slack = newFakeSlack(t, e.clock)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// No final "/": NewClient adds it.
	opts = append([]ClientOption{WithSleep(e.clock.Sleep), WithClock(e.clock.Now), WithLogger(log)}, opts...)
	e.client = NewClient(testToken, e.slack.srv.URL+"/api", opts...)
	return e
}

func testBlocks() []slack.Block {
	return []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Acme health", false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Score* 72", false, false), nil, nil),
	}
}

// jsonOf decodes JSON into generic values, for comparing documents.
func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, s)
	}
	return v
}

func marshalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// summary is the part of a call the table tests compare.
type summary struct {
	Method string
	Fields map[string]string
}

func summarize(calls []apiCall, keys ...string) []summary {
	var out []summary
	for _, c := range calls {
		s := summary{Method: c.Method, Fields: map[string]string{}}
		for _, k := range keys {
			if v, ok := c.Form[k]; ok {
				s.Fields[k] = v[0]
			}
		}
		out = append(out, s)
	}
	return out
}

func TestClientNewAPIURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", DefaultAPIURL},
		{"http://fake/api", "http://fake/api/"},
		{"http://fake/api/", "http://fake/api/"},
	} {
		if got := NewClient("x", tc.in).apiURL; got != tc.want {
			t.Errorf("NewClient(%q).apiURL = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClientDM(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	blocks := testBlocks()
	err := e.client.DM(ctx, "U1", Message{Text: "first", Blocks: blocks}, Message{Text: "second"})
	if err != nil {
		t.Fatal(err)
	}
	calls := e.slack.Calls()
	want := []summary{
		{Method: "conversations.open", Fields: map[string]string{"users": "U1"}},
		{Method: "chat.postMessage", Fields: map[string]string{"channel": "D1", "text": "first"}},
		{Method: "chat.postMessage", Fields: map[string]string{"channel": "D1", "text": "second"}},
	}
	if diff := cmp.Diff(want, summarize(calls, "users", "channel", "text")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(jsonOf(t, marshalJSON(t, blocks)), jsonOf(t, calls[1].Form.Get("blocks"))); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	if _, ok := calls[2].Form["blocks"]; ok {
		t.Errorf("a message without blocks sent blocks %q", calls[2].Form.Get("blocks"))
	}
	// Two messages to D1 in a row: the second waited a second.
	if diff := cmp.Diff([]time.Duration{time.Second}, e.clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}

	// The DM channel is remembered.
	if err := e.client.DM(ctx, "U1", Message{Text: "third"}); err != nil {
		t.Fatal(err)
	}
	if got := e.slack.Calls()[3].Method; got != "chat.postMessage" {
		t.Errorf("second DM called %s, want chat.postMessage only", got)
	}

	// A failed open names the user.
	e.slack.Script("conversations.open", fakeReply{body: `{"ok":false,"error":"user_not_found"}`})
	err = e.client.DM(ctx, "U9", Message{Text: "x"})
	if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "U9") || !strings.Contains(err.Error(), "user_not_found") {
		t.Errorf("DM to an unknown user: %v", err)
	}
}

func TestClientSendFields(t *testing.T) {
	blocks := testBlocks()
	blocksJSON := marshalJSON(t, blocks)
	for _, tc := range []struct {
		name   string
		send   func(c *Client) (string, error)
		want   summary
		wantTS string
	}{
		{
			name: "Post",
			send: func(c *Client) (string, error) {
				return c.Post(context.Background(), "C1", Message{Text: "hello", Blocks: blocks})
			},
			want:   summary{Method: "chat.postMessage", Fields: map[string]string{"channel": "C1", "text": "hello", "blocks": blocksJSON}},
			wantTS: "1700000000.000100",
		},
		{
			name: "PostThread",
			send: func(c *Client) (string, error) {
				return c.PostThread(context.Background(), "C2", "1699999999.000200", Message{Text: "in thread"})
			},
			want:   summary{Method: "chat.postMessage", Fields: map[string]string{"channel": "C2", "text": "in thread", "thread_ts": "1699999999.000200"}},
			wantTS: "1700000000.000100",
		},
		{
			name: "Update",
			send: func(c *Client) (string, error) {
				return "", c.Update(context.Background(), "C3", "1699999999.000300", Message{Text: "updated", Blocks: blocks})
			},
			want: summary{Method: "chat.update", Fields: map[string]string{"channel": "C3", "ts": "1699999999.000300", "text": "updated", "blocks": blocksJSON}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			ts, err := tc.send(e.client)
			if err != nil {
				t.Fatal(err)
			}
			if ts != tc.wantTS {
				t.Errorf("ts = %q, want %q", ts, tc.wantTS)
			}
			got := summarize(e.slack.Calls(), "channel", "text", "blocks", "thread_ts", "ts")
			if diff := cmp.Diff([]summary{tc.want}, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeliverRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		replies    []fakeReply
		wantCalls  int
		wantSleeps []time.Duration
		wantErr    []string // substrings; nil = success
	}{
		{
			name:       "429 waits Retry-After",
			replies:    []fakeReply{{status: 429, retryAfter: "7"}},
			wantCalls:  2,
			wantSleeps: []time.Duration{7 * time.Second},
		},
		{
			name:       "5xx backs off",
			replies:    []fakeReply{{status: 500, body: "<html>oops</html>"}, {status: 502}},
			wantCalls:  3,
			wantSleeps: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond},
		},
		{
			name:       "network error backs off",
			replies:    []fakeReply{{hangup: true}},
			wantCalls:  2,
			wantSleeps: []time.Duration{250 * time.Millisecond},
		},
		{
			name:      "permanent error is final",
			replies:   []fakeReply{{body: `{"ok":false,"error":"channel_not_found"}`}},
			wantCalls: 1,
			wantErr:   []string{"chat.postMessage", "C1", "channel_not_found"},
		},
		{
			name:      "not_in_channel is final",
			replies:   []fakeReply{{body: `{"ok":false,"error":"not_in_channel"}`}},
			wantCalls: 1,
			wantErr:   []string{"chat.postMessage", "C1", "not_in_channel"},
		},
		{
			name:       "persistent 500 gives up after 5 tries",
			replies:    []fakeReply{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}},
			wantCalls:  5,
			wantSleeps: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second},
			wantErr:    []string{"chat.postMessage", "C1", "500"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.slack.Script("chat.postMessage", tc.replies...)
			const secret = "the quarterly numbers"
			ts, err := e.client.Post(context.Background(), "C1", Message{Text: secret})
			calls := e.slack.Calls()
			if len(calls) != tc.wantCalls {
				t.Errorf("%d calls, want %d", len(calls), tc.wantCalls)
			}
			delivered := 0
			for _, c := range calls {
				if c.Status == http.StatusOK && c.Method == "chat.postMessage" {
					delivered++
				}
			}
			if diff := cmp.Diff(tc.wantSleeps, e.clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tc.wantErr == nil {
				if err != nil || ts == "" {
					t.Fatalf("Post = %q, %v; want delivered", ts, err)
				}
				if delivered != 1 || calls[len(calls)-1].Status != http.StatusOK {
					t.Errorf("delivered %d times, want once", delivered)
				}
				return
			}
			if !errors.Is(err, ErrDeliveryFailed) {
				t.Fatalf("err = %v, want ErrDeliveryFailed", err)
			}
			logs := e.logs.String()
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
				if !strings.Contains(logs, s) {
					t.Errorf("log %q does not name %q", logs, s)
				}
			}
			if !strings.Contains(logs, "level=WARN") {
				t.Errorf("failure not logged at warn: %q", logs)
			}
			for _, s := range []string{secret, testToken} {
				if strings.Contains(logs, s) || strings.Contains(err.Error(), s) {
					t.Errorf("log or error leaks %q: %q / %q", s, logs, err)
				}
			}
		})
	}
}

func TestDeliverInvalidAuthIsFinal(t *testing.T) {
	e := newTestEnv(t)
	c := NewClient("xoxb-wrong", e.slack.srv.URL+"/api/", WithSleep(e.clock.Sleep), WithClock(e.clock.Now), WithLogger(slog.New(slog.DiscardHandler)))
	_, err := c.Post(context.Background(), "C1", Message{Text: "x"})
	if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "not_authed") {
		t.Errorf("err = %v", err)
	}
	if n := len(e.slack.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "not_authed" {
		t.Errorf("error does not wrap Slack's answer: %#v", err)
	}
}

func TestDeliverContextCancelledDuringRetryAfter(t *testing.T) {
	waiting := make(chan time.Duration, 1)
	block := func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-ctx.Done()
		return ctx.Err()
	}
	e := newTestEnv(t, WithSleep(block))
	e.slack.Script("chat.postMessage", fakeReply{status: 429, retryAfter: "60"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.client.Post(ctx, "C1", Message{Text: "x"})
		done <- err
	}()
	if d := <-waiting; d != time.Minute {
		t.Errorf("waiting %v, want 1m", d)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrDeliveryFailed) {
			t.Errorf("err = %v, want context.Canceled wrapped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Post did not return after cancellation")
	}
	if n := len(e.slack.Calls()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestRateLimitPerChannel(t *testing.T) {
	t.Run("same channel waits", func(t *testing.T) {
		e := newTestEnv(t)
		ctx := context.Background()
		for _, text := range []string{"a", "b", "c"} {
			if _, err := e.client.Post(ctx, "C1", Message{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, e.clock.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		calls := e.slack.Calls()
		for i := 1; i < len(calls); i++ {
			if gap := calls[i].At.Sub(calls[i-1].At); gap < time.Second {
				t.Errorf("messages %d and %d %v apart", i-1, i, gap)
			}
		}
	})
	t.Run("update shares the channel's slot", func(t *testing.T) {
		e := newTestEnv(t)
		ctx := context.Background()
		ts, err := e.client.Post(ctx, "C1", Message{Text: "a"})
		if err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(300 * time.Millisecond)
		if err := e.client.Update(ctx, "C1", ts, Message{Text: "b"}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{700 * time.Millisecond}, e.clock.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
	})
	t.Run("other channels do not wait", func(t *testing.T) {
		e := newTestEnv(t)
		ctx := context.Background()
		for _, ch := range []string{"C1", "C2", "C3"} {
			if _, err := e.client.Post(ctx, ch, Message{Text: "x"}); err != nil {
				t.Fatal(err)
			}
		}
		if s := e.clock.Sleeps(); len(s) != 0 {
			t.Errorf("sleeps %v, want none", s)
		}
	})
	t.Run("after a second no wait", func(t *testing.T) {
		e := newTestEnv(t)
		ctx := context.Background()
		e.client.Post(ctx, "C1", Message{Text: "a"})
		e.clock.Advance(time.Second)
		e.client.Post(ctx, "C1", Message{Text: "b"})
		if s := e.clock.Sleeps(); len(s) != 0 {
			t.Errorf("sleeps %v, want none", s)
		}
	})
	t.Run("429 holds the channel for the next message", func(t *testing.T) {
		e := newTestEnv(t)
		ctx := context.Background()
		e.slack.Script("chat.postMessage", fakeReply{status: 429, retryAfter: "3"})
		if _, err := e.client.Post(ctx, "C1", Message{Text: "a"}); err != nil {
			t.Fatal(err)
		}
		// C2 is not held; C1's next message waits out its second.
		if _, err := e.client.Post(ctx, "C2", Message{Text: "b"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Post(ctx, "C1", Message{Text: "c"}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{3 * time.Second, time.Second}, e.clock.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
	})
}

func TestRateLimitMethodTier(t *testing.T) {
	// chat.update is Tier 3 (50 a minute): 50 go at once, the 51st waits
	// 60s/50 = 1.2s. Each goes to its own channel so only the tier counts.
	e := newTestEnv(t)
	ctx := context.Background()
	for i := range 51 {
		if err := e.client.Update(ctx, fmt.Sprintf("C%d", i), "1.0", Message{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{1200 * time.Millisecond}, e.clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestRateLimitConcurrentSenders(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := fmt.Sprintf("C%d", i%4)
			if _, err := e.client.Post(ctx, ch, Message{Text: "x"}); err != nil {
				t.Error(err)
			}
			if _, err := e.client.IsGuest(ctx, fmt.Sprintf("U%d", i%3)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	posts := 0
	for _, c := range e.slack.Calls() {
		if c.Method == "chat.postMessage" {
			posts++
		}
	}
	if posts != 40 {
		t.Errorf("%d posts, want 40", posts)
	}
}

func TestRespond(t *testing.T) {
	blocks := testBlocks()
	for _, tc := range []struct {
		name      string
		inChannel bool
		msg       Message
		want      string
	}{
		{"ephemeral", false, Message{Text: "only you"}, `{"response_type":"ephemeral","text":"only you","replace_original":false}`},
		{"in_channel", true, Message{Text: "everyone", Blocks: blocks},
			`{"response_type":"in_channel","text":"everyone","replace_original":false,"blocks":` + marshalJSON(t, blocks) + `}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			u := e.slack.srv.URL + "/hooks/commands/T1/123/secretpart"
			if err := e.client.Respond(context.Background(), u, tc.msg, tc.inChannel); err != nil {
				t.Fatal(err)
			}
			calls := e.slack.Calls()
			if len(calls) != 1 || calls[0].Path != "/hooks/commands/T1/123/secretpart" {
				t.Fatalf("calls = %+v", calls)
			}
			if diff := cmp.Diff(jsonOf(t, tc.want), jsonOf(t, marshalJSON(t, calls[0].JSON))); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRespondUseLimit(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	u := e.slack.srv.URL + "/hooks/commands/T1/123/secretpart"
	other := e.slack.srv.URL + "/hooks/commands/T1/124/othersecret"
	for i := range 5 {
		if err := e.client.Respond(ctx, u, Message{Text: fmt.Sprint(i)}, false); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
		e.clock.Advance(time.Minute)
	}
	err := e.client.Respond(ctx, u, Message{Text: "sixth"}, false)
	if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "response_url used 5 times") {
		t.Errorf("6th use: %v", err)
	}
	if n := len(e.slack.Calls()); n != 5 {
		t.Errorf("%d requests, want 5 (the 6th refused without one)", n)
	}
	if strings.Contains(err.Error(), "secretpart") || strings.Contains(e.logs.String(), "secretpart") {
		t.Errorf("the response_url's secret is in the error or log: %v / %s", err, e.logs)
	}
	// Another URL has its own count.
	if err := e.client.Respond(ctx, other, Message{Text: "x"}, false); err != nil {
		t.Errorf("other URL: %v", err)
	}
	// 30 minutes after the first use, one use is free again.
	e.clock.Advance(30*time.Minute - 5*time.Minute)
	if err := e.client.Respond(ctx, u, Message{Text: "later"}, false); err != nil {
		t.Errorf("after the window: %v", err)
	}
	if err := e.client.Respond(ctx, u, Message{Text: "again"}, false); err == nil {
		t.Error("the second use after the window should still be refused")
	}
}

func TestRespondRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		replies    []fakeReply
		wantCalls  int
		wantSleeps []time.Duration
		wantErr    string
	}{
		{"429", []fakeReply{{status: 429, retryAfter: "2"}}, 2, []time.Duration{2 * time.Second}, ""},
		{"5xx", []fakeReply{{status: 503}}, 2, []time.Duration{250 * time.Millisecond}, ""},
		{"expired", []fakeReply{{status: 404, body: "expired_url"}}, 1, nil, "expired_url"},
		{"not ok", []fakeReply{{body: `{"ok":false,"error":"used_url"}`}}, 1, nil, "used_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.slack.Script("response_url", tc.replies...)
			u := e.slack.srv.URL + "/hooks/actions/T1/9/secretpart"
			err := e.client.Respond(context.Background(), u, Message{Text: "x"}, true)
			if n := len(e.slack.Calls()); n != tc.wantCalls {
				t.Errorf("%d requests, want %d", n, tc.wantCalls)
			}
			if diff := cmp.Diff(tc.wantSleeps, e.clock.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want ErrDeliveryFailed naming %s", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "secretpart") {
				t.Errorf("error leaks the response_url: %v", err)
			}
		})
	}
}

func TestGuest(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		user string
		want bool
	}{
		{"U1", true},  // is_restricted: multi-channel guest
		{"U3", true},  // is_ultra_restricted: single-channel guest
		{"U2", false}, // full member
		{"U1", true},  // cached
		{"U2", false}, // cached
	} {
		got, err := e.client.IsGuest(ctx, tc.user)
		if err != nil {
			t.Fatalf("IsGuest(%s): %v", tc.user, err)
		}
		if got != tc.want {
			t.Errorf("IsGuest(%s) = %v, want %v", tc.user, got, tc.want)
		}
	}
	want := []summary{
		{Method: "users.info", Fields: map[string]string{"user": "U1"}},
		{Method: "users.info", Fields: map[string]string{"user": "U3"}},
		{Method: "users.info", Fields: map[string]string{"user": "U2"}},
	}
	if diff := cmp.Diff(want, summarize(e.slack.Calls(), "user")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	// After 10 minutes the answer is asked again.
	e.clock.Advance(10 * time.Minute)
	if _, err := e.client.IsGuest(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.slack.Calls()); n != 4 {
		t.Errorf("%d calls after the cache expired, want 4", n)
	}
	// Errors are not cached and are not delivery failures.
	_, err := e.client.IsGuest(ctx, "UNONE")
	if err == nil || errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "user_not_found") || !strings.Contains(err.Error(), "UNONE") {
		t.Errorf("IsGuest(UNONE) err = %v", err)
	}
}

func TestGuestRetries5xx(t *testing.T) {
	e := newTestEnv(t)
	e.slack.Script("users.info", fakeReply{status: 500})
	got, err := e.client.IsGuest(context.Background(), "U1")
	if err != nil || !got {
		t.Errorf("IsGuest = %v, %v", got, err)
	}
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond}, e.clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestView(t *testing.T) {
	e := newTestEnv(t)
	view := slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Log a touch", false, false),
		CallbackID: "note",
		Blocks:     slack.Blocks{BlockSet: testBlocks()},
	}
	if err := e.client.OpenView(context.Background(), "trigger-123", view); err != nil {
		t.Fatal(err)
	}
	calls := e.slack.Calls()
	if len(calls) != 1 || calls[0].Method != "views.open" {
		t.Fatalf("calls = %+v", calls)
	}
	if calls[0].Auth != "Bearer "+testToken {
		t.Errorf("Authorization = %q", calls[0].Auth)
	}
	want := jsonOf(t, marshalJSON(t, map[string]any{"trigger_id": "trigger-123", "view": view}))
	if diff := cmp.Diff(want, jsonOf(t, marshalJSON(t, calls[0].JSON))); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}

	// A trigger_id lives 3 s: a long Retry-After fails at once.
	e.slack.Script("views.open", fakeReply{status: 429, retryAfter: "30"})
	err := e.client.OpenView(context.Background(), "trigger-456", view)
	if !errors.Is(err, ErrDeliveryFailed) || !strings.Contains(err.Error(), "views.open") {
		t.Errorf("err = %v", err)
	}
	if s := e.clock.Sleeps(); len(s) != 0 {
		t.Errorf("waited %v for an expiring trigger", s)
	}
}

func TestClientAuthTest(t *testing.T) {
	e := newTestEnv(t)
	id, err := e.client.AuthTest(context.Background())
	if err != nil || id != "UBOT" {
		t.Errorf("AuthTest = %q, %v", id, err)
	}
	bad := NewClient("xoxb-wrong", e.slack.srv.URL+"/api/", WithSleep(e.clock.Sleep), WithLogger(slog.New(slog.DiscardHandler)))
	if _, err := bad.AuthTest(context.Background()); err == nil || !strings.Contains(err.Error(), "not_authed") {
		t.Errorf("AuthTest with a bad token: %v", err)
	}
}
