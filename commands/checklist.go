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
				return c.checklistStatus(ctx, req.Member, req.Member.ID, false)
			})},
			{Name: "done", Args: []bot.Arg{ownHire, itemArg, {Name: "evidence", Kind: bot.Text, Help: "a link or a note"}},
				Summary: "tick one of your items", Handler: c.withChecklists(c.checklistOwn)},
			{Name: "help", Args: []bot.Arg{ownHire, itemArg}, Summary: "ask your mentor for help with an item", Handler: c.withChecklists(c.checklistOwn)},
			{Name: "assign", Args: []bot.Arg{hireArg, {Name: "template", Required: true, Help: "a checklist template, e.g. csm-30-60-90"},
				{Name: "mentor", Kind: bot.Member, Option: true, Spaced: true, Help: "the mentor who signs items off"},
				{Name: "start", Kind: bot.Date, Option: true, Spaced: true, Help: "the first day; today by default"}},
				Summary: "give a new hire a checklist", Handler: c.withChecklists(c.checklistAssign)},
			{Name: "verify", Args: []bot.Arg{hireArg, itemArg}, Summary: "sign off a new hire's item", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistVerify(ctx, req.Member, req.Arg("new-hire"), req.Arg("item"))
			})},
			{Name: "status", Args: []bot.Arg{hireArg}, Summary: "a new hire's checklist in full", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistStatus(ctx, req.Member, req.Arg("new-hire"), true)
			})},
			{Name: "team", Summary: "the checklists of those you mentor or lead", Handler: c.withChecklists(func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
				return c.checklistTeam(ctx, req.Member)
			})},
			{Name: "templates", Summary: "the checklist templates", Handler: c.withChecklists(func(context.Context, *bot.Request) (bot.Reply, error) {
				return c.checklistTemplates(), nil
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
			return bot.Reply{}, bot.Errorf("No checklist templates are loaded, so there are no checklists.")
		}
		return h(ctx, req)
	}
}

// checklistOwn runs done and help, which act on the asker's own items.
func (c *cmds) checklistOwn(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me := req.Member
	if id := req.Arg("new-hire"); id != "" && id != me.ID {
		return bot.Reply{}, bot.Errorf("You can only tick your own checklist items, not @%s's.", id)
	}
	if err := c.allowMember(ctx, me, access.Checklist, me.ID); err != nil {
		return bot.Reply{}, err
	}
	if req.Sub == "help" {
		return c.checklistHelp(ctx, me, req.Arg("item"))
	}
	return c.checklistDone(ctx, me, req.Arg("item"), strings.TrimSpace(req.Arg("evidence")))
}

func (c *cmds) checklistTemplates() bot.Reply {
	var lines []string
	for _, t := range c.Checklists.Templates {
		lines = append(lines, fmt.Sprintf("%s: %d items over %d weeks. %s", t.Name, len(t.Items), t.Weeks(), t.Description))
	}
	return bot.Reply{Title: "Checklist templates", Sections: []bot.Section{{Lines: lines}}}
}

// member reads a member a command names, with a clear error for a stranger.
func (c *cmds) checklistMember(ctx context.Context, id string) (store.Member, error) {
	if id == "" {
		return store.Member{}, bot.UsageErrorf("Name the new hire as @id.")
	}
	m, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, bot.Errorf("No team member is called @%s.", id)
	}
	return m, err
}

// assignment loads a new hire's checklist and its template.
func (c *cmds) assignment(ctx context.Context, id string, mine bool) (store.Assignment, checklists.Template, error) {
	a, err := c.Store.Assignment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if mine {
			return a, checklists.Template{}, bot.Errorf("You have no checklist. Your mentor or lead assigns one with `/cs checklist assign @%s <template>`.", id)
		}
		return a, checklists.Template{}, bot.Errorf("@%s has no checklist. Assign one with `/cs checklist assign @%s <template>`.", id, id)
	}
	if err != nil {
		return a, checklists.Template{}, err
	}
	t, ok := c.Checklists.Lookup(a.Template)
	if !ok {
		return a, t, bot.Errorf("The checklist of @%s uses template %s, which is no longer loaded. Ask CS ops to restore it or assign another.", id, a.Template)
	}
	return a, t, nil
}

func findItem(t checklists.Template, query string) (checklists.Item, error) {
	i, err := t.Find(query)
	if err != nil {
		msg := err.Error()
		return checklists.Item{}, bot.Errorf("%s.", strings.ToUpper(msg[:1])+msg[1:])
	}
	return t.Items[i], nil
}

func (c *cmds) checklistAssign(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me := req.Member
	if !me.Has(store.RoleMentor, store.RoleLead, store.RoleAdmin) {
		return bot.Reply{}, bot.Errorf("Only mentors, leads and admins can assign checklists.")
	}
	// Whom a mentor may take on is the checklist's own rule (below); the
	// table decides whether the member may assign at all.
	if err := c.administer(ctx, me, access.Checklist); err != nil {
		return bot.Reply{}, err
	}
	hire, err := c.checklistMember(ctx, req.Arg("new-hire"))
	if err != nil {
		return bot.Reply{}, err
	}
	t, ok := c.Checklists.Lookup(strings.ToLower(req.Arg("template")))
	if !ok {
		return bot.Reply{}, bot.Errorf("There is no checklist template '%s'. Templates: %s.", req.Arg("template"), strings.Join(c.Checklists.Names(), ", "))
	}
	// Admins and the hire's leads may assign freely; a mentor only a hire
	// nobody else mentors, and only with themselves as mentor.
	oversees := me.Has(store.RoleAdmin) || c.leadOf(ctx, me, hire)
	mayMentor := func(current string) error {
		if oversees || current == "" || current == me.ID {
			return nil
		}
		return bot.Errorf("@%s is mentored by @%s; only they, a lead of @%s or an admin can change the checklist.", hire.ID, current, hire.ID)
	}
	mentor, start := "", req.Arg("start")
	if req.Has("mentor") {
		m, err := c.checklistMember(ctx, req.Arg("mentor"))
		if err != nil {
			return bot.Reply{}, err
		}
		if m.ID == hire.ID {
			return bot.Reply{}, bot.Errorf("@%s cannot mentor themselves.", m.ID)
		}
		if !oversees && m.ID != me.ID {
			return bot.Reply{}, bot.Errorf("Mentors can name only themselves as mentor; a lead or an admin can name @%s.", m.ID)
		}
		if !m.Has(store.RoleMentor, store.RoleLead) {
			return bot.Reply{}, bot.Errorf("@%s is not a mentor; an admin gives the role with `/cs team member %s roles:...,mentor`.", m.ID, m.ID)
		}
		mentor = m.ID
	}
	now := c.Health.Now()
	var kept bool
	var changes []string
	a, err := c.Store.UpdateAssignment(ctx, hire.ID, func(a *store.Assignment) error {
		// Checked on the fresh document: it may have changed since the command began.
		if err := mayMentor(a.Mentor); err != nil {
			return err
		}
		// Locals, so a retry after a concurrent write starts from what was typed.
		mentor, start := mentor, start
		kept = a.Template == t.Name
		changes = nil
		if mentor == "" && a.Mentor == "" && me.Has(store.RoleMentor) && me.ID != hire.ID {
			mentor = me.ID
		}
		if start == "" && a.Start == "" {
			start = checklists.Today(now, checklists.Location(hire, c.TZ)).Format(time.DateOnly)
		}
		if a.Template != t.Name {
			changes = append(changes, "template "+t.Name)
		}
		if mentor != "" && mentor != a.Mentor {
			changes = append(changes, "mentor @"+mentor)
			a.Mentor = mentor
		}
		if start != "" && start != a.Start {
			changes = append(changes, "start "+start)
			a.Start = start
		}
		if len(changes) == 0 {
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
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	var text string
	switch {
	case unchanged:
		text = fmt.Sprintf("@%s already has %s with these settings; nothing changed.", hire.ID, t.Name)
	case kept:
		text = fmt.Sprintf("Updated %s for @%s (%s); progress is kept.", t.Name, hire.ID, strings.Join(changes, ", "))
	default:
		text = fmt.Sprintf("Assigned %s to @%s: %d items over %d weeks.", t.Name, hire.ID, len(t.Items), t.Weeks())
	}
	return bot.Reply{
		Title: "Checklist assigned",
		Text:  text,
		Fields: []bot.Field{
			{Name: "Mentor", Value: orDash(atID(a.Mentor))},
			{Name: "Start", Value: a.Start},
			{Name: "Progress", Value: p.Summary()},
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

func (c *cmds) checklistDone(ctx context.Context, me store.Member, query, evidence string) (bot.Reply, error) {
	_, t, err := c.assignment(ctx, me.ID, true)
	if err != nil {
		return bot.Reply{}, err
	}
	it, err := findItem(t, query)
	if err != nil {
		return bot.Reply{}, err
	}
	if it.Evidence && utf8.RuneCountInString(evidence) < 3 {
		return bot.Reply{}, bot.UsageErrorf("%s needs evidence: add a link or a note, e.g. `/cs checklist done %s https://...`.", it.Key, it.Key)
	}
	if len(evidence) > 1000 {
		return bot.Reply{}, bot.Errorf("Keep the evidence under 1,000 characters; a link to a longer note works.")
	}
	now := c.Health.Now().UTC()
	var before store.ItemState
	a, err := c.Store.UpdateAssignment(ctx, me.ID, func(a *store.Assignment) error {
		if a.Template != t.Name {
			return bot.Errorf("Your checklist changed meanwhile; try again.")
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
		return bot.Reply{Title: "Already done", Text: fmt.Sprintf("You marked %s done on %s.", it.Key, store.Day(before.DoneAt))}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(me, c.TZ)))
	text := fmt.Sprintf("Marked %s done.", it.Key)
	if it.SignOff {
		text += " It counts once your mentor signs it off."
		if a.Mentor != "" {
			text = fmt.Sprintf("Marked %s done. It counts once @%s signs it off.", it.Key, a.Mentor)
		}
	}
	r := bot.Reply{Title: "Done", Text: text, Fields: []bot.Field{{Name: "Progress", Value: p.Summary()}}}
	if len(p.Overdue)+len(p.Next) > 0 {
		next := append(slices.Clone(p.Overdue), p.Next...)[0]
		r.Fields = append(r.Fields, bot.Field{Name: "Next", Value: next.Line()})
	}
	return r, nil
}

func (c *cmds) checklistHelp(ctx context.Context, me store.Member, query string) (bot.Reply, error) {
	a, t, err := c.assignment(ctx, me.ID, true)
	if err != nil {
		return bot.Reply{}, err
	}
	it, err := findItem(t, query)
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
		return bot.Reply{}, bot.Errorf("You have no mentor or lead to ask yet. Ask CS ops to set one.")
	}
	now := c.Health.Now()
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(me, c.TZ)))
	line := p.Items[slices.IndexFunc(t.Items, func(x checklists.Item) bool { return x.Key == it.Key })].Line()
	reply := bot.Reply{
		Title:   fmt.Sprintf("%s (@%s) asks for help", me.Name, me.ID),
		Text:    fmt.Sprintf("@%s needs help with checklist item %s.", me.ID, line),
		Buttons: []bot.Button{{ID: "checklist-status", Label: "Open checklist", Value: "checklist status @" + me.ID}},
		Footer:  "template " + t.Name,
	}
	created, err := outbound.Enqueue(ctx, c.Store, outbound.Message{Kind: "checklist-help", Playbook: t.Name, Step: it.Key,
		Account: me.ID, Recipient: to, Due: now, Reply: reply, Created: now})
	if err != nil {
		return bot.Reply{}, err
	}
	if !created {
		return bot.Reply{Title: "Help already asked", Text: fmt.Sprintf("You asked @%s about %s today already; they will be in touch.", to, it.Key)}, nil
	}
	if _, err := c.Store.UpdateAssignment(ctx, me.ID, func(a *store.Assignment) error {
		a.Record(now, me.ID, "help", it.Key, "asked @"+to)
		return nil
	}); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Title: "Help is on the way", Text: fmt.Sprintf("I told @%s you need help with %s.", to, it.Key)}, nil
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

func (c *cmds) checklistVerify(ctx context.Context, me store.Member, id, query string) (bot.Reply, error) {
	if id == me.ID {
		return bot.Reply{}, bot.Errorf("You cannot sign off your own checklist items; your mentor does.")
	}
	hire, err := c.checklistMember(ctx, id)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.allowMember(ctx, me, access.Checklist, hire.ID); err != nil {
		return bot.Reply{}, err
	}
	a, t, err := c.assignment(ctx, hire.ID, false)
	if err != nil {
		return bot.Reply{}, err
	}
	if a.Mentor != me.ID && !me.Has(store.RoleAdmin) && !c.leadOf(ctx, me, hire) {
		return bot.Reply{}, bot.Errorf("Only @%s's mentor, their lead or an admin can sign off their items.", hire.ID)
	}
	it, err := findItem(t, query)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now().UTC()
	var before store.ItemState
	a, err = c.Store.UpdateAssignment(ctx, hire.ID, func(a *store.Assignment) error {
		before = a.State(it.Key)
		switch {
		case !before.Done():
			return bot.Errorf("@%s has not marked %s done yet.", hire.ID, it.Key)
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
		return bot.Reply{Title: "Already signed off", Text: fmt.Sprintf("@%s signed %s off on %s.", before.VerifiedBy, it.Key, store.Day(before.VerifiedAt))}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	return bot.Reply{Title: "Signed off", Text: fmt.Sprintf("Signed off %s for @%s.", it.Key, hire.ID),
		Fields: []bot.Field{{Name: "Progress", Value: p.Summary()}}}, nil
}

func (c *cmds) checklistStatus(ctx context.Context, me store.Member, id string, other bool) (bot.Reply, error) {
	hire := me
	if id != me.ID {
		var err error
		if hire, err = c.checklistMember(ctx, id); err != nil {
			return bot.Reply{}, err
		}
	}
	a, t, err := c.assignment(ctx, hire.ID, !other || id == me.ID)
	// Refuse before saying whether a checklist exists.
	if hire.ID != me.ID && (err != nil || a.Mentor != me.ID) && !me.Has(store.RoleAdmin) && !c.leadOf(ctx, me, hire) {
		return bot.Reply{}, bot.Errorf("Only @%s, their mentor, their lead and admins can see their checklist.", hire.ID)
	}
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	p := checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))
	mentor, err := c.memberName(ctx, a.Mentor)
	if err != nil {
		return bot.Reply{}, err
	}
	r := bot.Reply{
		Title: fmt.Sprintf("Checklist of %s (@%s): %s", hire.Name, hire.ID, t.Name),
		Fields: []bot.Field{
			{Name: "Complete", Value: fmt.Sprintf("%d%% (%d of %d)", p.Percent, p.Complete, len(p.Items))},
			{Name: "Week", Value: fmt.Sprintf("%d of %d", p.Week(), t.Weeks())},
			{Name: "Mentor", Value: mentor},
			{Name: "Start", Value: a.Start},
		},
		Footer: fmt.Sprintf("as of %s · /cs checklist done <item> [evidence] ticks an item", p.Today.Format(time.DateOnly)),
	}
	if p.BehindDays > 0 {
		r.Band = "yellow"
		r.Fields = append(r.Fields, bot.Field{Name: "Behind by", Value: days(p.BehindDays)})
	}
	add := func(title string, ips []checklists.ItemProgress) {
		if len(ips) == 0 {
			return
		}
		const most = 5
		lines := make([]string, 0, most+1)
		for _, ip := range ips[:min(most, len(ips))] {
			lines = append(lines, ip.Line())
		}
		if len(ips) > most {
			lines = append(lines, fmt.Sprintf("and %d more", len(ips)-most))
		}
		r.Sections = append(r.Sections, bot.Section{Title: title, Lines: lines})
	}
	add("Overdue", p.Overdue)
	add("Next", p.Next)
	add("Waiting for sign-off", p.Awaiting)
	var done []checklists.ItemProgress
	for _, ip := range p.Items {
		if ip.Status == checklists.StatusComplete {
			done = append(done, ip)
		}
	}
	add("Done", done)
	if other && len(a.Audit) > 0 {
		var lines []string
		for _, e := range a.Audit[max(0, len(a.Audit)-5):] {
			l := fmt.Sprintf("%s @%s %s", e.At.UTC().Format("2006-01-02 15:04"), e.By, e.Action)
			if e.Item != "" {
				l += " " + e.Item
			}
			if e.Detail != "" {
				l += ": " + e.Detail
			}
			lines = append(lines, l)
		}
		r.Sections = append(r.Sections, bot.Section{Title: "Recent activity", Lines: lines})
	}
	return r, nil
}

func (c *cmds) checklistTeam(ctx context.Context, me store.Member) (bot.Reply, error) {
	if !me.Has(store.RoleMentor, store.RoleLead) {
		return bot.Reply{}, bot.Errorf("`/cs checklist team` is for mentors and leads.")
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
			missing = append(missing, fmt.Sprintf("@%s: template %s is no longer loaded", a.NewHire, a.Template))
			continue
		}
		rows = append(rows, row{hire, a, checklists.Compute(t, a, checklists.Today(now, checklists.Location(hire, c.TZ)))})
	}
	checklists.SortBehind(rows, func(r row) (string, checklists.Progress) { return r.hire.ID, r.p })
	lines := make([]string, 0, len(rows)+len(missing))
	for _, r := range rows {
		l := fmt.Sprintf("%s (@%s): %s, %s", r.hire.Name, r.hire.ID, r.a.Template, r.p.Summary())
		if r.a.Mentor != me.ID {
			l += ", mentor " + orDash(atID(r.a.Mentor))
		}
		lines = append(lines, l)
	}
	lines = append(lines, missing...)
	if len(lines) == 0 {
		return bot.Reply{Title: "Your mentees", Text: "Nobody you mentor or lead has a checklist. Assign one with `/cs checklist assign @new-hire <template>`."}, nil
	}
	return bot.Reply{
		Title:    fmt.Sprintf("Your mentees: %d checklists, furthest behind first", len(rows)),
		Sections: []bot.Section{{Lines: lines}},
		Footer:   "/cs checklist status @new-hire shows one in full",
	}, nil
}
