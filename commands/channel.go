package commands

import (
	"cmp"
	"context"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

func (c *cmds) channelCommand() command {
	return command{For: everyone, Command: bot.Command{
		Name:    "channel",
		Default: "show",
		Subcommands: []bot.Subcommand{
			{Name: "show", Summary: "how csbot treats this channel", Handler: c.channel},
			{Name: "internal", Summary: "admins: only our own people read this channel", Handler: c.channel},
			{Name: "external", Summary: "admins: people of other organisations read this channel", Handler: c.channel},
		},
		Summary: "whether csbot posts customer figures in this channel",
		Help: "csbot never shares customer figures (ARR, NPS answers, risk reasons) in a channel marked external, " +
			"nor in a Slack Connect channel. Microsoft Teams answers are seen by the whole channel, so there " +
			"csbot shows those figures only in a channel marked internal.",
		Examples: []string{"/cs channel", "/cs channel external", "/cs channel internal"},
		Handler:  c.channel,
	}}
}

func (c *cmds) channel(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	channel, l := bot.ChannelOf(ctx), req.L()
	if channel == "" {
		return bot.Reply{}, bot.Errorf("%s", l.T("channel.no_channel", nil))
	}
	if req.Sub == "internal" || req.Sub == "external" {
		if !req.Member.Has(store.RoleAdmin) {
			return bot.Reply{}, c.refuse(ctx, req.Member, "channel.only_admins", i18n.Data{"Mark": markName(l, store.ChannelMark(req.Sub))})
		}
		if err := c.Store.SetChannelMark(ctx, req.Platform, channel, store.ChannelMark(req.Sub)); err != nil {
			return bot.Reply{}, err
		}
	}
	mark, err := c.Store.ChannelMark(ctx, req.Platform, channel)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{
		Title: l.T("channel.title", i18n.Data{"Mark": markName(l, mark)}),
		// What the mark means to the people in the channel.
		Text: l.T("channel.text."+markKey(mark), nil),
	}, nil
}

func markName(l *i18n.Localizer, m store.ChannelMark) string {
	return l.T("channel.mark."+markKey(m), nil)
}

// markKey names a mark in the catalogue: the unmarked channel's is "".
func markKey(m store.ChannelMark) string { return cmp.Or(string(m), "unmarked") }
