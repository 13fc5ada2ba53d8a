package commands

import (
	"context"
	"fmt"

	"github.com/csbot/csbot/bot"
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

// channelMarkText says what a mark means to the people in the channel.
var channelMarkText = map[store.ChannelMark]string{
	store.ChannelUnmarked: "No admin has marked this channel. csbot shares answers here when asked with `share`, unless the platform says the channel is shared with another organisation; in Microsoft Teams, where every answer is seen by the channel, it leaves customer figures out.",
	store.ChannelInternal: "An admin marked this channel internal: csbot shows customer figures here when asked, also in Microsoft Teams.",
	store.ChannelExternal: "An admin marked this channel external: csbot never posts customer figures here; answers asked with `share` are sent to the asker privately.",
}

func (c *cmds) channel(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	channel := bot.ChannelOf(ctx)
	if channel == "" {
		return bot.Reply{}, bot.Errorf("`/cs channel` is about the chat channel you type it in; type it in a Slack, Discord or Teams channel.")
	}
	if req.Sub == "internal" || req.Sub == "external" {
		if !req.Member.Has(store.RoleAdmin) {
			return bot.Reply{}, bot.Errorf("Only csbot admins may mark a channel %s.", req.Sub)
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
		Title: fmt.Sprintf("This channel: %s", markName(mark)),
		Text:  channelMarkText[mark],
	}, nil
}

func markName(m store.ChannelMark) string {
	if m == store.ChannelUnmarked {
		return "not marked"
	}
	return string(m)
}
