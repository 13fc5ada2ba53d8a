package discord

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
)

// Send implements bot.Adapter: an unsolicited message (reminder, digest) to
// a member's Discord DM or to a channel. Rate limits are waited out; any
// message that does not go out fails the call, so the outbox retries it.
func (a *Adapter) Send(ctx context.Context, to bot.Destination, r bot.Reply) error {
	if a.cfg.BotToken == "" {
		return fmt.Errorf("%w: DISCORD_BOT_TOKEN is not set; without it csbot answers commands on Discord but cannot send reminders or digests", ErrDeliveryFailed)
	}
	channel, dest, user := to.Channel, "channel "+to.Channel, ""
	if channel == "" {
		dest = "@" + to.Member
		m, err := a.Store.Member(ctx, to.Member)
		if err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
		user = m.Identities["discord"]
		if user == "" {
			return fmt.Errorf("send to %s on Discord: no Discord account linked (`/cs team member %s discord:<user id>`)", dest, to.Member)
		}
		if channel, err = a.dmChannel(ctx, user); err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
	}
	for _, m := range Render(r) {
		if err := a.saveRefsErr(ctx, m); err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
		err := a.rest.call(ctx, "send message", func(opts ...discordgo.RequestOption) error {
			_, err := a.rest.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Embeds: m.Embeds, Components: m.Components, Files: files(m)}, opts...)
			return err
		})
		if err != nil {
			if user != "" {
				// The channel may be gone; open it again next time.
				a.dmMu.Lock()
				delete(a.dms, user)
				a.dmMu.Unlock()
			}
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
	}
	return nil
}

// dmChannel opens (or recalls) the DM channel with a Discord user.
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	a.dmMu.Lock()
	ch, ok := a.dms[user]
	a.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	err := a.rest.call(ctx, "open DM with Discord user "+user, func(opts ...discordgo.RequestOption) error {
		c, err := a.rest.UserChannelCreate(user, opts...)
		if err != nil {
			return err
		}
		ch = c.ID
		return nil
	})
	if err != nil {
		return "", err
	}
	a.dmMu.Lock()
	a.dms[user] = ch
	a.dmMu.Unlock()
	return ch, nil
}
