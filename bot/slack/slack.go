// Package slack connects csbot to Slack: signed HTTP endpoints (slash
// commands, Events API, interactivity), Socket Mode, Block Kit rendering of
// the neutral bot.Reply, and rate-limited outbound delivery through the Web
// API. It uses github.com/slack-go/slack.
package slack

import (
	"strings"

	"github.com/slack-go/slack"
)

// DefaultAPIURL is Slack's Web API; SLACK_API_URL overrides it (tests point
// it at a fake server).
const DefaultAPIURL = "https://slack.com/api/"

// Message is one Slack message: Block Kit blocks plus the plain-text
// fallback Slack shows in notifications and to screen readers.
type Message struct {
	Text   string
	Blocks []slack.Block
	// Tag, when set, marks a message the outbox delivers (chat.postMessage).
	Tag *Tag `json:"-"`
}

// apiBase returns the Web API base URL: DefaultAPIURL when empty, always
// ending in "/" as slack-go requires.
func apiBase(u string) string {
	if u == "" {
		return DefaultAPIURL
	}
	return strings.TrimSuffix(u, "/") + "/"
}
