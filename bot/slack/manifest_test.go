package slack_test

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	csslack "github.com/csbot/csbot/bot/slack"
)

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `yaml:"command"`
			URL     string `yaml:"url"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// The manifests in deploy/slack must point Slack at the endpoints csbot
// serves and ask for the scopes its Web API calls need.
func TestManifestsMatchTheCode(t *testing.T) {
	mux := http.NewServeMux()
	csslack.NewHTTP(nil, "s").Register(mux)
	served := func(raw string) bool {
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		_, pattern := mux.Handler(&http.Request{Method: http.MethodPost, URL: &url.URL{Path: u.Path}, Host: "x"})
		return pattern != ""
	}
	for _, tc := range []struct {
		file   string
		socket bool
	}{{"manifest-http.yaml", false}, {"manifest-socket.yaml", true}} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("../../deploy/slack/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := yaml.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/cs" {
				t.Errorf("slash commands = %+v, want /cs", m.Features.SlashCommands)
			}
			for _, scope := range []string{"commands", "app_mentions:read", "chat:write", "im:history", "im:write", "users:read", "files:write", "channels:read", "groups:read", "im:read", "mpim:read"} {
				if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
					t.Errorf("bot scope %s missing", scope)
				}
			}
			for _, ev := range []string{"app_mention", "message.im"} {
				if !slices.Contains(m.Settings.Events.BotEvents, ev) {
					t.Errorf("event %s missing", ev)
				}
			}
			if m.Settings.SocketMode != tc.socket || !m.Settings.Interactivity.Enabled {
				t.Errorf("socket mode %v, interactivity %v", m.Settings.SocketMode, m.Settings.Interactivity.Enabled)
			}
			if tc.socket {
				return
			}
			for _, u := range []string{m.Features.SlashCommands[0].URL, m.Settings.Events.RequestURL, m.Settings.Interactivity.RequestURL} {
				if !served(u) {
					t.Errorf("%s is not an endpoint csbot serves", u)
				}
			}
		})
	}
}
