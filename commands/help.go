package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
)

func (cm *cmds) helpCommand(reg *bot.Registry) command {
	return command{For: everyone, Command: bot.Command{
		Name:     "help",
		Args:     []bot.Arg{{Name: "command", Help: "a command to explain, e.g. health"}},
		Summary:  "what csbot can do, and how to use each command",
		Examples: []string{"/cs help", "/cs help health"},
		Handler: func(_ context.Context, req *bot.Request) (bot.Reply, error) {
			l := req.L()
			if !req.Has("command") {
				lines := []string{}
				for _, c := range reg.Commands() {
					if !cm.mayRun(req.Member, c.Name) {
						continue
					}
					lines = append(lines, columns(c.UsageLine(), c.SummaryIn(l)))
				}
				return bot.Reply{
					Title:    l.T("help.title", nil),
					Sections: []bot.Section{{Title: l.T("help.commands", nil), Lines: lines}},
					Footer:   l.T("help.footer", nil),
				}, nil
			}
			name := req.Arg("command")
			c, ok := reg.Lookup(name)
			if !ok {
				msg := l.T("help.unknown", i18n.Data{"Name": name})
				if near, ok := reg.Closest(name); ok {
					msg = l.T("router.unknown_did_you_mean", i18n.Data{"Name": name, "Near": near.Name})
				}
				return bot.Reply{}, bot.Errorf("%s", msg)
			}
			return commandHelp(l, c), nil
		},
	}}
}

// commandHelp explains one command: its subcommands, its arguments and
// examples, all from the command's grammar, in the language where the
// catalogue translates it (grammarText).
func commandHelp(l *i18n.Localizer, c bot.Command) bot.Reply {
	r := bot.Reply{Title: c.UsageLine(), Text: c.SummaryIn(l)}
	if c.Help != "" {
		r.Text += "\n" + grammarText(l, c.Name+".help", c.Help)
	}
	if len(c.Aliases) > 0 {
		r.Fields = append(r.Fields, bot.Field{Name: l.T("help.also", nil), Value: fmt.Sprint(c.Aliases)})
	}
	var subs []string
	args := c.Args
	for _, s := range c.Subcommands {
		subs = append(subs, columns(c.SubUsageLine(s.Name), grammarText(l, c.Name+"."+s.Name+".summary", s.Summary)))
		args = append(args, s.Args...)
	}
	if len(subs) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("help.subcommands", nil), Lines: subs})
	}
	if lines := argLines(l, c.Name, args); len(lines) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("help.arguments", nil), Lines: lines})
	}
	if len(c.Examples) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("help.examples", nil), Lines: c.Examples})
	}
	return r
}

// grammarText is text the command grammar holds in English, in the
// localizer's language: the catalogue's grammar.<key> (e.g.
// grammar.team.help, grammar.team.list.summary, grammar.team.arg.id), else
// the English.
func grammarText(l *i18n.Localizer, key, english string) string {
	if s, ok := l.Lookup(i18n.Grammar+key, nil); ok {
		return s
	}
	return english
}

// argLines says what each argument of the command takes, once per name.
func argLines(l *i18n.Localizer, command string, args []bot.Arg) []string {
	var lines []string
	seen := map[string]bool{}
	for _, a := range args {
		if seen[a.Name] || a.Help == "" && len(a.Choices) == 0 {
			continue
		}
		seen[a.Name] = true
		text := grammarText(l, command+".arg."+a.Name, a.Help)
		if len(a.Choices) > 0 {
			text = strings.TrimSpace(l.T("help.one_of", i18n.Data{"Text": text, "Choices": strings.Join(a.Choices, ", ")}))
		}
		lines = append(lines, fmt.Sprintf("%-10s %s", a.Name, text))
	}
	return lines
}

// columns lines up a usage and what it does; a usage too long for the
// column keeps two spaces, so the line still reads as aligned text.
func columns(usage, what string) string {
	return fmt.Sprintf("%-33s  %s", usage, what)
}
