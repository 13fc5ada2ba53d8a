package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	slackbot "github.com/csbot/csbot/bot/slack"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

const outboxSlackToken = "xoxb-outbox-test"

// slackPost is a chat.postMessage the fake Slack received, with the
// outbox tag of its metadata.
type slackPost struct {
	Channel, Outbox string
	Part            int
	TS              string
}

func (p slackPost) key() string { return fmt.Sprintf("%s#%d", p.Outbox, p.Part) }

// outboxSlack speaks the Slack Web API calls of outbox delivery, in Slack's
// wire format (form-encoded POSTs to /api/<method>, JSON answers):
// conversations.open, chat.postMessage (keeping its metadata) and
// conversations.history (answering from the posts it kept, with their
// metadata when include_all_metadata=1, newer than oldest).
type outboxSlack struct {
	srv *httptest.Server

	mu        sync.Mutex
	tried     map[string]int // chat.postMessage requests per outbox#part
	posted    []slackPost    // the posts Slack accepted
	histories int
	// answer, when set, decides a post's fate by its try: "ok", "refuse"
	// (ok:false, not posted) or "hangup" (posted, then the connection is
	// closed before the answer).
	answer func(p slackPost, try int) string
	// accepted, when set, runs after a post was accepted, before the
	// answer is written.
	accepted func(r *http.Request, p slackPost)
}

func newOutboxSlack(t testing.TB) *outboxSlack {
	f := &outboxSlack{tried: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *outboxSlack) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := r.ParseForm(); err != nil || r.PostForm.Get("token") != outboxSlackToken {
		io.WriteString(w, `{"ok":false,"error":"not_authed"}`)
		return
	}
	switch r.URL.Path {
	case "/api/conversations.open":
		fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, r.PostForm.Get("users"))
	case "/api/chat.postMessage":
		f.post(w, r)
	case "/api/conversations.history":
		f.history(w, r)
	default:
		io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

func (f *outboxSlack) post(w http.ResponseWriter, r *http.Request) {
	var md struct {
		EventType string `json:"event_type"`
		Payload   struct {
			Outbox string `json:"outbox_id"`
			Part   int    `json:"part"`
		} `json:"event_payload"`
	}
	if m := r.PostForm.Get("metadata"); m != "" {
		if err := json.Unmarshal([]byte(m), &md); err != nil || md.EventType != "csbot_outbox" {
			io.WriteString(w, `{"ok":false,"error":"invalid_metadata_format"}`)
			return
		}
	}
	p := slackPost{Channel: r.PostForm.Get("channel"), Outbox: md.Payload.Outbox, Part: md.Payload.Part}
	f.mu.Lock()
	f.tried[p.key()]++
	how := "ok"
	if f.answer != nil {
		how = f.answer(p, f.tried[p.key()])
	}
	if how != "refuse" {
		now := time.Now()
		p.TS = fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
		f.posted = append(f.posted, p)
	}
	accepted := f.accepted
	f.mu.Unlock()
	switch how {
	case "refuse":
		io.WriteString(w, `{"ok":false,"error":"internal_error"}`)
		return
	case "hangup":
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if accepted != nil {
		accepted(r, p)
	}
	fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, p.Channel, p.TS)
}

func (f *outboxSlack) history(w http.ResponseWriter, r *http.Request) {
	oldest, _ := strconv.ParseFloat(r.PostForm.Get("oldest"), 64)
	withMeta := r.PostForm.Get("include_all_metadata") == "1"
	type msg struct {
		Type     string         `json:"type"`
		TS       string         `json:"ts"`
		Metadata map[string]any `json:"metadata,omitempty"`
	}
	msgs := []msg{}
	f.mu.Lock()
	f.histories++
	for _, p := range slices.Backward(f.posted) { // newest first, as Slack answers
		ts, _ := strconv.ParseFloat(p.TS, 64)
		if p.Channel != r.PostForm.Get("channel") || ts <= oldest {
			continue
		}
		m := msg{Type: "message", TS: p.TS}
		if withMeta && p.Outbox != "" {
			m.Metadata = map[string]any{"event_type": "csbot_outbox", "event_payload": map[string]any{"outbox_id": p.Outbox, "part": p.Part}}
		}
		msgs = append(msgs, m)
	}
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": msgs, "has_more": false})
}

// counts returns how often each outbox#part was tried and posted.
func (f *outboxSlack) counts() (tried, posted map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	posted = map[string]int{}
	for _, p := range f.posted {
		posted[p.key()]++
	}
	return maps.Clone(f.tried), posted
}

// slackDelivery is csbot serve's delivery with Slack as its one platform;
// Slack's pacing and backoff waits are skipped.
func slackDelivery(st *mongostore.Store, apiURL, owner string, lease time.Duration) *playbooks.Delivery {
	log := slog.New(slog.DiscardHandler)
	client := slackbot.NewClient(outboxSlackToken, apiURL+"/api/", slackbot.WithLogger(log),
		slackbot.WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	app := slackbot.NewApp(slackbot.Deps{Client: client, Store: st, Claims: st, Log: log})
	return &playbooks.Delivery{Store: st, Send: sender([]platform{{Adapter: app}}, st, log),
		Owner: owner, Lease: lease, Log: log}
}

// queueDigest queues a digest for member that Slack shows as parts
// messages, under name, and returns its outbox id.
func queueDigest(t testing.TB, st *mongostore.Store, name, member string, parts int, now time.Time) string {
	t.Helper()
	r := bot.Reply{Title: "Churn-risk digest " + name}
	for i := range (parts-1)*50 + 10 { // about 49 sections fill a Slack message
		r.Sections = append(r.Sections, bot.Section{Title: fmt.Sprintf("Account %d", i), Lines: []string{"score 41, down 12 this week"}})
	}
	if n := len(slackbot.Render(r)); n != parts {
		t.Fatalf("the digest renders as %d Slack messages, want %d", n, parts)
	}
	payload, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	id := store.OutboxID("digest", name, "", "", member, now)
	if _, err := st.Enqueue(context.Background(), store.OutboxItem{ID: id, Kind: "digest", Playbook: name,
		Recipient: member, Due: now, Payload: string(payload), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return id
}

func saveSlackMembers(t testing.TB, st *mongostore.Store, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("lead%d", i)
		m := store.Member{ID: id, Name: id, Roles: []store.Role{store.RoleLead}, Identities: map[string]string{"slack": fmt.Sprintf("U%d", i)}}
		if err := st.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func wantCounts(t *testing.T, what string, got map[string]int, want map[string]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// A 3-part digest whose third part Slack refuses is retried from the third
// part: parts 1 and 2 reach Slack once, part 3 twice (refused, then
// posted). A refusal is a known outcome, so nothing is looked up.
func TestDigestRetrySendsOnlyTheRest(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	lead := saveSlackMembers(t, st, 1)[0]
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	id := queueDigest(t, st, "churn-risk", lead, 3, now)
	fake := newOutboxSlack(t)
	fake.answer = func(p slackPost, try int) string {
		if p.Part == 3 && try == 1 {
			return "refuse"
		}
		return "ok"
	}
	d := slackDelivery(st, fake.srv.URL, "r1", 0)
	if sent, err := d.Run(ctx, now); sent != 0 || err != nil {
		t.Fatalf("first run sent %d (err %v), want the digest failed", sent, err)
	}
	if it, _ := st.Outbox(ctx, id); it.Status != store.StatusFailed || it.PartsSent != 2 || !it.Unsure.IsZero() {
		t.Fatalf("after the refusal: status %s, parts %d, unsure %v; want failed, 2, zero", it.Status, it.PartsSent, it.Unsure)
	}
	if sent, err := d.Run(ctx, now.Add(time.Hour)); sent != 1 || err != nil {
		t.Fatalf("retry sent %d (err %v), want the digest", sent, err)
	}
	tried, posted := fake.counts()
	wantCounts(t, "posts tried", tried, map[string]int{id + "#1": 1, id + "#2": 1, id + "#3": 2})
	wantCounts(t, "posts accepted", posted, map[string]int{id + "#1": 1, id + "#2": 1, id + "#3": 1})
	if fake.histories != 0 {
		t.Errorf("%d history look-ups, want none", fake.histories)
	}
}

// A part whose outcome is unknown is looked up in the DM before it is
// posted again: part 1's connection drops after Slack posted it (the
// client's own retry finds it), part 2's answer never arrives because the
// send is cancelled (the next attempt finds it). Every part is posted once.
func TestUnknownOutcomeIsLookedUpNotPostedAgain(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	lead := saveSlackMembers(t, st, 1)[0]
	now := time.Now() // Slack's clock: the look-up starts from the attempt's claim
	id := queueDigest(t, st, "churn-risk", lead, 3, now)
	fake := newOutboxSlack(t)
	fake.answer = func(p slackPost, try int) string {
		if p.Part == 1 && try == 1 {
			return "hangup"
		}
		return "ok"
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	fake.accepted = func(r *http.Request, p slackPost) {
		if p.Part == 2 && runCtx.Err() == nil {
			cancel()
			<-r.Context().Done() // the client gave up waiting
		}
	}
	d := slackDelivery(st, fake.srv.URL, "r1", 0)
	if sent, err := d.Run(runCtx, now); sent != 0 || err != nil {
		t.Fatalf("first run sent %d (err %v), want the digest failed", sent, err)
	}
	it, _ := st.Outbox(ctx, id)
	if it.Status != store.StatusFailed || it.PartsSent != 1 || it.Unsure.Before(store.Millis(now)) || it.Unsure.After(time.Now()) {
		t.Fatalf("after the lost answer: status %s, parts %d, unsure %v; want failed, 1, the first claim", it.Status, it.PartsSent, it.Unsure)
	}
	if sent, err := d.Run(ctx, now.Add(time.Hour)); sent != 1 || err != nil {
		t.Fatalf("retry sent %d (err %v), want the digest", sent, err)
	}
	tried, posted := fake.counts()
	wantCounts(t, "posts tried", tried, map[string]int{id + "#1": 1, id + "#2": 1, id + "#3": 1})
	wantCounts(t, "posts accepted", posted, map[string]int{id + "#1": 1, id + "#2": 1, id + "#3": 1})
	if fake.histories != 2 {
		t.Errorf("%d history look-ups, want 2 (one per unknown outcome)", fake.histories)
	}
}
