package discord_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/store"
)

func reminder() bot.Reply {
	return bot.Reply{Title: "Reminder: weekly check-in", Text: "Acme Corp is due a check-in.", Footer: "playbook high-touch",
		Buttons: []bot.Button{{ID: "health", Label: "Open health", Value: "health acme"}}}
}

// A DM goes to the member's Discord user: the DM channel is opened once,
// and a 429 is waited out for the retry_after Discord asked for.
func TestSendDMWaitsOutRateLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.discord.limited = 1
	if err := e.ad.Send(ctx, bot.Destination{Member: "aiko"}, reminder()); err != nil {
		t.Fatal(err)
	}
	if err := e.ad.Send(ctx, bot.Destination{Member: "aiko"}, reminder()); err != nil {
		t.Fatal(err)
	}
	opens := e.discord.called(http.MethodPost, "users/@me/channels")
	if len(opens) != 1 || fmt.Sprint(opens[0].JSON) != "map[recipient_id:100000000000000001]" || opens[0].Auth != "Bot test-token" {
		t.Errorf("DM channel opened %d times: %+v", len(opens), opens)
	}
	posts := e.discord.called(http.MethodPost, "channels/D100000000000000001/messages")
	if len(posts) != 3 { // the 429, its retry, the second reminder
		t.Fatalf("%d message posts, want 3: %+v", len(posts), posts)
	}
	if !strings.Contains(fmt.Sprint(posts[1].JSON), "Reminder: weekly check-in") || !strings.Contains(fmt.Sprint(posts[1].JSON), "run:health acme") {
		t.Errorf("message = %+v", posts[1].JSON)
	}
	if fmt.Sprint(e.waits) != "[50ms]" {
		t.Errorf("waits = %v, want the 50ms retry_after once", e.waits)
	}
}

// A 5xx is tried again after a backoff that doubles.
func TestSendRetriesServerErrors(t *testing.T) {
	e := newEnv(t)
	e.discord.broken = 2
	if err := e.ad.Send(context.Background(), bot.Destination{Channel: "C42"}, reminder()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.discord.called(http.MethodPost, "channels/C42/messages")); n != 3 {
		t.Errorf("%d tries, want 3", n)
	}
	if fmt.Sprint(e.waits) != "[250ms 500ms]" {
		t.Errorf("waits = %v, want [250ms 500ms]", e.waits)
	}
}

func TestSendToChannelWithChart(t *testing.T) {
	e := newEnv(t)
	r := bot.Reply{Title: "Churn KPI", Image: &bot.Image{Name: "churn.png", Alt: "churn by month", PNG: []byte("\x89PNG\r\n")}}
	if err := e.ad.Send(context.Background(), bot.Destination{Channel: "C42"}, r); err != nil {
		t.Fatal(err)
	}
	posts := e.discord.called(http.MethodPost, "channels/C42/messages")
	if len(posts) != 1 || fmt.Sprint(posts[0].Files) != "[churn.png]" || !strings.Contains(fmt.Sprint(posts[0].JSON), "attachment://churn.png") {
		t.Errorf("posts = %+v, want one multipart message with the chart", posts)
	}
}

// Nothing is dropped silently: every failure is an error the outbox sees,
// saying what to fix.
func TestSendFailures(t *testing.T) {
	tests := []struct {
		name    string
		opts    []envOption
		to      bot.Destination
		setup   func(*env)
		want    string
		wantErr error
	}{
		{"member without a Discord account", nil, bot.Destination{Member: "ken"}, nil, "no Discord account linked", nil},
		{"unknown member", nil, bot.Destination{Member: "nobody"}, nil, "@nobody", store.ErrNotFound},
		{"DMs closed", nil, bot.Destination{Member: "aiko"}, func(e *env) { e.discord.refuse = 50007 }, "allow direct messages", discord.ErrDeliveryFailed},
		{"no access to the channel", nil, bot.Destination{Channel: "C9"}, func(e *env) { e.discord.refuse = 50001 }, "View Channel", discord.ErrDeliveryFailed},
		{"rate limited past every retry", nil, bot.Destination{Channel: "C9"}, func(e *env) { e.discord.limited = 100 }, "rate limit", discord.ErrDeliveryFailed},
		{"Discord down past every retry", nil, bot.Destination{Channel: "C9"}, func(e *env) { e.discord.broken = 100 }, "Service Unavailable", discord.ErrDeliveryFailed},
		{"no bot token", []envOption{func(c *discord.Config) { c.BotToken = "" }}, bot.Destination{Channel: "C9"}, nil, "DISCORD_BOT_TOKEN", discord.ErrDeliveryFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			if tc.setup != nil {
				tc.setup(e)
			}
			err := e.ad.Send(context.Background(), tc.to, reminder())
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Send = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestSendStopsWaitingWhenCancelled(t *testing.T) {
	e := newEnv(t)
	e.discord.limited = 100
	ctx, cancel := context.WithCancel(context.Background())
	discord.SetSleep(e.ad, func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	})
	if err := e.ad.Send(ctx, bot.Destination{Channel: "C9"}, reminder()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if n := len(e.discord.called(http.MethodPost, "channels/C9/messages")); n != 1 {
		t.Errorf("%d tries after cancel, want 1", n)
	}
}

// A button whose command is too long for Discord's 100-character custom id
// still runs it when pressed: the command waits in the store.
func TestLongButtonCommandRoundTrip(t *testing.T) {
	e := newEnv(t)
	line := "note acme " + strings.Repeat("followed up on the renewal paperwork ", 4)
	r := bot.Reply{Title: "Reminder", Buttons: []bot.Button{{ID: "log", Label: "Log it", Value: line}}}
	if err := e.ad.Send(context.Background(), bot.Destination{Member: "aiko"}, r); err != nil {
		t.Fatal(err)
	}
	posts := e.discord.called(http.MethodPost, "channels/")
	if len(posts) != 1 {
		t.Fatalf("posts = %+v", posts)
	}
	id := customIDs(posts[0].JSON)
	if len(id) != 1 || len(id[0]) > 100 || !strings.HasPrefix(id[0], "run#") {
		t.Fatalf("custom ids = %q", id)
	}
	_, body := e.send(t, interaction(3, aiko, map[string]any{"custom_id": id[0], "component_type": 2}))
	if !strings.Contains(body, "Logged a note on Acme Corp") {
		t.Errorf("pressing the button: %s", body)
	}
	// A button whose command was never saved says so.
	_, body = e.send(t, interaction(3, aiko, map[string]any{"custom_id": "run#00000000000000000000000000000000", "component_type": 2}))
	if !strings.Contains(body, "no longer knows what this button does") {
		t.Errorf("unknown saved button: %s", body)
	}
}

// customIDs digs the buttons' custom ids out of a message body.
func customIDs(msg any) []string {
	var ids []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["custom_id"].(string); ok {
				ids = append(ids, id)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(msg)
	return ids
}

// An outbox message's parts carry a nonce per part with enforce_nonce, the
// same on every try, so Discord creates each once; parts an earlier attempt
// posted are skipped, and each part sent is recorded.
func TestSendOutboxPartsWithNonce(t *testing.T) {
	e := newEnv(t)
	e.discord.broken = 1 // the first try of the part fails with a 5xx
	var recorded []int
	o := &bot.Outbox{ID: "digest/churn-risk/tokyo//hiro/2026-11-25", Sent: 0,
		Posted: func(_ context.Context, n int) error { recorded = append(recorded, n); return nil }}
	if err := e.ad.Send(context.Background(), bot.Destination{Channel: "C42", Outbox: o}, reminder()); err != nil {
		t.Fatal(err)
	}
	posts := e.discord.called(http.MethodPost, "channels/C42/messages")
	want := discord.Nonce(o.ID, 1)
	if len(want) > 25 {
		t.Errorf("nonce %q is longer than Discord's 25 characters", want)
	}
	if len(posts) != 2 {
		t.Fatalf("%d tries, want 2", len(posts))
	}
	for i, p := range posts {
		body, _ := p.JSON.(map[string]any)
		if body["nonce"] != want || body["enforce_nonce"] != true {
			t.Errorf("try %d: nonce %v, enforce_nonce %v; want %q, true", i+1, body["nonce"], body["enforce_nonce"], want)
		}
	}
	if fmt.Sprint(recorded) != "[1]" {
		t.Errorf("recorded %v, want [1]", recorded)
	}
	o.Sent = 1 // a retry of a message whose one part went out
	if err := e.ad.Send(context.Background(), bot.Destination{Channel: "C42", Outbox: o}, reminder()); err != nil {
		t.Fatal(err)
	}
	if n := len(e.discord.called(http.MethodPost, "channels/C42/messages")); n != 2 {
		t.Errorf("%d tries after the retry, want still 2", n)
	}
}
