package commands

import (
	"context"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
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
		return bot.Reply{}, c.refuse(ctx, req.Member, "status.admins_only", nil)
	}
	failed, err := c.Store.OutboxFailed(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	l := req.L()
	r := bot.Reply{Title: l.T("status.title", nil), Band: "green", Text: l.T("status.all_delivered", nil)}
	if len(failed) == 0 {
		return r, nil
	}
	r.Band = "red"
	r.Text = l.N("status.failed", len(failed), nil)
	lines := make([]string, 0, min(len(failed), listLimit))
	for _, it := range failed[:min(len(failed), listLimit)] {
		lines = append(lines, l.T("status.line", i18n.Data{"ID": it.ID, "Recipient": it.Recipient,
			"Tries": l.N("status.tries", it.Attempts, nil), "Last": stamp(l, it.UpdatedAt), "Err": it.LastError}))
	}
	r.Sections = []bot.Section{{Title: l.T("status.section.failed", nil), Lines: lines}}
	if len(lines) < len(failed) {
		r.Footer = l.N("status.shown", len(failed), i18n.Data{"Shown": len(lines)})
	}
	return r, nil
}
