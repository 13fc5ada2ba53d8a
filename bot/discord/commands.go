package discord

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
)

// RootCommand is the one application command csbot registers: /cs.
const RootCommand = "cs"

// Discord's application command limits, from its public docs.
const (
	maxOptions     = 25   // subcommands of a command or group, options of a subcommand
	maxDescLen     = 100  // descriptions
	maxCommandSize = 8000 // names, descriptions and choices of one command together
	maxChoices     = 25
)

// commandSet is the registry as Discord sees it: each command a
// subcommand of /cs, or a group when it has subcommands of its own. Its
// options are the commands' arguments, so a new or changed command needs
// no code here.
type commandSet struct {
	cmds []bot.Command
}

func newCommandSet(reg *bot.Registry) (*commandSet, error) {
	cs := &commandSet{cmds: reg.Commands()}
	if len(cs.cmds) > maxOptions {
		return nil, fmt.Errorf("discord: %d commands, but /%s takes at most %d subcommands", len(cs.cmds), RootCommand, maxOptions)
	}
	for _, c := range cs.cmds {
		if len(c.Subcommands) > maxOptions {
			return nil, fmt.Errorf("discord: /%s %s has %d subcommands, at most %d fit", RootCommand, c.Name, len(c.Subcommands), maxOptions)
		}
		for _, s := range append([]bot.Subcommand{{Args: c.Args}}, c.Subcommands...) {
			if len(s.Args) > maxOptions {
				return nil, fmt.Errorf("discord: /%s %s %s has %d options, at most %d fit", RootCommand, c.Name, s.Name, len(s.Args), maxOptions)
			}
		}
	}
	if n := commandSize(cs.applicationCommand()); n > maxCommandSize {
		return nil, fmt.Errorf("discord: /%s would take %d characters of names and descriptions, Discord allows %d", RootCommand, n, maxCommandSize)
	}
	return cs, nil
}

// options are the arguments as registered: required ones first, as
// Discord demands. command names the command, for the translations of
// its arguments' help.
func options(command string, args []bot.Arg) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, a := range args {
		key, english := describe(command, a)
		desc, tr := localized(key, english)
		o := &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: a.Name, Description: desc, DescriptionLocalizations: tr,
			Required: a.Required, Autocomplete: a.Kind == bot.Account || a.Kind == bot.Member,
		}
		if a.Kind == bot.Flag {
			o.Type = discordgo.ApplicationCommandOptionBoolean
		}
		if len(a.Choices) <= maxChoices {
			for _, c := range a.Choices {
				o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
			}
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(x, y *discordgo.ApplicationCommandOption) int {
		switch {
		case x.Required == y.Required:
			return 0
		case x.Required:
			return -1
		}
		return 1
	})
	return out
}

// describe is an option's description in English and the grammar key of
// its translations (see localized): the argument's help, else what its
// kind takes.
func describe(command string, a bot.Arg) (key, english string) {
	if a.Help != "" {
		return command + ".arg." + a.Name, a.Help
	}
	switch a.Kind {
	case bot.Account:
		return "discord.kind.account", "Account: slug, name or the start of it"
	case bot.Member:
		return "discord.kind.member", "csbot member id, e.g. aiko"
	case bot.Duration:
		return "discord.kind.duration", "a duration, e.g. 1d or 1w"
	case bot.Date:
		return "discord.kind.date", "a day, YYYY-MM-DD"
	}
	return "", a.Name
}

// localized is a description in English, clipped to Discord's limit, and
// its translations by Discord locale: the catalogues' grammar.<key>, so
// Discord shows /cs in each user's client language. csbot's language
// codes ("ja") are Discord's.
func localized(key, english string) (string, map[discordgo.Locale]string) {
	var tr map[discordgo.Locale]string
	for _, lang := range i18n.Supported() {
		if key == "" || lang == i18n.Default {
			continue
		}
		if s, ok := i18n.For(lang).Lookup(i18n.Grammar+key, nil); ok {
			if tr == nil {
				tr = map[discordgo.Locale]string{}
			}
			tr[discordgo.Locale(lang)] = clipText(s, maxDescLen)
		}
	}
	return clipText(english, maxDescLen), tr
}

// applicationCommand is /cs as Register publishes it.
func (cs *commandSet) applicationCommand() *discordgo.ApplicationCommand {
	desc, tr := localized("discord.root", "csbot: account health, onboarding, churn risks, playbooks and checklists")
	var rootTr *map[discordgo.Locale]string
	if tr != nil {
		rootTr = &tr
	}
	root := &discordgo.ApplicationCommand{
		Type:                     discordgo.ChatApplicationCommand,
		Name:                     RootCommand,
		Description:              desc,
		DescriptionLocalizations: rootTr,
		Contexts:                 &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM},
		IntegrationTypes:         &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall},
	}
	for _, c := range cs.cmds {
		desc, tr := localized(c.Name+".summary", cmp.Or(c.Summary, c.Name))
		if len(c.Subcommands) == 0 {
			root.Options = append(root.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: c.Name, Description: desc, DescriptionLocalizations: tr, Options: options(c.Name, c.Args),
			})
			continue
		}
		g := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: c.Name, Description: desc, DescriptionLocalizations: tr}
		for _, s := range c.Subcommands {
			desc, tr := localized(c.Name+"."+s.Name+".summary", cmp.Or(s.Summary, s.Name))
			g.Options = append(g.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.Name, Description: desc, DescriptionLocalizations: tr, Options: options(c.Name, s.Args),
			})
		}
		root.Options = append(root.Options, g)
	}
	return root
}

// commandSize counts what Discord's 8,000-character limit counts: of a
// translated description, the longest of its languages.
func commandSize(c *discordgo.ApplicationCommand) int {
	var rootTr map[discordgo.Locale]string
	if c.DescriptionLocalizations != nil {
		rootTr = *c.DescriptionLocalizations
	}
	n := utf8.RuneCountInString(c.Name) + longest(c.Description, rootTr)
	var walk func([]*discordgo.ApplicationCommandOption)
	walk = func(opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			n += utf8.RuneCountInString(o.Name) + longest(o.Description, o.DescriptionLocalizations)
			for _, ch := range o.Choices {
				n += utf8.RuneCountInString(ch.Name) + utf8.RuneCountInString(fmt.Sprint(ch.Value))
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return n
}

// errStaleCommand marks an interaction for a command csbot no longer has.
// The user is told adapter.discord.stale.
var errStaleCommand = errors.New("this Discord command is not one csbot knows any more: ask an admin to run `csbot discord register`")

// find returns the command an interaction names, its subcommand's name
// ("" for none), the arguments it takes and the options given.
func (cs *commandSet) find(d discordgo.ApplicationCommandInteractionData) (bot.Command, string, []bot.Arg, []*discordgo.ApplicationCommandInteractionDataOption, error) {
	if d.Name != RootCommand || len(d.Options) == 0 || d.Options[0] == nil {
		return bot.Command{}, "", nil, nil, errStaleCommand
	}
	top := d.Options[0]
	i := slices.IndexFunc(cs.cmds, func(c bot.Command) bool { return c.Name == top.Name })
	if i < 0 {
		return bot.Command{}, "", nil, nil, errStaleCommand
	}
	c := cs.cmds[i]
	switch {
	case top.Type == discordgo.ApplicationCommandOptionSubCommand && len(c.Subcommands) == 0:
		return c, "", c.Args, top.Options, nil
	case top.Type == discordgo.ApplicationCommandOptionSubCommandGroup && len(top.Options) > 0 && top.Options[0] != nil:
		if s, ok := c.Subcommand(top.Options[0].Name); ok {
			return c, s.Name, s.Args, top.Options[0].Options, nil
		}
	}
	return bot.Command{}, "", nil, nil, errStaleCommand
}

// call reads a slash command's options as the arguments of the command
// it names: values go to the router by name, never through a command line.
func (cs *commandSet) call(d discordgo.ApplicationCommandInteractionData) (bot.Call, error) {
	c, sub, _, given, err := cs.find(d)
	if err != nil {
		return bot.Call{}, err
	}
	call := bot.Call{Command: c.Name, Sub: sub, Args: map[string]string{}}
	for _, o := range given {
		if o != nil {
			call.Args[o.Name] = fmt.Sprint(o.Value)
		}
	}
	return call, nil
}

// longest is the length in characters of the longest of a description
// and its translations.
func longest(english string, tr map[discordgo.Locale]string) int {
	n := utf8.RuneCountInString(english)
	for _, s := range tr {
		n = max(n, utf8.RuneCountInString(s))
	}
	return n
}
