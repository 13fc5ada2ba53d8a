package discord

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/internal/golden"
)

// testRegistry holds commands of every shape csbot's commands use; the
// commands are data, so none of them is special-cased.
func testRegistry(t testing.TB) *bot.Registry {
	t.Helper()
	nop := func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{}, nil }
	account := bot.Arg{Name: "account", Kind: bot.Account, Required: true}
	share := bot.Arg{Name: "share", Kind: bot.Flag, Help: "Show the answer to the whole channel, not only to you"}
	reg := bot.NewRegistry()
	err := reg.Register(
		bot.Command{Name: "help", Args: []bot.Arg{{Name: "command"}}, Summary: "what csbot can do", Handler: nop},
		bot.Command{Name: "health", Args: []bot.Arg{account, {Name: "view", Kind: bot.Enum, Choices: []string{"why", "chart"}}, share},
			Summary: "health score", Handler: nop},
		bot.Command{Name: "accounts", Args: []bot.Arg{
			{Name: "scope", Kind: bot.Enum, Choices: []string{"mine", "team", "all"}},
			{Name: "owner", Kind: bot.Member},
			{Name: "tier", Kind: bot.Enum, Option: true, Choices: []string{"high", "low", "tech"}},
			{Name: "region", Option: true},
			{Name: "risk", Kind: bot.Flag},
		}, Summary: "a book of accounts", Slow: true, Handler: nop},
		bot.Command{Name: "note", Args: []bot.Arg{{Name: "account", Kind: bot.Account, Required: true}, {Name: "text", Kind: bot.Text, Required: true}},
			Summary: "log a touch", Handler: nop},
		bot.Command{Name: "playbook", Subcommands: []bot.Subcommand{
			{Name: "list", Summary: "the playbooks"},
			{Name: "start", Args: []bot.Arg{{Name: "playbook", Required: true}, account}},
		}, Summary: "playbooks", Handler: nop},
		bot.Command{Name: "reminder", Subcommands: []bot.Subcommand{
			{Name: "snooze", Args: []bot.Arg{{Name: "for", Kind: bot.Duration, Required: true, Choices: []string{"1d", "1w"}}, {Name: "id", Required: true}}},
		}, Summary: "reminders", Handler: nop},
		bot.Command{Name: "checklist", Subcommands: []bot.Subcommand{
			{Name: "assign", Args: []bot.Arg{{Name: "new-hire", Kind: bot.Member, Required: true}, {Name: "template", Required: true},
				{Name: "mentor", Kind: bot.Member, Option: true, Spaced: true}, {Name: "start", Kind: bot.Date, Option: true, Spaced: true}}},
		}, Summary: "checklists", Handler: nop},
		bot.Command{Name: "whoami", Summary: "who you are", Handler: nop},
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestApplicationCommandGolden(t *testing.T) {
	cs, err := newCommandSet(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(cs.applicationCommand(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "commands.golden", append(got, '\n'))
}

// opt is one option as Discord sends it in an interaction.
type opt struct {
	name  string
	value any
}

func slashData(path []string, opts ...opt) discordgo.ApplicationCommandInteractionData {
	var given []*discordgo.ApplicationCommandInteractionDataOption
	for _, o := range opts {
		typ := discordgo.ApplicationCommandOptionString
		if _, ok := o.value.(bool); ok {
			typ = discordgo.ApplicationCommandOptionBoolean
		}
		given = append(given, &discordgo.ApplicationCommandInteractionDataOption{Name: o.name, Type: typ, Value: o.value})
	}
	top := &discordgo.ApplicationCommandInteractionDataOption{Name: path[0], Type: discordgo.ApplicationCommandOptionSubCommand, Options: given}
	if len(path) == 2 {
		top = &discordgo.ApplicationCommandInteractionDataOption{Name: path[0], Type: discordgo.ApplicationCommandOptionSubCommandGroup,
			Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: path[1], Type: discordgo.ApplicationCommandOptionSubCommand, Options: given}}}
	}
	return discordgo.ApplicationCommandInteractionData{Name: RootCommand, Options: []*discordgo.ApplicationCommandInteractionDataOption{top}}
}

// A slash command's options reach the router by name, as given.
func TestCommandCalls(t *testing.T) {
	cs, err := newCommandSet(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path []string
		opts []opt
		want bot.Call
	}{
		{[]string{"health"}, []opt{{"account", "Sakura Logistics"}, {"share", true}},
			bot.Call{Command: "health", Args: map[string]string{"account": "Sakura Logistics", "share": "true"}}},
		{[]string{"help"}, nil, bot.Call{Command: "help", Args: map[string]string{}}},
		{[]string{"note"}, []opt{{"account", `Tom "the" Cat`}, {"text", `call: the CTO said "SSO first"`}},
			bot.Call{Command: "note", Args: map[string]string{"account": `Tom "the" Cat`, "text": `call: the CTO said "SSO first"`}}},
		{[]string{"playbook", "list"}, nil, bot.Call{Command: "playbook", Sub: "list", Args: map[string]string{}}},
		{[]string{"reminder", "snooze"}, []opt{{"id", "reminder/x/y"}, {"for", "1w"}},
			bot.Call{Command: "reminder", Sub: "snooze", Args: map[string]string{"id": "reminder/x/y", "for": "1w"}}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.path, " "), func(t *testing.T) {
			got, err := cs.call(slashData(tc.path, tc.opts...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("call (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandCallRefusals(t *testing.T) {
	cs, err := newCommandSet(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data discordgo.ApplicationCommandInteractionData
	}{
		{"another command", discordgo.ApplicationCommandInteractionData{Name: "other"}},
		{"no subcommand", discordgo.ApplicationCommandInteractionData{Name: RootCommand}},
		{"unknown subcommand", slashData([]string{"gone"})},
		{"unknown group member", slashData([]string{"playbook", "gone"})},
		{"group used as subcommand", slashData([]string{"playbook"})},
		{"subcommand used as group", slashData([]string{"health", "acme"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := cs.call(tc.data); err == nil {
				t.Errorf("call = %+v, want an error", got)
			}
		})
	}
}

// Every command csbot has today maps to a valid Discord command.
func TestRealCommandsFitDiscord(t *testing.T) {
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{}); err != nil {
		t.Fatal(err)
	}
	cs, err := newCommandSet(reg)
	if err != nil {
		t.Fatal(err)
	}
	checkCommand(t, cs)
	if len(cs.applicationCommand().Options) != len(reg.Commands()) {
		t.Errorf("%d Discord subcommands for %d commands", len(cs.cmds), len(reg.Commands()))
	}
}

// validName is Discord's rule for names: letters with a lower case are
// lower case.
var validName = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

// checkCommand asserts Discord's rules for an application command.
func checkCommand(t *testing.T, cs *commandSet) {
	t.Helper()
	root := cs.applicationCommand()
	if n := commandSize(root); n > maxCommandSize {
		t.Errorf("command size %d > %d", n, maxCommandSize)
	}
	var walk func(path string, opts []*discordgo.ApplicationCommandOption)
	walk = func(path string, opts []*discordgo.ApplicationCommandOption) {
		if len(opts) > maxOptions {
			t.Errorf("%s: %d options", path, len(opts))
		}
		seen, optional := map[string]bool{}, false
		for _, o := range opts {
			p := path + " " + o.Name
			if !validName.MatchString(o.Name) || o.Name != strings.ToLower(o.Name) || seen[o.Name] {
				t.Errorf("%s: invalid or repeated name", p)
			}
			seen[o.Name] = true
			if d := size(o.Description); d < 1 || d > maxDescLen {
				t.Errorf("%s: description of %d characters", p, d)
			}
			if len(o.Choices) > maxChoices || len(o.Choices) > 0 && o.Autocomplete {
				t.Errorf("%s: %d choices, autocomplete %v", p, len(o.Choices), o.Autocomplete)
			}
			if o.Type != discordgo.ApplicationCommandOptionSubCommand && o.Type != discordgo.ApplicationCommandOptionSubCommandGroup {
				if o.Required && optional {
					t.Errorf("%s: required after optional", p)
				}
				optional = optional || !o.Required
			}
			walk(p, o.Options)
		}
	}
	walk("/cs", root.Options)
}
