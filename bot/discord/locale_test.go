package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// What the Discord adapter writes itself (the message carrying buttons
// past the first 25 of a deferred answer, the answer to a button it no
// longer knows) is in the user's language: the member's locale, else the
// interaction's, else the deployment's.
func TestAdapterTextsInUsersLanguage(t *testing.T) {
	e := newEnv(t)
	const kenji = "100000000000000002"
	if err := e.st.SaveMember(context.Background(), store.Member{ID: "kenji", Name: "Kenji Watanabe", Roles: []store.Role{store.RoleCSM},
		Locale: "ja-JP", Identities: map[string]string{"discord": kenji}}); err != nil {
		t.Fatal(err)
	}
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{ID: fmt.Sprint("b", i), Label: fmt.Sprint("Step ", i), Value: fmt.Sprint("whoami ", i)})
	}
	// Slow, so deferred: the answer comes by editing the original and a follow-up.
	if err := e.reg.Register(bot.Command{Name: "testmany", Slow: true, Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
		return bot.Reply{Title: "Many steps", Buttons: buttons}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, locale   string
		more, unknown, stale string
	}{
		{"member without a locale, English client", aiko, "en-US", "More actions", "csbot no longer knows what this button does", "Ask an admin to run `csbot discord register`"},
		{"member without a locale, Japanese client", aiko, "ja", "その他の操作", "このボタンの操作はすでに無効です", "管理者に `csbot discord register` の実行を依頼してください"},
		{"Japanese member, English client", kenji, "en-US", "その他の操作", "このボタンの操作はすでに無効です", "csbotが今は扱っていないDiscordコマンドです"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			send := func(typ int, data map[string]any) (string, answer) {
				body := strings.Replace(interaction(typ, tc.user, data), `"locale":"en-US"`, `"locale":"`+tc.locale+`"`, 1)
				code, resp := e.send(t, body)
				if code != 200 {
					t.Fatalf("%v: %d %s", data, code, resp)
				}
				return tokenOf(t, body), decode(t, resp)
			}
			press := func(id string) (string, answer) {
				return send(3, map[string]any{"custom_id": id, "component_type": 2})
			}
			token, a := press("run:testmany")
			if a.Type != 5 {
				t.Fatalf("answer = %+v, want deferred", a)
			}
			e.ad.Wait()
			follow := e.discord.called(http.MethodPost, "webhooks/A1/"+token)
			if len(follow) != 1 || !strings.Contains(fmt.Sprint(follow[0].JSON), "description:"+tc.more+" type:rich") {
				t.Errorf("follow-ups = %+v, want one saying %q", follow, tc.more)
			}
			// A button whose saved command is gone.
			if _, a := press("run#0123456789abcdef"); a.Type != 4 || len(a.Data.Embeds) != 1 || !strings.Contains(a.Data.Embeds[0].Description, tc.unknown) {
				t.Errorf("unknown button = %+v, want %q", a, tc.unknown)
			}
			// A command registered by an older csbot.
			if _, a := send(2, map[string]any{"id": "900000000000000002", "name": "csold", "type": 1}); a.Type != 4 || len(a.Data.Embeds) != 1 || !strings.Contains(a.Data.Embeds[0].Description, tc.stale) {
				t.Errorf("stale command = %+v, want %q", a, tc.stale)
			}
		})
	}
}
