package teams

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// An outgoing webhook's answer is seen by the whole channel: ARR, NPS and
// risk reasons stay out of it unless an admin marked the channel internal.
// Kenji reads Japanese: the note saying so is in Japanese.
func TestCustomerFiguresOnlyInInternalChannels(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, text string
		// figures appear only in an internal channel.
		figures []string
	}{
		{"health", "<at>csbot</at> health kumo", []string{`"title":"ARR"`, "NPS\u00a0"}},
		// Kenji reads Japanese: the renewal rule's reason, and 売上純維持率（NRR） is net revenue retention.
		{"risk", "<at>csbot</at> risk", []string{`"title":"リスクのあるARR"`, "を下回っています"}},
		{"kpi", "<at>csbot</at> kpi", []string{`"title":"NPS"`, `"title":"売上純維持率（NRR）"`}},
	}
	check := func(t *testing.T, text string, figures []string, internal bool) {
		raw := string(mustJSON(e.ask(t, kenjiAAD, text)))
		for _, f := range figures {
			if strings.Contains(raw, f) != internal {
				t.Errorf("%q shown = %v, want %v:\n%s", f, !internal, internal, raw)
			}
		}
		if strings.Contains(raw, i18n.For("ja").T("adapter.redacted", nil)) == internal {
			t.Errorf("note shown = %v, want %v", internal, !internal)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name+" unmarked", func(t *testing.T) { check(t, tc.text, tc.figures, false) })
	}
	// The mark is the channel's, whichever thread the message is in.
	if err := e.st.SetChannelMark(context.Background(), Platform, "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype", store.ChannelInternal); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name+" internal", func(t *testing.T) { check(t, tc.text, tc.figures, true) })
	}
}

// Posts through a team's Workflows webhook (slow answers, digests and
// reminders) follow the rule of direct answers for the channel the webhook
// posts into: customer figures only when the admin named that channel with
// the webhook and marked it internal. The asking channel's mark does not
// carry over.
func TestWorkflowsPostsFollowTheirChannelsMark(t *testing.T) {
	const asked, flows = "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype", "19:0a1b2c3d4e5f@thread.tacv2"
	figures := bot.Reply{Title: "Figures", Text: "done", Fields: []bot.Field{{Name: "ARR", Value: "9,999,999", Sensitive: true}}}
	tests := []struct {
		name    string
		channel string // the webhook's channel, as `csbot teams webhook` stored it
		marks   map[string]store.ChannelMark
		shown   bool
	}{
		{"no channel named", "", map[string]store.ChannelMark{asked: store.ChannelInternal}, false},
		{"named, unmarked", flows, nil, false},
		{"named, only the asking channel internal", flows, map[string]store.ChannelMark{asked: store.ChannelInternal}, false},
		{"named, external", flows, map[string]store.ChannelMark{flows: store.ChannelExternal}, false},
		{"named, internal", flows, map[string]store.ChannelMark{flows: store.ChannelInternal}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			e := newEnv(t, bot.Command{Name: "slowfig", Slow: true, Summary: "waits", Handler: func(ctx context.Context, _ *bot.Request) (bot.Reply, error) {
				<-release
				return figures, nil
			}})
			e.a.window = time.Millisecond
			ctx := context.Background()
			if _, err := e.st.UpdateTeam(ctx, "tokyo", func(tm *store.Team, _ bool) error { tm.TeamsChannel = tc.channel; return nil }); err != nil {
				t.Fatal(err)
			}
			for ch, m := range tc.marks {
				if err := e.st.SetChannelMark(ctx, Platform, ch, m); err != nil {
					t.Fatal(err)
				}
			}
			if a := e.ask(t, kenjiAAD, "<at>csbot</at> slowfig"); !strings.Contains(a.Text, "`/cs slowfig` を処理しています") {
				t.Fatalf("answer = %+v", a)
			}
			close(release)
			e.a.Wait()
			if err := e.a.Send(ctx, bot.Destination{Member: "kenji"}, figures); err != nil {
				t.Fatal(err)
			}
			got := e.flows.received()
			if len(got) != 2 {
				t.Fatalf("workflows got %d posts, want the slow answer and the sent message", len(got))
			}
			for i, what := range []string{"slow answer", "sent message"} {
				raw := string(mustJSON(got[i]))
				if strings.Contains(raw, "9,999,999") != tc.shown || strings.Contains(raw, i18n.For("ja").T("adapter.redacted", nil)) == tc.shown {
					t.Errorf("%s: figures shown = %v, want %v:\n%s", what, !tc.shown, tc.shown, raw)
				}
			}
		})
	}
}

func TestParseChannel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"19:0a1b2c3d4e5f@thread.tacv2", "19:0a1b2c3d4e5f@thread.tacv2"},
		{" 19:253b1f341670408fb6fe51050b6e5ceb@thread.skype ", "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype"},
		{"https://teams.microsoft.com/l/channel/19%3a0a1b2c3d4e5f%40thread.tacv2/CS%20Tokyo?groupId=71ed6ad1&tenantId=72f988bf", "19:0a1b2c3d4e5f@thread.tacv2"},
		{"https://teams.microsoft.com/l/channel/general", ""},
		{"19:0a1b@thread.v2", ""}, // a meeting chat, not a channel
		{"general", ""},
	}
	for _, tc := range tests {
		got, err := ParseChannel(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseChannel(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
