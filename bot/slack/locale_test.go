package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/csbot/csbot/store"
)

// What the Slack adapter writes itself (the acknowledgement of a slow
// command, why a shared answer went to the asker only) is in the asker's
// language: the member's locale, else Slack's, else the deployment's.
func TestAdapterTextsInAskersLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, m := range []store.Member{
		// Japanese by choice, though Slack is in English.
		{ID: "kenji", Name: "Kenji Watanabe", Roles: []store.Role{store.RoleAdmin}, Locale: "ja-JP", Identities: map[string]string{"slack": "U0KENJI"}},
		// English by choice, though Slack is in Japanese.
		{ID: "emma", Name: "Emma Hall", Roles: []store.Role{store.RoleAdmin}, Locale: "en", Identities: map[string]string{"slack": "U0EMMAJA"}},
		// No choice: Slack's Japanese.
		{ID: "yui", Name: "Yui Nakamura", Roles: []store.Role{store.RoleAdmin}, Identities: map[string]string{"slack": "U0YUIJA"}},
	} {
		if err := e.st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if a := e.commandIn(t, "U0HIRO", "C9", "channel external"); a.ResponseType != "ephemeral" {
		t.Fatalf("admin's mark: %+v", a)
	}
	tests := []struct {
		user, working, connect, external string
	}{
		{"U0AIKO", "Working on it…",
			"This channel is shared with another organisation (Slack Connect), so csbot will not post customer figures here",
			"An admin marked this channel external, so csbot will not post customer figures here"},
		{"U0EMMAJA", "Working on it…",
			"This channel is shared with another organisation (Slack Connect)",
			"An admin marked this channel external"},
		{"U0KENJI", "処理しています…",
			"このチャンネルは他の組織と共有されている（Slackコネクト）ため、顧客の数値はここに投稿しません。",
			"管理者がこのチャンネルを社外共有に設定しているため、顧客の数値はここに投稿しません。"},
		{"U0YUIJA", "処理しています…", "Slackコネクト", "社外共有に設定しているため"},
	}
	for _, tc := range tests {
		t.Run(tc.user, func(t *testing.T) {
			// risk is a slow command: acknowledged at once, answered later.
			if a := e.commandIn(t, tc.user, "C1", "risk"); a.Text != tc.working {
				t.Errorf("ack = %q, want %q", a.Text, tc.working)
			}
			for channel, want := range map[string]string{"CEXT1": tc.connect, "C9": tc.external} {
				a := e.commandIn(t, tc.user, channel, "health acme share")
				if text := a.Text + blocksText(a); a.ResponseType != "ephemeral" || !strings.Contains(text, want) {
					t.Errorf("shared in %s: %s %q, want it private saying %q", channel, a.ResponseType, text, want)
				}
			}
		})
	}
	e.app.Wait()
}

// The database outage is told in Slack's language of a user csbot cannot
// look up then.
func TestOutageInSlackLanguage(t *testing.T) {
	e := newEnv(t)
	if err := e.st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"U0AIKO": "cannot reach its database right now", "U0AIKOJA": "データベースに接続できません"} {
		code, body := e.command(t, user, "accounts all")
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s, want %q", user, code, body, want)
		}
	}
}
