package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/commands"
)

func TestRegisterOverwritesInBulk(t *testing.T) {
	fd := newFakeDiscord(t)
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := discord.Config{BotToken: "test-token", AppID: "A1", APIURL: fd.apiURL()}
	for range 2 { // running it again is safe: the same overwrite
		n, err := discord.Register(ctx, cfg, reg, "G1")
		if err != nil || n != len(reg.Commands()) {
			t.Fatalf("Register = %d, %v; want %d", n, err, len(reg.Commands()))
		}
	}
	puts := fd.called(http.MethodPut, "applications/A1/guilds/G1/commands")
	if len(puts) != 2 || fmt.Sprint(puts[0].JSON) != fmt.Sprint(puts[1].JSON) || puts[0].Auth != "Bot test-token" {
		t.Fatalf("guild registrations = %+v", puts)
	}
	cmds, ok := puts[0].JSON.([]any)
	if !ok || len(cmds) != 1 {
		t.Fatalf("body = %v, want one command", puts[0].JSON)
	}
	cs := cmds[0].(map[string]any)
	if cs["name"] != "cs" || len(cs["options"].([]any)) != len(reg.Commands()) {
		t.Errorf("registered %v with %d subcommands", cs["name"], len(cs["options"].([]any)))
	}
	if _, err := discord.Register(ctx, cfg, reg, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(fd.called(http.MethodPut, "applications/A1/commands")); n != 1 {
		t.Errorf("%d global registrations, want 1", n)
	}
	before := len(fd.allCalls())
	if _, err := discord.Register(ctx, discord.Config{BotToken: "test-token", APIURL: fd.apiURL()}, reg, ""); err == nil {
		t.Error("Register without DISCORD_APP_ID succeeded")
	}
	if len(fd.allCalls()) != before {
		t.Error("Register without DISCORD_APP_ID called Discord")
	}
}

// csbot doctor's check: the token's application, and that it is DISCORD_APP_ID.
func TestCheckApplication(t *testing.T) {
	fd := newFakeDiscord(t)
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  discord.Config
		want string // the name, or part of the error
		ok   bool
	}{
		{"good", discord.Config{BotToken: "test-token", AppID: "A1"}, "csbot", true},
		{"other application", discord.Config{BotToken: "test-token", AppID: "A2"}, "not DISCORD_APP_ID A2", false},
		{"revoked token", discord.Config{BotToken: "revoked", AppID: "A1"}, "401", false},
		{"no token", discord.Config{AppID: "A1"}, "DISCORD_BOT_TOKEN is not set", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.APIURL = fd.apiURL()
			name, err := discord.CheckApplication(ctx, tc.cfg)
			got := name
			if err != nil {
				got = err.Error()
			}
			if (err == nil) != tc.ok || !strings.Contains(got, tc.want) {
				t.Errorf("CheckApplication = %q, %v; want ok=%v and %q", name, err, tc.ok, tc.want)
			}
		})
	}
}
