package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// Send implements bot.Adapter: an unsolicited message (reminder, digest) to
// a member's Discord DM or to a channel. Rate limits are waited out; any
// message that does not go out fails the call, so the outbox retries it.
// An outbox message's parts carry a nonce and skip those an earlier attempt
// posted (bot.Outbox.Each). A channel an admin marked external gets the
// message without customer figures; one whose mark cannot be read gets
// nothing yet.
func (a *Adapter) Send(ctx context.Context, to bot.Destination, r bot.Reply) error {
	if a.cfg.BotToken == "" {
		return fmt.Errorf("%w: DISCORD_BOT_TOKEN is not set; without it csbot answers commands on Discord but cannot send reminders or digests", ErrDeliveryFailed)
	}
	channel, dest, user := to.Channel, "channel "+to.Channel, ""
	// A member reads their language; a channel's readers the deployment's.
	var member store.Member
	external := false
	if channel != "" {
		mark, err := a.Store.ChannelMark(ctx, "discord", channel)
		if err != nil {
			return fmt.Errorf("send to %s on Discord: read its mark: %w", dest, err)
		}
		external = mark == store.ChannelExternal
	} else {
		dest = "@" + to.Member
		m, err := a.Store.Member(ctx, to.Member)
		if err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
		member, user = m, m.Identities["discord"]
		if user == "" {
			return fmt.Errorf("send to %s on Discord: no Discord account linked (`/cs team member %s discord:<user id>`)", dest, to.Member)
		}
		if channel, err = a.dmChannel(ctx, user); err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
	}
	l := a.Router.LocalizerOf(ctx, member)
	if external {
		r = r.Redact(l)
	}
	msgs := Render(l, r)
	return to.Outbox.Each(ctx, len(msgs), func(ctx context.Context, part int, _ time.Time) error {
		m := msgs[part]
		if err := a.saveRefsErr(ctx, m); err != nil {
			return fmt.Errorf("send to %s on Discord: %w", dest, err)
		}
		nonce := ""
		if to.Outbox != nil {
			nonce = Nonce(to.Outbox.ID, part+1)
		}
		err := a.rest.call(ctx, "send message", func(opts ...discordgo.RequestOption) error {
			return a.rest.sendMessage(channel, m, nonce, opts...)
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
		return nil
	})
}

// Nonce is the nonce of part (from 1) of outbox item id: a hash, as Discord
// takes at most 25 characters.
func Nonce(id string, part int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", id, part))
	return hex.EncodeToString(h[:])[:25]
}

// sendMessage posts m in channel (POST /channels/{id}/messages). With a
// nonce it also sets enforce_nonce: Discord then creates one message per
// nonce however often the request is repeated within a few minutes, so a
// retry after a network failure cannot post the part twice. discordgo's
// MessageSend has neither field, hence the request is built here.
func (c *rest) sendMessage(channel string, m Message, nonce string, opts ...discordgo.RequestOption) error {
	body := struct {
		*discordgo.MessageSend
		Nonce        string `json:"nonce,omitempty"`
		EnforceNonce bool   `json:"enforce_nonce,omitempty"`
	}{&discordgo.MessageSend{Embeds: m.Embeds, Components: m.Components}, nonce, nonce != ""}
	endpoint := discordgo.EndpointChannelMessages(channel)
	fs := files(m)
	if len(fs) == 0 {
		_, err := c.RequestWithBucketID(http.MethodPost, endpoint, body, endpoint, opts...)
		return err
	}
	contentType, b, err := discordgo.MultipartBodyWithJSON(body, fs)
	if err != nil {
		return fmt.Errorf("encode message with chart: %w", err)
	}
	_, err = c.RequestRaw(http.MethodPost, endpoint, contentType, b, endpoint, 0, opts...)
	return err
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
