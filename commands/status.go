package commands

import (
	"context"
	"fmt"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// statusRoles may read the delivery failures.
var statusRoles = []store.Role{store.RoleAdmin, store.RoleOps}

func (c *cmds) statusCommand() command {
	return command{For: roles(statusRoles...), Command: bot.Command{
		Name:     "status",
		Summary:  "admins: messages csbot could not deliver after every retry",
		Examples: []string{"/cs status"},
		Handler:  c.status,
	}}
}

func (c *cmds) status(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if !req.Member.Has(statusRoles...) {
		return bot.Reply{}, bot.Errorf("`/cs status` is for admins and CS ops.")
	}
	failed, err := c.Store.OutboxFailed(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	r := bot.Reply{Title: "csbot status", Band: "green", Text: "Every message was delivered or is still being tried."}
	if len(failed) == 0 {
		return r, nil
	}
	r.Band = "red"
	r.Text = fmt.Sprintf("%d messages failed for good; check the recipients' chat links and the adapter logs.", len(failed))
	lines := make([]string, 0, min(len(failed), listLimit))
	for _, it := range failed[:min(len(failed), listLimit)] {
		lines = append(lines, fmt.Sprintf("%s to @%s, %d tries, last %s: %s", it.ID, it.Recipient, it.Attempts, it.UpdatedAt.UTC().Format("2006-01-02 15:04"), it.LastError))
	}
	r.Sections = []bot.Section{{Title: "Failed", Lines: lines}}
	r.Footer = shownFooter(len(lines), len(failed))
	return r, nil
}
