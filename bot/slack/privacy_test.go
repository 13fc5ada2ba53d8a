package slack_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// commandIn is a signed slash command typed in channel.
func (e *env) commandIn(t *testing.T, user, channel, text string) ack {
	t.Helper()
	return e.commandInNamed(t, user, channel, "", text)
}

// commandInNamed is commandIn with the channel's name, as Slack sends it
// (channel_name; "" sends none).
func (e *env) commandInNamed(t *testing.T, user, channel, name, text string) ack {
	t.Helper()
	form := url.Values{
		"command": {"/cs"}, "text": {text}, "user_id": {user}, "channel_id": {channel}, "team_id": {"T1"},
		"response_url": {e.slack.srv.URL + "/respond/1"}, "trigger_id": {strconv.FormatInt(time.Now().UnixNano(), 10)}, // each request its own, or it is a replay
	}
	if name != "" {
		form.Set("channel_name", name)
	}
	body := form.Encode()
	code, got := e.post(t, "/slack/commands", body, sign(body, time.Now(), secret))
	if code != 200 {
		t.Fatalf("/cs %s in %s: status %d %s", text, channel, code, got)
	}
	return decodeAck(t, got)
}

// `share` posts for the channel only where no other organisation reads
// it: in a Slack Connect channel or one an admin marked external the
// answer goes to the asker alone, saying why.
func TestShareIsRefusedOutsideTheOrganisation(t *testing.T) {
	e := newEnv(t)
	// An admin marks C9 external; a CSM may not mark C8.
	if a := e.commandIn(t, "U0HIRO", "C9", "channel external"); !strings.Contains(a.Text+blocksText(a), "marked this channel external") {
		t.Fatalf("admin's mark: %+v", a)
	}
	if a := e.commandIn(t, "U0AIKO", "C8", "channel external"); !strings.Contains(a.Text, "Only admins may mark a channel external. Ask a csbot admin.") {
		t.Fatalf("CSM's mark: %+v", a)
	}
	tests := []struct {
		name, channel string
		wantType      string
		wantReason    string
	}{
		{"ordinary channel", "C1", "in_channel", ""},
		{"a CSM's mark did not count", "C8", "in_channel", ""},
		{"Slack Connect", "CEXT1", "ephemeral", "shared with another organisation (Slack Connect)"},
		{"marked external", "C9", "ephemeral", "An admin marked this channel external"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.commandIn(t, "U0AIKO", tc.channel, "health acme share")
			text := a.Text + blocksText(a)
			if a.ResponseType != tc.wantType || !strings.Contains(text, "Acme Corp") {
				t.Errorf("answer %s %q, want %s with the health", a.ResponseType, text, tc.wantType)
			}
			if tc.wantReason != "" && !strings.Contains(text, tc.wantReason+", so csbot will not post customer figures here; the answer was sent to you privately.") {
				t.Errorf("answer %q does not say why (%q)", text, tc.wantReason)
			}
			if tc.wantReason == "" && strings.Contains(text, "privately") {
				t.Errorf("shared answer %q says it was private", text)
			}
		})
	}
	// Slack's answer about a channel is kept: once per channel.
	e.commandIn(t, "U0AIKO", "CEXT1", "health acme share")
	n := 0
	for _, c := range e.slack.called("conversations.info") {
		if c.Form.Get("channel") == "CEXT1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("conversations.info for CEXT1 called %d times, want 1", n)
	}
	if a := e.commandIn(t, "U0AIKO", "C9", "channel"); !strings.Contains(a.Text+blocksText(a), "This channel: external") {
		t.Errorf("/cs channel = %+v", a)
	}
	e.app.Wait()
	if posts := e.slack.called("chat.postMessage"); len(posts) != 0 {
		t.Errorf("posted in channels: %+v", posts)
	}
}

// A shared mention in a Slack Connect channel is answered to the asker
// only, in the thread.
func TestSharedMentionInSlackConnectIsPrivate(t *testing.T) {
	e := newEnv(t)
	ev := event("Ev09", `{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme share","ts":"1700000009.000900","channel":"CEXT2","event_ts":"1700000009.000900"}`)
	if code, _ := e.post(t, "/slack/events", ev, sign(ev, time.Now(), secret)); code != 200 {
		t.Fatalf("status %d", code)
	}
	e.app.Wait()
	if posts := e.slack.called("chat.postMessage"); len(posts) != 0 {
		t.Errorf("posted for the channel: %+v", posts)
	}
	eph := e.slack.called("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != "U0AIKO" || !strings.Contains(eph[0].Form.Get("blocks"), "Slack Connect") {
		t.Errorf("ephemeral answers = %+v", eph)
	}
}

// blocksText is the answer's blocks as JSON, to search for text in.
func blocksText(a ack) string {
	b, _ := json.Marshal(a.Blocks)
	return string(b)
}
