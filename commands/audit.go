package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
)

// auditDays is how far back `/cs audit` looks unless told.
const auditDays = 30

func (c *cmds) auditCommand() command {
	return command{For: needs(access.Audit), Command: bot.Command{
		Name: "audit",
		Args: []bot.Arg{
			{Name: "subject", Required: true, Help: "an account, or a member as @id"},
			{Name: "days", Help: "how many days back; 30 by default"},
		},
		Summary:  "who changed an account or a member, and what, lately",
		Help:     "Every change from chat, a button, the API, an import or the scheduler is recorded. Leads see their team's, admins everyone's.",
		Examples: []string{"/cs audit acme", "/cs audit @ken 7"},
		Handler:  c.audit,
	}}
}

func (c *cmds) audit(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	n, l := auditDays, req.L()
	if d := req.Arg("days"); d != "" {
		v, err := strconv.Atoi(d)
		if err != nil || v < 1 || v > 3660 {
			return bot.Reply{}, bot.UsageErrorf("%s", l.T("audit.bad_days", i18n.Data{"Days": d}))
		}
		n = v
	}
	me, subject := req.Member, req.Arg("subject")
	var kinds []string
	var id, title string
	if m, ok := strings.CutPrefix(subject, "@"); ok {
		id = handle(m)
		if err := c.requireMember(ctx, id); err != nil {
			return bot.Reply{}, err
		}
		if err := c.allowMember(ctx, me, access.Audit, id); err != nil {
			return bot.Reply{}, err
		}
		kinds, title = []string{store.AuditMember, store.AuditChecklist}, "@"+id
	} else {
		a, err := c.accountFor(ctx, me, access.Audit, subject)
		if err != nil {
			return bot.Reply{}, err
		}
		kinds, id, title = []string{store.AuditAccount}, a.Slug, a.Name
	}
	since := c.Health.Now().AddDate(0, 0, -n)
	var recs []store.AuditRecord
	for _, k := range kinds {
		rs, err := c.Store.Audit(ctx, k, id, since)
		if err != nil {
			return bot.Reply{}, err
		}
		recs = append(recs, rs...)
	}
	slices.SortFunc(recs, func(a, b store.AuditRecord) int { return b.At.Compare(a.At) })
	r := bot.Reply{Title: l.T("audit.title", i18n.Data{"Subject": title, "Days": l.Days(n)})}
	if len(recs) == 0 {
		r.Text = l.T("audit.empty", nil)
		return r, nil
	}
	lines := make([]string, 0, min(len(recs), listLimit))
	for _, rec := range recs[:min(len(recs), listLimit)] {
		lines = append(lines, auditLine(l, rec))
	}
	r.Sections = []bot.Section{{Lines: lines}}
	r.Footer = l.T("audit.footer", i18n.Data{"Shown": len(lines), "Changes": l.N("audit.changes", len(recs), nil)})
	return r, nil
}

// auditLine shows one record: when, who from where, what changed. The
// fields and values are the stored ones, as the export writes them.
func auditLine(l *i18n.Localizer, r store.AuditRecord) string {
	who, channel := r.Actor.Name, cmp.Or(r.Actor.ChannelName, r.Actor.Channel)
	switch {
	case r.Actor.Platform != "" && channel != "":
		who = "@" + who + " (" + r.Actor.Platform + " #" + channel + ")"
	case r.Actor.Platform != "":
		who = "@" + who + " (" + r.Actor.Platform + ")"
	case channel != "":
		who += " (" + channel + ")"
	}
	changes := make([]string, 0, len(r.Changes))
	for _, ch := range r.Changes {
		changes = append(changes, fmt.Sprintf("%s %s -> %s", ch.Field, clip(orDash(ch.Before)), clip(orDash(ch.After))))
	}
	key := "audit.line"
	if r.Version == 0 {
		key = "audit.line_daily" // the nightly refresh's: "v0" would read as a version
	}
	return l.T(key, i18n.Data{"At": l.Time(r.At), "Who": who, "Kind": l.T("audit.kind."+r.Kind, nil), "Version": r.Version, "Changes": strings.Join(changes, "; ")})
}

// clip shortens a long value so one change stays one line.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
