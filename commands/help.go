package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/csbot/csbot/bot"
)

func (cm *cmds) helpCommand(reg *bot.Registry) bot.Command {
	return bot.Command{
		Name:     "help",
		Args:     []bot.Arg{{Name: "command", Help: "a command to explain, e.g. health"}},
		Summary:  "what csbot can do, and how to use each command",
		Examples: []string{"/cs help", "/cs help health"},
		Handler: func(_ context.Context, req *bot.Request) (bot.Reply, error) {
			if !req.Has("command") {
				lines := []string{}
				for _, c := range reg.Commands() {
					if !cm.mayRun(req.Member, c.Name) {
						continue
					}
					lines = append(lines, columns(c.UsageLine(), c.Summary))
				}
				return bot.Reply{
					Title:    "csbot: customer success in chat",
					Sections: []bot.Section{{Title: "Commands", Lines: lines}},
					Footer:   "/cs help <command> shows details and examples",
				}, nil
			}
			name := req.Arg("command")
			c, ok := reg.Lookup(name)
			if !ok {
				msg := fmt.Sprintf("There is no command `%s`.", name)
				if near, ok := reg.Closest(name); ok {
					msg += " Did you mean `" + near.Name + "`?"
				}
				return bot.Reply{}, bot.Errorf("%s", msg)
			}
			return commandHelp(c), nil
		},
	}
}

// commandHelp explains one command: its subcommands, its arguments and
// examples, all from the command's grammar.
func commandHelp(c bot.Command) bot.Reply {
	r := bot.Reply{Title: c.UsageLine(), Text: c.Summary}
	if c.Help != "" {
		r.Text += "\n" + c.Help
	}
	if len(c.Aliases) > 0 {
		r.Fields = append(r.Fields, bot.Field{Name: "Also", Value: fmt.Sprint(c.Aliases)})
	}
	var subs []string
	args := c.Args
	for _, s := range c.Subcommands {
		subs = append(subs, columns(c.SubUsageLine(s.Name), s.Summary))
		args = append(args, s.Args...)
	}
	if len(subs) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Subcommands", Lines: subs})
	}
	if lines := argLines(args); len(lines) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Arguments", Lines: lines})
	}
	if len(c.Examples) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Examples", Lines: c.Examples})
	}
	return r
}

// argLines says what each argument takes, once per name.
func argLines(args []bot.Arg) []string {
	var lines []string
	seen := map[string]bool{}
	for _, a := range args {
		if seen[a.Name] || a.Help == "" && len(a.Choices) == 0 {
			continue
		}
		seen[a.Name] = true
		text := a.Help
		if len(a.Choices) > 0 {
			text = strings.TrimSpace(text + " (one of " + strings.Join(a.Choices, ", ") + ")")
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
