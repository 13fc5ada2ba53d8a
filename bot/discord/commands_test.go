package discord

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/internal/golden"
)

// testRegistry holds usage grammars of every shape csbot's commands use;
// the commands are data, so none of them is special-cased.
func testRegistry(t testing.TB) *bot.Registry {
	t.Helper()
	nop := func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{}, nil }
	reg := bot.NewRegistry()
	err := reg.Register(
		bot.Command{Name: "help", Usage: "[command]", Summary: "what csbot can do", Examples: []string{"/cs help health"}, Handler: nop},
		bot.Command{Name: "health", Usage: "<account> [share]", Summary: "health score", Handler: nop},
		bot.Command{Name: "accounts", Usage: "[mine|@user|team|all] [tier:T] [region:R] [risk]", Summary: "a book of accounts",
			Examples: []string{"/cs accounts risk"}, Handler: nop},
		bot.Command{Name: "risk", Usage: "[mine|team|all]", Summary: "churn risks", Slow: true, Handler: nop},
		bot.Command{Name: "kpi", Usage: "[team|region:R|tier:T|all] [period:30d|90d|qtd|ytd] [chart]", Summary: "KPIs",
			Help: "`chart` adds a PNG.", Handler: nop},
		bot.Command{Name: "note", Usage: "<account> <text>", Summary: "log a touch", Handler: nop},
		bot.Command{Name: "playbook", Usage: "list | status <account> | start|stop <playbook> <account>", Summary: "playbooks", Handler: nop},
		bot.Command{Name: "reminder", Usage: "done <id> | snooze 1d|1w <id>", Summary: "reminders", Handler: nop},
		bot.Command{Name: "team", Usage: "[list | show <team> | member <id> [key:value ...] | assign <account> @owner]", Summary: "who is who", Handler: nop},
		bot.Command{Name: "checklist", Usage: "mine | done <item> [evidence] | assign @new-hire <template> [mentor @m] [start YYYY-MM-DD]", Summary: "checklists", Handler: nop},
		bot.Command{Name: "whoami", Summary: "who you are", Handler: nop},
		bot.Command{Name: "broken", Usage: "[unclosed <x>", Summary: "a grammar csbot cannot map", Handler: nop},
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

func TestCommandLines(t *testing.T) {
	cs, err := newCommandSet(testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path []string
		opts []opt
		want string
	}{
		{[]string{"health"}, []opt{{"account", "acme"}}, "health acme"},
		{[]string{"health"}, []opt{{"account", "Sakura Logistics"}, {"share", true}}, `health "Sakura Logistics" share`},
		{[]string{"health"}, []opt{{"account", "acme"}, {"share", false}}, "health acme"},
		{[]string{"help"}, nil, "help"},
		{[]string{"help"}, []opt{{"command", "health"}}, "help health"},
		{[]string{"accounts"}, []opt{{"risk", true}, {"mine-or-user-or-team-or-all", "@yui"}, {"tier", "high"}}, "accounts @yui tier:high risk"},
		{[]string{"accounts"}, []opt{{"region", "Kanto East"}}, `accounts region:"Kanto East"`},
		{[]string{"risk"}, []opt{{"mine-or-team-or-all", "all"}}, "risk all"},
		{[]string{"kpi"}, []opt{{"period", "qtd"}, {"chart", true}, {"team-or-region-or-tier-or-all", "region:osaka"}}, "kpi region:osaka period:qtd chart"},
		// The last free word is written as typed: quotes and all.
		{[]string{"note"}, []opt{{"account", "Sakura Logistics"}, {"text", `call: the CTO said "SSO first"`}}, `note "Sakura Logistics" call: the CTO said "SSO first"`},
		{[]string{"note"}, []opt{{"account", `Tom "the" Cat`}, {"text", "x"}}, `note “Tom "the" Cat” x`},
		{[]string{"playbook", "list"}, nil, "playbook list"},
		{[]string{"playbook", "stop"}, []opt{{"account", "acme"}, {"playbook", "save-plan"}}, "playbook stop save-plan acme"},
		{[]string{"reminder", "snooze"}, []opt{{"id", "reminder/x/y"}, {"1d-or-1w", "1w"}}, "reminder snooze 1w reminder/x/y"},
		{[]string{"team", "member"}, []opt{{"id", "yui"}, {"values", `name:"Yui Mori" roles:csm`}}, `team member yui name:"Yui Mori" roles:csm`},
		{[]string{"team", "assign"}, []opt{{"account", "acme"}, {"owner", "ken"}}, "team assign acme @ken"},
		{[]string{"checklist", "assign"}, []opt{{"new-hire", "@hana"}, {"template", "csm-30-60-90"}, {"mentor", "kenji"}, {"start", "2026-11-02"}},
			"checklist assign @hana csm-30-60-90 mentor @kenji start 2026-11-02"},
		{[]string{"checklist", "done"}, []opt{{"item", "shadow"}, {"evidence", "https://wiki.example.com/a b"}}, "checklist done shadow https://wiki.example.com/a b"},
		{[]string{"whoami"}, nil, "whoami"},
		{[]string{"broken"}, []opt{{"text", "anything at all"}}, "broken anything at all"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got, err := cs.line(slashData(tc.path, tc.opts...))
			if err != nil || got != tc.want {
				t.Errorf("line = %q, %v; want %q", got, err, tc.want)
			}
			// What the router reads back is what was given.
			if tc.want != "" && strings.Join(bot.Tokenize(got), " ") == "" {
				t.Errorf("line %q tokenizes to nothing", got)
			}
		})
	}
}

func TestCommandLineRefusals(t *testing.T) {
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
		{"required option missing", slashData([]string{"note"}, opt{"account", "acme"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := cs.line(tc.data); err == nil {
				t.Errorf("line = %q, want an error", got)
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
	if len(cs.cmds) != len(reg.Commands()) {
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

func FuzzUsage(f *testing.F) {
	for _, c := range testRegistry(f).Commands() {
		f.Add(c.Usage)
	}
	f.Add("[a [b | c] d] | <x> ... | @y|z")
	f.Add("] [ | |")
	f.Fuzz(func(t *testing.T, usage string) {
		reg := bot.NewRegistry()
		if err := reg.Register(bot.Command{Name: "x", Usage: usage, Summary: "fuzz", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			return bot.Reply{}, nil
		}}); err != nil {
			t.Fatal(err)
		}
		cs, err := newCommandSet(reg)
		if err != nil {
			return // too big for Discord: refused, not broken
		}
		checkCommand(t, cs)
		// Every subcommand, given a value for every option, makes a line
		// that starts with the command.
		for _, b := range cs.cmds[0].branches() {
			var opts []opt
			for _, o := range b.opts {
				switch o.kind {
				case optConst:
				case optFlag:
					opts = append(opts, opt{o.name, true})
				default:
					opts = append(opts, opt{o.name, "v w"})
				}
			}
			path := []string{cs.cmds[0].name}
			if cs.cmds[0].group != nil {
				path = append(path, b.name)
			}
			line, err := cs.line(slashData(path, opts...))
			if err != nil || !strings.HasPrefix(line, "x") {
				t.Errorf("usage %q, subcommand %s: line %q, %v", usage, b.name, line, err)
			}
		}
	})
}
