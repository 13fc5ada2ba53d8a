package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// What the Teams adapter writes itself (the answer to a command slower
// than Teams waits, the note that an answer was cut to one message) is in
// the asker's language: the member's locale, else the activity's (the
// Teams client's), else the deployment's.
func TestAdapterTextsInAskersLanguage(t *testing.T) {
	release := make(chan struct{})
	var lines []string
	for i := range 400 {
		lines = append(lines, fmt.Sprintf("line %03d %s", i, strings.Repeat("x", 90)))
	}
	e := newEnv(t,
		bot.Command{Name: "testslow", Summary: "waits", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			<-release
			return bot.Reply{Text: "done"}, nil
		}},
		bot.Command{Name: "testlong", Summary: "long", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			return bot.Reply{Title: "Long", Sections: []bot.Section{{Lines: lines}}}, nil
		}},
	)
	ctx := context.Background()
	// Enterprise gets a webhook too, so slow answers there are posted later.
	if _, err := e.st.UpdateTeam(ctx, "enterprise", func(tm *store.Team, _ bool) error { tm.TeamsWebhook = e.flows.url("enterprise"); return nil }); err != nil {
		t.Fatal(err)
	}
	// Emma chose no language: her Teams client's counts.
	const emmaAAD = "0c6f7e2a-3b4d-4c5e-8f9a-0b1c2d3e4f50"
	emma, err := e.st.Member(ctx, "emma")
	if err != nil {
		t.Fatal(err)
	}
	emma.Locale, emma.Identities[Platform] = "", emmaAAD
	if err := e.st.SaveMember(ctx, emma); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, aad, locale string
		working, tooLong  string
	}{
		{"Japanese member, English client", kenjiAAD, "en-US",
			"`/cs testslow` を処理しています。回答はチームのcsbotチャンネルに投稿します。",
			"この回答はTeamsの1件のメッセージに収まらないため、ここで終わっています"},
		{"English member, Japanese client", danielAAD, "ja-JP",
			"Still working on `/cs testslow`: the answer will be posted in your team's csbot channel.",
			"This answer is longer than one Teams message, so it stops here"},
		{"no choice, Japanese client", emmaAAD, "ja-JP", "`/cs testslow` を処理しています", "1件のメッセージに収まらない"},
	}
	e.a.window = time.Second // testlong answers well within it
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ask := func(text string) string {
				body := activityWith(tc.aad, text, func(a map[string]any) { a["locale"] = tc.locale })
				code, raw := e.post(t, body, sign(body, secret))
				if code != http.StatusOK {
					t.Fatalf("%s: status %d: %s", text, code, raw)
				}
				var a Activity
				if err := json.Unmarshal([]byte(raw), &a); err != nil {
					t.Fatal(err)
				}
				return a.Text + string(mustJSON(a.Attachments))
			}
			if got := ask("<at>csbot</at> testslow"); !strings.Contains(got, tc.working) {
				t.Errorf("slow answer = %s, want %q", got, tc.working)
			}
			if got := ask("<at>csbot</at> testlong"); !strings.Contains(got, tc.tooLong) || !strings.Contains(got, "line 000") {
				t.Errorf("long answer = %s, want %q", got, tc.tooLong)
			}
		})
	}
	close(release)
	e.a.Wait()
}
