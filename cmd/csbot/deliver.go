package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// maxSend bounds one delivery, inside the 5-minute claim the outbox gives it.
const maxSend = 4 * time.Minute

// platform is one chat adapter as csbot serve runs it.
type platform struct {
	bot.Adapter
	// ready reports why the adapter cannot serve yet (nil when it can).
	ready func() error
}

// sender delivers outbox messages through the first platform, in the order
// configured (Slack, Discord, Teams), on which the member has an identity.
// With no platform configured, messages go to the log so they are seen.
func sender(platforms []platform, members interface {
	Member(ctx context.Context, id string) (store.Member, error)
}, log *slog.Logger) func(ctx context.Context, to bot.Destination, r bot.Reply) (string, error) {
	return func(ctx context.Context, to bot.Destination, r bot.Reply) (string, error) {
		if len(platforms) == 0 {
			log.InfoContext(ctx, "message (no chat platform configured)", "to", to.Member, "title", r.Title)
			return "log", nil
		}
		m, err := members.Member(ctx, to.Member)
		if err != nil {
			return "none", fmt.Errorf("deliver to @%s: %w", to.Member, err)
		}
		names := make([]string, len(platforms))
		for i, p := range platforms {
			if m.Identities[p.Name()] != "" {
				// Within the outbox claim's lease, or another replica may
				// send it too while rate limits keep this one waiting.
				sctx, cancel := context.WithTimeout(ctx, maxSend)
				defer cancel()
				return p.Name(), p.Send(sctx, to, r)
			}
			names[i] = p.Name()
		}
		return "none", fmt.Errorf("deliver to @%s: no identity on %s; link one with `/cs team member %s %s:<user id>`",
			to.Member, strings.Join(names, " or "), to.Member, names[0])
	}
}
