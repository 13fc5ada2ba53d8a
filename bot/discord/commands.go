package discord

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
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
// Discord demands.
func options(args []bot.Arg) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, a := range args {
		o := &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: a.Name, Description: clipText(describe(a), maxDescLen),
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

// describe is an option's description: the argument's help, else what
// its kind takes.
func describe(a bot.Arg) string {
	if a.Help != "" {
		return a.Help
	}
	switch a.Kind {
	case bot.Account:
		return "Account: slug, name or the start of it"
	case bot.Member:
		return "csbot member id, e.g. aiko"
	case bot.Duration:
		return "a duration, e.g. 1d or 1w"
	case bot.Date:
		return "a day, YYYY-MM-DD"
	}
	return a.Name
}

// applicationCommand is /cs as Register publishes it.
func (cs *commandSet) applicationCommand() *discordgo.ApplicationCommand {
	root := &discordgo.ApplicationCommand{
		Type:             discordgo.ChatApplicationCommand,
		Name:             RootCommand,
		Description:      "csbot: account health, onboarding, churn risks, playbooks and checklists",
		Contexts:         &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM},
		IntegrationTypes: &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall},
	}
	for _, c := range cs.cmds {
		desc := clipText(cmp.Or(c.Summary, c.Name), maxDescLen)
		if len(c.Subcommands) == 0 {
			root.Options = append(root.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: c.Name, Description: desc, Options: options(c.Args),
			})
			continue
		}
		g := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: c.Name, Description: desc}
		for _, s := range c.Subcommands {
			g.Options = append(g.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: s.Name, Description: clipText(cmp.Or(s.Summary, s.Name), maxDescLen), Options: options(s.Args),
			})
		}
		root.Options = append(root.Options, g)
	}
	return root
}

// commandSize counts what Discord's 8,000-character limit counts.
func commandSize(c *discordgo.ApplicationCommand) int {
	n := utf8.RuneCountInString(c.Name) + utf8.RuneCountInString(c.Description)
	var walk func([]*discordgo.ApplicationCommandOption)
	walk = func(opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			n += utf8.RuneCountInString(o.Name) + utf8.RuneCountInString(o.Description)
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
