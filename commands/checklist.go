package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
)

func (c *cmds) checklistCommand() command {
	return command{For: everyone, Command: bot.Command{
		Name: "checklist",
		Subcommands: []bot.Subcommand{
			{Name: "mine", Summary: "your own checklist", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistStatus(ctx, req.L(), req.Member, req.Member.ID, false)
			})},
			{Name: "done", Args: []bot.Arg{ownHire, itemArg, {Name: "evidence", Kind: bot.Text, Help: "a link or a note"}},
				Summary: "tick one of your items", Handler: c.withChecklists(c.checklistOwn)},
			{Name: "help", Args: []bot.Arg{ownHire, itemArg}, Summary: "ask your mentor for help with an item", Handler: c.withChecklists(c.checklistOwn)},
			{Name: "assign", Args: []bot.Arg{hireArg, {Name: "template", Required: true, Help: "a checklist template, e.g. csm-30-60-90"},
				{Name: "mentor", Kind: bot.Member, Option: true, Spaced: true, Help: "the mentor who signs items off"},
				{Name: "start", Kind: bot.Date, Option: true, Spaced: true, Help: "the first day; today by default"}},
				Summary: "give a new hire a checklist", Handler: c.withChecklists(c.checklistAssign)},
			{Name: "verify", Args: []bot.Arg{hireArg, itemArg}, Summary: "sign off a new hire's item", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistVerify(ctx, req.L(), req.Member, req.Arg("new-hire"), req.Arg("item"))
			})},
			{Name: "status", Args: []bot.Arg{hireArg}, Summary: "a new hire's checklist in full", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistStatus(ctx, req.L(), req.Member, req.Arg("new-hire"), true)
			})},
			{Name: "team", Summary: "the checklists of those you mentor or lead", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistTeam(ctx, req.L(), req.Member)
			})},
			{Name: "templates", Summary: "the checklist templates", Handler: c.withChecklists(func(_ context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistTemplates(req.L()), nil
			})},
		},
		Summary: "mentor checklists that onboard new hires: what's next, what's overdue, sign-offs",
		Help: "<item> is the item's number or an unambiguous start of its name. " +
			"assign: mentors, leads and admins (assigning the same template again keeps the progress). " +
			"done and help: the new hire, on their own items (help pings the mentor). " +
			"verify: the new hire's mentor, a lead or an admin, never the new hire. " +
			"status: the new hire, their mentor, leads and admins. team: mentors and leads.",
		Examples: []string{
			"/cs checklist assign @yuki csm-30-60-90 mentor @aiko start 2026-11-02",
			"/cs checklist mine",
			"/cs checklist done shadow https://wiki.example.com/notes/shadowing",
			"/cs checklist verify @yuki 4",
			"/cs checklist team",
		},
	}}
}

// Arguments of the checklist subcommands.
var (
	hireArg = bot.Arg{Name: "new-hire", Kind: bot.Member, Required: true, Help: "the new hire, e.g. @yuki"}
	// ownHire lets new hires name themselves: `done @yuki 3` is `done 3`.
	ownHire = bot.Arg{Name: "new-hire", Kind: bot.Member, Help: "yourself; only your own items can be ticked"}
	itemArg = bot.Arg{Name: "item", Required: true, Help: "an item's number or the start of its name"}
)

// withChecklists refuses every subcommand while no templates are loaded.
func (c *cmds) withChecklists(h bot.Handler) bot.Handler {
	return func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
		if c.Checklists == nil {
			return bot.Reply{}, bot.Errorf("%s", req.L().T("checklist.none_loaded", nil))
		}
		return h(ctx, req)
	}
}

// checklistOwn runs done and help, which act on the asker's own items.
func (c *cmds) checklistOwn(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, l := req.Member, req.L()
	if id := req.Arg("new-hire"); id != "" && id != me.ID {
		hire, err := c.checklistMember(ctx, l, id)
		if err != nil {
			return bot.Reply{}, err
		}
		return bot.Reply{}, c.refuse(ctx, me, "checklist.only_own", i18n.Data{"ID": hire.ID}, hire.ID)
	}
	if err := c.allowMember(ctx, me, access.Checklist, me.ID); err != nil {
		return bot.Reply{}, err
	}
	if req.Sub == "help" {
		return c.checklistHelp(ctx, l, me, req.Arg("item"))
	}
	return c.checklistDone(ctx, l, me, req.Arg("item"), strings.TrimSpace(req.Arg("evidence")))
}

func (c *cmds) checklistTemplates(l *i18n.Localizer) bot.Reply {
	var lines []string
	for _, t := range c.Checklists.Templates {
		lines = append(lines, l.T("checklist.templates.line", i18n.Data{"Name": t.Name, "Items": len(t.Items), "Weeks": t.Weeks(), "Description": t.Description.In(l.Lang())}))
	}
	return bot.Reply{Title: l.T("checklist.templates.title", nil), Sections: []bot.Section{{Lines: lines}}}
}

// member reads a member a command names, with a clear error for a stranger.
func (c *cmds) checklistMember(ctx context.Context, l *i18n.Localizer, id string) (store.Member, error) {
	if id == "" {
		return store.Member{}, bot.UsageErrorf("%s", l.T("checklist.name_hire", nil))
	}
	m, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, bot.Errorf("%s", l.T("checklist.no_member", i18n.Data{"ID": id}))
	}
	return m, err
}

// assignment loads a new hire's checklist and its template.
func (c *cmds) assignment(ctx context.Context, l *i18n.Localizer, id string, mine bool) (store.Assignment, checklists.Template, error) {
	a, err := c.Store.Assignment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		key := "checklist.none_theirs"
		if mine {
			key = "checklist.none_mine"
		}
		return a, checklists.Template{}, bot.Errorf("%s", l.T(key, i18n.Data{"ID": id}))
	}
	if err != nil {
		return a, checklists.Template{}, err
	}
	t, ok := c.Checklists.Lookup(a.Template)
	if !ok {
		return a, t, bot.Errorf("%s", l.T("checklist.template_gone", i18n.Data{"ID": id, "Template": a.Template}))
	}
	return a, t, nil
}

func findItem(l *i18n.Localizer, t checklists.Template, query string) (checklists.Item, error) {
	i, err := t.Find(l, query)
	if err != nil {
		return checklists.Item{}, bot.Errorf("%s", err)
	}
	return t.Items[i], nil
}

func (c *cmds) checklistAssign(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, l := req.Member, req.L()
	if !me.Has(store.RoleMentor, store.RoleLead, store.RoleAdmin) {
		return bot.Reply{}, c.refuseWithLead(ctx, me, me, "checklist.who_assigns", nil)
	}
	// Whom a mentor may take on is the checklist's own rule (below); the
	// table decides whether the member may assign at all.
	if err := c.administer(ctx, me, access.Checklist); err != nil {
		return bot.Reply{}, err
	}
	hire, err := c.checklistMember(ctx, l, req.Arg("new-hire"))
	if err != nil {
		return bot.Reply{}, err
	}
	t, ok := c.Checklists.Lookup(strings.ToLower(req.Arg("template")))
	if !ok {
		return bot.Reply{}, bot.Errorf("%s", l.T("checklist.no_template", i18n.Data{"Name": req.Arg("template"), "Names": l.Join(c.Checklists.Names())}))
	}
	// Admins and the hire's leads may assign freely; a mentor only a hire
	// nobody else mentors, and only with themselves as mentor.
	oversees := me.Has(store.RoleAdmin) || c.leadOf(ctx, me, hire)
	mayMentor := func(current string) error {
		if oversees || current == "" || current == me.ID {
			return nil
		}
		return c.refuseWithLead(ctx, me, hire, "checklist.mentored_by", i18n.Data{"Hire": hire.ID, "Mentor": current}, current)
	}
	mentor, start := "", req.Arg("start")
	if req.Has("mentor") {
		m, err := c.checklistMember(ctx, l, req.Arg("mentor"))
		if err != nil {
			return bot.Reply{}, err
		}
		switch {
		case m.ID == hire.ID:
			return bot.Reply{}, bot.Errorf("%s", l.T("checklist.self_mentor", i18n.Data{"ID": m.ID}))
		case !oversees && m.ID != me.ID:
			return bot.Reply{}, c.refuseWithLead(ctx, me, hire, "checklist.mentor_self_only", i18n.Data{"ID": m.ID})
		case !m.Has(store.RoleMentor, store.RoleLead):
			return bot.Reply{}, bot.Errorf("%s", l.T("checklist.not_mentor", i18n.Data{"ID": m.ID}))
		}
		mentor = m.ID
	}
	now := c.Health.Now()
	var kept bool
	// current is the checklist as it stands when nothing changes: the
	// store returns no document with errUnchanged.
	var current store.Assignment
	// changes are recorded in English, the trail's language, and shown in
	// the member's.
	var changes, shown []string
	change := func(key, value, display string) {
		changes = append(changes, i18n.English.T(key, i18n.Data{"Value": value}))
		shown = append(shown, l.T(key, i18n.Data{"Value": display}))
	}
	a, err := c.Store.UpdateAssignment(ctx, hire.ID, func(a *store.Assignment) error {
		// Checked on the fresh document: it may have changed since the command began.
		if err := mayMentor(a.Mentor); err != nil {
			return err
		}
		// Locals, so a retry after a concurrent write starts from what was typed.
		mentor, start := mentor, start
		kept = a.Template == t.Name
		changes, shown = nil, nil
		if mentor == "" && a.Mentor == "" && me.Has(store.RoleMentor) && me.ID != hire.ID {
			mentor = me.ID
		}
		if start == "" && a.Start == "" {
			start = checklists.Today(now, checklists.Location(hire, c.TZ)).Format(time.DateOnly)
		}
		if a.Template != t.Name {
			change("checklist.change.template", t.Name, t.Name)
		}
		if mentor != "" && mentor != a.Mentor {
			change("checklist.change.mentor", mentor, mentor)
			a.Mentor = mentor
		}
		if start != "" && start != a.Start {
			change("checklist.change.start", start, l.DateOf(start))
			a.Start = start
		}
		if len(changes) == 0 {
			current = *a
			return errUnchanged
		}
		action := "assign"
		if a.Template != "" {
			action = "reassign"
		}
		if a.Template != t.Name {
			a.Template, a.AssignedBy, a.AssignedAt = t.Name, me.ID, now.UTC()
		}
		a.UpdatedAt = now.UTC()
		a.Record(now, me.ID, action, "", strings.Join(changes, ", "))
		return nil
	})
	unchanged := errors.Is(err, errUnchanged)
	if err != nil && !unchanged {
		return bot.Reply{}, err
	}
	if unchanged {
		a = current
	}
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	key, title := "checklist.assigned", "checklist.assigned.title"
	switch {
	case unchanged:
		key, title = "checklist.unchanged", "checklist.unchanged.title"
	case kept:
		key = "checklist.updated"
	}
	return bot.Reply{
		Title: l.T(title, nil),
		Text: l.T(key, i18n.Data{"ID": hire.ID, "Template": t.Name, "Changes": l.Join(shown),
			"Items": len(t.Items), "Weeks": t.Weeks()}),
		Fields: []bot.Field{
			{Name: l.T("checklist.field.mentor", nil), Value: orDash(atID(a.Mentor))},
			{Name: l.T("checklist.field.start", nil), Value: l.DateOf(a.Start)},
			{Name: l.T("checklist.field.progress", nil), Value: p.SummaryIn(l)},
		},
	}, nil
}

var errUnchanged = errors.New("unchanged")

func atID(id string) string {
	if id == "" {
		return ""
	}
	return "@" + id
}

func (c *cmds) checklistDone(ctx context.Context, l *i18n.Localizer, me store.Member, query, evidence string) (bot.Reply, error) {
	_, t, err := c.assignment(ctx, l, me.ID, true)
	if err != nil {
		return bot.Reply{}, err
	}
	it, err := findItem(l, t, query)
	if err != nil {
		return bot.Reply{}, err
	}
	if it.Evidence && utf8.RuneCountInString(evidence) < 3 {
		return bot.Reply{}, bot.UsageErrorf("%s", l.T("checklist.needs_evidence", i18n.Data{"Key": it.Key}))
	}
	if len(evidence) > 1000 {
		return bot.Reply{}, bot.Errorf("%s", l.T("checklist.evidence_long", nil))
	}
	now := c.Health.Now().UTC()
	var before store.ItemState
	a, err := c.Store.UpdateAssignment(ctx, me.ID, func(a *store.Assignment) error {
		if a.Template != t.Name {
			return bot.Errorf("%s", l.T("checklist.changed_meanwhile", nil))
		}
		before = a.State(it.Key)
		if before.Done() {
			return errUnchanged
		}
		s := before
		s.DoneAt, s.DoneBy, s.Evidence = now, me.ID, evidence
		a.SetState(s)
		a.UpdatedAt = now
		a.Record(now, me.ID, "done", it.Key, evidence)
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return bot.Reply{Title: l.T("checklist.already_done.title", nil), Text: l.T("checklist.already_done", i18n.Data{"Key": it.Key, "Day": l.Date(before.DoneAt)})}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(me, c.TZ)))
	key := "checklist.done"
	switch {
	case it.SignOff && a.Mentor != "":
		key = "checklist.done_sign_off_by"
	case it.SignOff:
		key = "checklist.done_sign_off"
	}
	r := bot.Reply{Title: l.T("checklist.done.title", nil), Text: l.T(key, i18n.Data{"Key": it.Key, "Mentor": a.Mentor}),
		Fields: []bot.Field{{Name: l.T("checklist.field.progress", nil), Value: p.SummaryIn(l)}}}
	if len(p.Overdue)+len(p.Next) > 0 {
		next := append(slices.Clone(p.Overdue), p.Next...)[0]
		r.Fields = append(r.Fields, bot.Field{Name: l.T("checklist.field.next", nil), Value: next.LineIn(l)})
	}
	return r, nil
}

func (c *cmds) checklistHelp(ctx context.Context, l *i18n.Localizer, me store.Member, query string) (bot.Reply, error) {
	a, t, err := c.assignment(ctx, l, me.ID, true)
	if err != nil {
		return bot.Reply{}, err
	}
	it, err := findItem(l, t, query)
	if err != nil {
		return bot.Reply{}, err
	}
	to := a.Mentor
	if to == "" {
		to = me.Lead
		if me.Team != "" {
			if team, err := c.Store.Team(ctx, me.Team); err == nil && team.Lead != "" {
				to = team.Lead
			}
		}
	}
	if to == "" {
		return bot.Reply{}, bot.Errorf("%s", l.T("checklist.help.nobody", nil))
	}
	// The message is the helper's to read: in their language, else the asker's.
	hl := l
	if helper, err := c.Store.Member(ctx, to); err == nil {
		hl = i18n.For(i18n.Resolve(helper.Locale, l.Lang()))
	} else if !errors.Is(err, store.ErrNotFound) {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(me, c.TZ)))
	line := p.Items[slices.IndexFunc(t.Items, func(x checklists.Item) bool { return x.Key == it.Key })].LineIn(hl)
	reply := bot.Reply{
		Title:   hl.T("checklist.help.title", i18n.Data{"Name": me.Name, "ID": me.ID}),
		Text:    hl.T("checklist.help.text", i18n.Data{"ID": me.ID, "Item": line}),
		Buttons: []bot.Button{{ID: "checklist-status", Label: hl.T("checklist.help.open", nil), Value: "checklist status @" + me.ID}},
		Footer:  hl.T("checklist.help.footer", i18n.Data{"Template": t.Name}),
	}
	created, err := outbound.Enqueue(ctx, c.Store, outbound.Message{Kind: "checklist-help", Playbook: t.Name, Step: it.Key,
		Account: me.ID, Recipient: to, Due: now, Reply: reply, Created: now})
	if err != nil {
		return bot.Reply{}, err
	}
	if !created {
		return bot.Reply{Title: l.T("checklist.help.again.title", nil), Text: l.T("checklist.help.again", i18n.Data{"To": to, "Key": it.Key})}, nil
	}
	if _, err := c.Store.UpdateAssignment(ctx, me.ID, func(a *store.Assignment) error {
		a.Record(now, me.ID, "help", it.Key, "asked @"+to)
		return nil
	}); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Title: l.T("checklist.help.sent.title", nil), Text: l.T("checklist.help.sent", i18n.Data{"To": to, "Key": it.Key})}, nil
}

// leadOf reports whether me leads the member (as their team's lead or
// their own lead).
func (c *cmds) leadOf(ctx context.Context, me, m store.Member) bool {
	if !me.Has(store.RoleLead) {
		return false
	}
	if m.Lead == me.ID {
		return true
	}
	if m.Team == "" {
		return false
	}
	t, err := c.Store.Team(ctx, m.Team)
	return err == nil && t.Lead == me.ID
}

func (c *cmds) checklistVerify(ctx context.Context, l *i18n.Localizer, me store.Member, id, query string) (bot.Reply, error) {
	if id == me.ID {
		a, err := c.Store.Assignment(ctx, me.ID) // to name the mentor
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return bot.Reply{}, err
		}
		return bot.Reply{}, c.refuseWithLead(ctx, me, me, "checklist.verify.own", nil, a.Mentor)
	}
	hire, err := c.checklistMember(ctx, l, id)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.allowMember(ctx, me, access.Checklist, hire.ID); err != nil {
		return bot.Reply{}, err
	}
	a, t, err := c.assignment(ctx, l, hire.ID, false)
	if err != nil {
		return bot.Reply{}, err
	}
	if a.Mentor != me.ID && !me.Has(store.RoleAdmin) && !c.leadOf(ctx, me, hire) {
		return bot.Reply{}, c.refuseWithLead(ctx, me, hire, "checklist.verify.who", i18n.Data{"ID": hire.ID}, a.Mentor)
	}
	it, err := findItem(l, t, query)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now().UTC()
	var before store.ItemState
	a, err = c.Store.UpdateAssignment(ctx, hire.ID, func(a *store.Assignment) error {
		before = a.State(it.Key)
		switch {
		case !before.Done():
			return bot.Errorf("%s", l.T("checklist.verify.not_done", i18n.Data{"ID": hire.ID, "Key": it.Key}))
		case before.Verified():
			return errUnchanged
		}
		s := before
		s.VerifiedAt, s.VerifiedBy = now, me.ID
		a.SetState(s)
		a.UpdatedAt = now
		a.Record(now, me.ID, "verify", it.Key, "")
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return bot.Reply{Title: l.T("checklist.verify.again.title", nil),
			Text: l.T("checklist.verify.again", i18n.Data{"By": before.VerifiedBy, "Key": it.Key, "Day": l.Date(before.VerifiedAt)})}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	return bot.Reply{Title: l.T("checklist.verify.title", nil), Text: l.T("checklist.verify.done", i18n.Data{"Key": it.Key, "ID": hire.ID}),
		Fields: []bot.Field{{Name: l.T("checklist.field.progress", nil), Value: p.SummaryIn(l)}}}, nil
}

func (c *cmds) checklistStatus(ctx context.Context, l *i18n.Localizer, me store.Member, id string, other bool) (bot.Reply, error) {
	hire := me
	if id != me.ID {
		var err error
		if hire, err = c.checklistMember(ctx, l, id); err != nil {
			return bot.Reply{}, err
		}
	}
	a, t, err := c.assignment(ctx, l, hire.ID, !other || id == me.ID)
	// Refuse before saying whether a checklist exists.
	if hire.ID != me.ID && (err != nil || a.Mentor != me.ID) && !me.Has(store.RoleAdmin) && !c.leadOf(ctx, me, hire) {
		return bot.Reply{}, c.refuseWithLead(ctx, me, hire, "checklist.status.who", i18n.Data{"ID": hire.ID}, hire.ID)
	}
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	mentor, err := c.memberName(ctx, l, a.Mentor)
	if err != nil {
		return bot.Reply{}, err
	}
	r := bot.Reply{
		Title: l.T("checklist.status.title", i18n.Data{"Name": hire.Name, "ID": hire.ID, "Template": t.Name}),
		Fields: []bot.Field{
			{Name: l.T("checklist.field.complete", nil), Value: l.T("checklist.status.complete", i18n.Data{"Pct": p.Percent, "Done": p.Complete, "Total": len(p.Items)})},
			{Name: l.T("checklist.field.week", nil), Value: l.T("checklist.status.week", i18n.Data{"Week": p.Week(), "Weeks": t.Weeks()})},
			{Name: l.T("checklist.field.mentor", nil), Value: mentor},
			{Name: l.T("checklist.field.start", nil), Value: l.DateOf(a.Start)},
		},
		Footer: l.T("checklist.status.footer", i18n.Data{"Day": l.Date(p.Today)}),
	}
	if p.BehindDays > 0 {
		r.Band = "yellow"
		r.Fields = append(r.Fields, bot.Field{Name: l.T("checklist.field.behind", nil), Value: l.Days(p.BehindDays)})
	}
	add := func(title string, ips []checklists.ItemProgress) {
		if len(ips) == 0 {
			return
		}
		const most = 5
		lines := make([]string, 0, most+1)
		for _, ip := range ips[:min(most, len(ips))] {
			lines = append(lines, ip.LineIn(l))
		}
		if len(ips) > most {
			lines = append(lines, l.T("checklist.status.more", i18n.Data{"N": len(ips) - most}))
		}
		r.Sections = append(r.Sections, bot.Section{Title: l.T(title, nil), Lines: lines})
	}
	add("checklist.status.overdue", p.Overdue)
	add("checklist.status.next", p.Next)
	add("checklist.status.awaiting", p.Awaiting)
	var done []checklists.ItemProgress
	for _, ip := range p.Items {
		if ip.Status == checklists.StatusComplete {
			done = append(done, ip)
		}
	}
	add("checklist.status.done", done)
	if other && len(a.Audit) > 0 {
		var lines []string
		for _, e := range a.Audit[max(0, len(a.Audit)-5):] {
			line := fmt.Sprintf("%s @%s %s", l.Time(e.At), e.By, l.T("checklist.action."+e.Action, nil))
			if e.Item != "" {
				line += " " + e.Item
			}
			if e.Detail != "" {
				line += ": " + e.Detail
			}
			lines = append(lines, line)
		}
		r.Sections = append(r.Sections, bot.Section{Title: l.T("checklist.status.activity", nil), Lines: lines})
	}
	return r, nil
}

func (c *cmds) checklistTeam(ctx context.Context, l *i18n.Localizer, me store.Member) (bot.Reply, error) {
	if !me.Has(store.RoleMentor, store.RoleLead) {
		return bot.Reply{}, c.refuseWithLead(ctx, me, me, "checklist.team.who", nil)
	}
	as, err := c.Store.Assignments(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	members, err := c.Store.Members(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	byID := map[string]store.Member{}
	for _, m := range members {
		byID[m.ID] = m
	}
	teams, err := c.Store.Teams(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	teamLead := map[string]string{}
	for _, t := range teams {
		teamLead[t.ID] = t.Lead
	}
	type row struct {
		hire store.Member
		a    store.Assignment
		p    checklists.Progress
	}
	var rows []row
	var missing []string
	now := c.Health.Now()
	for _, a := range as {
		hire, ok := byID[a.NewHire]
		if !ok {
			hire = store.Member{ID: a.NewHire, Name: a.NewHire}
		}
		leads := me.Has(store.RoleLead) && (hire.Lead == me.ID || hire.Team != "" && teamLead[hire.Team] == me.ID)
		if a.Mentor != me.ID && !leads {
			continue
		}
		t, ok := c.Checklists.Lookup(a.Template)
		if !ok {
			missing = append(missing, l.T("checklist.team.template_gone", i18n.Data{"ID": a.NewHire, "Template": a.Template}))
			continue
		}
		rows = append(rows, row{hire, a, checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))})
	}
	checklists.SortBehind(rows, func(r row) (string, checklists.Progress) { return r.hire.ID, r.p })
	lines := make([]string, 0, len(rows)+len(missing))
	for _, r := range rows {
		line := l.T("checklist.team.line", i18n.Data{"Name": r.hire.Name, "ID": r.hire.ID, "Template": r.a.Template, "Summary": r.p.SummaryIn(l)})
		if r.a.Mentor != me.ID {
			line = l.T("checklist.team.mentor", i18n.Data{"Line": line, "Mentor": orDash(atID(r.a.Mentor))})
		}
		lines = append(lines, line)
	}
	lines = append(lines, missing...)
	if len(lines) == 0 {
		return bot.Reply{Title: l.T("checklist.team.empty.title", nil), Text: l.T("checklist.team.empty", nil)}, nil
	}
	return bot.Reply{
		Title:    l.T("checklist.team.title", i18n.Data{"N": len(rows)}),
		Sections: []bot.Section{{Lines: lines}},
		Footer:   l.T("checklist.team.footer", nil),
	}, nil
}
