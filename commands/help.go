package commands

import (
	"context"
	"fmt"

	"github.com/csbot/csbot/bot"
)

func helpCommand(reg *bot.Registry) bot.Command {
	return bot.Command{
		Name:     "help",
		Usage:    "[command]",
		Summary:  "what csbot can do, and how to use each command",
		Examples: []string{"/cs help", "/cs help health"},
		Handler: func(_ context.Context, req *bot.Request) (bot.Reply, error) {
			if len(req.Args) == 0 {
				lines := []string{}
				for _, c := range reg.Commands() {
					lines = append(lines, fmt.Sprintf("%-34s %s", c.UsageLine(), c.Summary))
				}
				return bot.Reply{
					Title:    "csbot: customer success in chat",
					Sections: []bot.Section{{Title: "Commands", Lines: lines}},
					Footer:   "/cs help <command> shows details and examples",
				}, nil
			}
			c, ok := reg.Lookup(req.Args[0])
			if !ok {
				msg := fmt.Sprintf("There is no command `%s`.", req.Args[0])
				if near, ok := reg.Closest(req.Args[0]); ok {
					msg += " Did you mean `" + near.Name + "`?"
				}
				return bot.Reply{}, bot.Errorf("%s", msg)
			}
			r := bot.Reply{Title: c.UsageLine(), Text: c.Summary}
			if c.Help != "" {
				r.Text += "\n" + c.Help
			}
			if len(c.Aliases) > 0 {
				r.Fields = append(r.Fields, bot.Field{Name: "Also", Value: fmt.Sprint(c.Aliases)})
			}
			if len(c.Examples) > 0 {
				r.Sections = []bot.Section{{Title: "Examples", Lines: c.Examples}}
			}
			return r, nil
		},
	}
}
