package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// A scheduled post into a channel people of other organisations read (Slack
// Connect, or marked external) goes without customer figures, saying so;
// one into a channel csbot cannot check is not posted, and the error sends
// it back to the outbox.
func TestScheduledChannelPostsKeepFiguresFromOutsiders(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.st.SetChannelMark(ctx, "slack", "C9", store.ChannelExternal); err != nil {
		t.Fatal(err)
	}
	digest := bot.Reply{
		Title:  "Churn-risk digest: Tokyo",
		Fields: []bot.Field{{Name: "ARR at risk", Value: "9,999,999", Sensitive: true}},
		Sections: []bot.Section{{Title: "At risk", Sensitive: true,
			Lines: []string{"Acme Corp: no touch for 40 days, ARR 9,999,999"}, Redacted: []string{"Acme Corp"}}},
	}
	tests := []struct {
		name, channel string
		shown         bool
	}{
		{"our own channel", "C1", true},
		{"Slack Connect", "CEXT1", false},
		{"marked external", "C9", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.app.Send(ctx, bot.Destination{Channel: tc.channel}, digest); err != nil {
				t.Fatal(err)
			}
			var posted string
			for _, c := range e.slack.called("chat.postMessage") {
				if c.Form.Get("channel") == tc.channel {
					posted += c.Form.Get("text") + c.Form.Get("blocks")
				}
			}
			if !strings.Contains(posted, "Acme Corp") {
				t.Fatalf("nothing of the digest posted in %s: %q", tc.channel, posted)
			}
			if strings.Contains(posted, "9,999,999") != tc.shown || strings.Contains(posted, "ARR and risk reasons are hidden") == tc.shown {
				t.Errorf("figures shown = %v, want %v: %s", !tc.shown, tc.shown, posted)
			}
		})
	}
	err := e.app.Send(ctx, bot.Destination{Channel: "CNOTIN1"}, digest)
	if err == nil || !strings.Contains(err.Error(), "csbot cannot tell who reads it") {
		t.Errorf("post into a channel csbot cannot check: %v", err)
	}
	for _, c := range e.slack.called("chat.postMessage") {
		if c.Form.Get("channel") == "CNOTIN1" {
			t.Errorf("posted into a channel csbot could not check: %+v", c)
		}
	}
}
