package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// slowSlack is a fake Slack Web API whose users.info and chat.postMessage
// take a while, so a test can stop csbot while a command or a send is in
// flight.
type slowSlack struct {
	delay time.Duration
	mu    sync.Mutex
	posts []string // channel of each chat.postMessage that completed
	// started receives the method of each slow call as it begins.
	started chan string
}

func (f *slowSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "users.info", "chat.postMessage":
		select {
		case f.started <- method:
		default:
		}
		time.Sleep(f.delay)
	}
	switch method {
	case "users.info":
		io.WriteString(w, `{"ok":true,"user":{"id":"U0DEMO01","is_restricted":false}}`)
	case "conversations.open":
		io.WriteString(w, `{"ok":true,"channel":{"id":"D0AIKO"}}`)
	case "chat.postMessage":
		f.mu.Lock()
		f.posts = append(f.posts, r.Form.Get("channel"))
		f.mu.Unlock()
		io.WriteString(w, `{"ok":true,"channel":"D0AIKO","ts":"1.2"}`)
	default:
		io.WriteString(w, `{"ok":true}`)
	}
}

func (f *slowSlack) postCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func signedSlashCommand(t *testing.T, addr, secret, text, responseURL string) *http.Request {
	t.Helper()
	body := url.Values{"command": {"/cs"}, "text": {text}, "user_id": {"U0DEMO01"}, "response_url": {responseURL}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req, err := http.NewRequest("POST", "http://"+addr+"/slack/commands", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

// SIGTERM while a slash command is being answered and while a digest is
// being sent: the command still gets its answer, the digest goes out once
// and is marked sent, so a restart does not send it again.
func TestServeShutdownFinishesInFlightWork(t *testing.T) {
	fake := &slowSlack{delay: 700 * time.Millisecond, started: make(chan string, 16)}
	api := httptest.NewServer(fake)
	defer api.Close()
	addr := freeAddr(t)
	getenv := testEnv(t, map[string]string{
		"CSBOT_DATA_DIR": t.TempDir(), "CSBOT_ADDR": addr, "CSBOT_SHUTDOWN_GRACE": "10s",
		"SLACK_SIGNING_SECRET": "shh", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": api.URL + "/api/",
	})
	if out, err := runCmd(t, getenv, "", "seed", "demo"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// A digest waiting in the outbox: serve sends it at start.
	o := optionsFromEnv(getenv)
	a, err := openApp(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	m := outbound.Message{Kind: "digest", Playbook: "churn-risk", Step: "tokyo", Recipient: "aiko", Due: now, Reply: bot.Reply{Title: "Churn-risk digest"}}
	if _, err := outbound.Enqueue(context.Background(), a.store, m); err != nil {
		t.Fatal(err)
	}
	id := store.OutboxID("digest", "churn-risk", "tokyo", "", "aiko", now)
	a.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard, getenv) }()
	// The digest's send begins.
	select {
	case m := <-fake.started:
		if m != "chat.postMessage" {
			t.Fatalf("first slow call %s, want the digest's chat.postMessage", m)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve never started sending the queued digest")
	}
	// A slash command arrives; its guest check is slow, so it is in flight
	// when SIGTERM comes.
	type answer struct {
		code int
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(signedSlashCommand(t, addr, "shh", "whoami", api.URL+"/respond"))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{code: resp.StatusCode, body: string(b)}
	}()
	select {
	case <-fake.started: // users.info of the command
	case <-time.After(10 * time.Second):
		t.Fatal("the slash command never reached csbot")
	}
	cancel() // SIGTERM
	got := <-answered
	if got.err != nil || got.code != 200 || !strings.Contains(got.body, "Aiko Tanaka") {
		t.Errorf("command in flight at SIGTERM: %d %q %v; want its answer", got.code, got.body, got.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	if n := fake.postCount(); n != 1 {
		t.Errorf("digest posted %d times, want once", n)
	}
	a, err = openApp(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	it, err := a.store.Outbox(context.Background(), id)
	if err != nil || it.Status != store.StatusSent {
		t.Errorf("digest after shutdown: status %q (err %v), want sent", it.Status, err)
	}
}

// /readyz says no while shutting down and while an adapter is not
// connected, and yes again when it reconnects.
func TestReadinessFollowsAdapters(t *testing.T) {
	a := newTestApp(t)
	var mu sync.Mutex
	connected := false
	a.readiness = []platform{{ready: func() error {
		mu.Lock()
		defer mu.Unlock()
		if !connected {
			return errors.New("slack socket mode not connected")
		}
		return nil
	}}}
	srv := httptest.NewServer(a.httpHandler())
	defer srv.Close()
	ready := func() (int, string) {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body["reason"]
	}
	if code, reason := ready(); code != 503 || reason != "slack socket mode not connected" {
		t.Errorf("adapter down: %d %q", code, reason)
	}
	mu.Lock()
	connected = true
	mu.Unlock()
	if code, reason := ready(); code != 200 {
		t.Errorf("adapter up: %d %q", code, reason)
	}
	a.draining.Store(true)
	if code, reason := ready(); code != 503 || reason != "shutting down" {
		t.Errorf("draining: %d %q", code, reason)
	}
}

// proxy forwards TCP connections to a database server's Unix socket
// (backend is its path); stop cuts every connection and stops listening,
// start listens again on the same address: the database going away and
// coming back, as the driver sees it.
type proxy struct {
	t       *testing.T
	addr    string
	backend string
	mu      sync.Mutex
	ln      net.Listener
	conns   []net.Conn
}

func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("unix", p.backend)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(b, c); b.Close() }()
			go func() { _, _ = io.Copy(c, b); c.Close() }()
		}
	}()
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// /readyz follows the database: 503 while it is unreachable, 200 once it
// answers again, without a restart of csbot.
func TestReadinessFollowsTheStore(t *testing.T) {
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("runs against an embedded store it can cut off")
	}
	db := storetest.Open(t)
	// The URI holds the socket path, escaped, as its host.
	host, _ := strings.CutPrefix(db.EmbeddedURI(), "mongodb://")
	sock, err := url.PathUnescape(strings.TrimSuffix(host, "/"))
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: "127.0.0.1:0", backend: sock}
	p.start()
	defer p.stop()
	o := optionsFromEnv(testEnv(t, map[string]string{}))
	o.MongoURI = "mongodb://" + p.addr + "/?serverSelectionTimeoutMS=1000"
	a, err := openApp(context.Background(), o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.httpHandler())
	defer srv.Close()
	ready := func() int {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor := func(want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for got := ready(); got != want; got = ready() {
			if time.Now().After(deadline) {
				t.Fatalf("/readyz = %d for 30 s, want %d", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor(200)
	p.stop() // the database goes away
	waitFor(503)
	p.start() // and comes back on the same address
	waitFor(200)
}
