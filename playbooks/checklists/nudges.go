package checklists

import (
	"context"

	"fmt"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
)

// Nudge kinds.
const (
	NudgeNext       = "next"       // the new hire's Monday "what's next this week"
	NudgeSummary    = "summary"    // the mentor's weekly progress summary
	NudgeOverdue    = "overdue"    // to the mentor: an item 3 days overdue
	NudgeEscalation = "escalation" // to the lead: an item 7 days overdue
)

// Timing of the nudges. The Monday messages go out between MondayFrom and
// MondayUntil o'clock in the recipient's time zone; an overdue alert is
// computed while the item is between AlertAfter and AlertAfter+AlertGrace
// days overdue (the grace covers a scheduler that was down; the outbox id
// makes it go out once), the lead's likewise from EscalateAfter.
const (
	MondayFrom    = 8
	MondayUntil   = 10
	AlertAfter    = 3
	EscalateAfter = 7
	AlertGrace    = 7
	// MaxButtons bounds the items offered with Done / Need help buttons.
	MaxButtons = 3
)

// OutboxKind is the outbox kind of every checklist nudge.
const OutboxKind = "checklist"

// Nudge is one message due to someone about a new hire's checklist.
type Nudge struct {
	// ID is the outbox id: OutboxID("checklist", template, step, new hire,
	// recipient, day), so computing the nudge again queues nothing new.
	ID        string
	Kind      string
	Template  string
	NewHire   string
	Item      string // the item key, for overdue and escalation alerts
	Recipient string
	// Day is the local Monday of weekly nudges, the item's due date of alerts.
	Day   time.Time
	Reply bot.Reply
}

// Message is the nudge as the outbox queues it.
func (n Nudge) Message() outbound.Message {
	return outbound.Message{Kind: OutboxKind, Playbook: n.Template, Step: n.step(), Account: n.NewHire,
		Recipient: n.Recipient, Due: n.Day, Reply: n.Reply}
}

// step is what the outbox item's Step holds: the kind, and for alerts the item.
func (n Nudge) step() string {
	if n.Item == "" {
		return n.Kind
	}
	return n.Kind + "/" + n.Item
}

// Nudges computes the checklist messages due at now for every assignment.
// Members give names, time zones (fallback for those without one) and the
// new hire's lead (their team's lead, else their own lead). Assignments of
// a template no longer loaded, or of a new hire who is no longer a member,
// are skipped. Nudges is pure: the same input gives the same nudges with
// the same ids.
func Nudges(set *Set, as []store.Assignment, members []store.Member, teams []store.Team, now time.Time, fallback *time.Location) []Nudge {
	if set == nil {
		return nil
	}
	byID := make(map[string]store.Member, len(members))
	for _, m := range members {
		byID[m.ID] = m
	}
	teamLead := map[string]string{}
	for _, t := range teams {
		teamLead[t.ID] = t.Lead
	}
	var out []Nudge
	for _, a := range as {
		t, ok := set.Lookup(a.Template)
		hire, isMember := byID[a.NewHire]
		if !ok || !isMember {
			continue
		}
		loc := Location(hire, fallback)
		p := Compute(t, a, Today(now, loc))
		if p.Today.Before(p.Start) || p.Complete == len(p.Items) {
			continue
		}
		add := func(kind, item, to string, day time.Time, r bot.Reply) {
			n := Nudge{Kind: kind, Template: t.Name, NewHire: a.NewHire, Item: item, Recipient: to, Day: day, Reply: r}
			n.ID = n.Message().OutboxID()
			out = append(out, n)
		}
		if mondayMorning(now, loc) {
			add(NudgeNext, "", a.NewHire, p.Today, NextReply(p, hire))
		}
		mentor, hasMentor := byID[a.Mentor]
		if hasMentor && mondayMorning(now, Location(mentor, fallback)) {
			add(NudgeSummary, "", mentor.ID, Today(now, Location(mentor, fallback)), SummaryReply(p, hire))
		}
		lead := teamLead[hire.Team]
		if lead == "" {
			lead = hire.Lead
		}
		for _, ip := range p.Overdue {
			// Without a mentor the lead hears of the first alert too.
			alertTo := lead
			if hasMentor {
				alertTo = mentor.ID
			}
			if alertTo != "" && within(ip.DaysOverdue, AlertAfter) && (hasMentor || !within(ip.DaysOverdue, EscalateAfter)) {
				add(NudgeOverdue, ip.Item.Key, alertTo, ip.DueDate, alertReply(p, ip, hire, "", "Checklist item overdue"))
			}
			if lead != "" && within(ip.DaysOverdue, EscalateAfter) {
				add(NudgeEscalation, ip.Item.Key, lead, ip.DueDate, alertReply(p, ip, hire, a.Mentor, "Checklist item a week overdue"))
			}
		}
	}
	return out
}

func within(days, from int) bool { return days >= from && days < from+AlertGrace }

// Location is where a member lives: their time zone, else fallback, else UTC.
func Location(m store.Member, fallback *time.Location) *time.Location {
	if m.TZ != "" {
		if l, err := time.LoadLocation(m.TZ); err == nil {
			return l
		}
	}
	if fallback != nil {
		return fallback
	}
	return time.UTC
}

func mondayMorning(now time.Time, loc *time.Location) bool {
	l := now.In(loc)
	return l.Weekday() == time.Monday && l.Hour() >= MondayFrom && l.Hour() < MondayUntil
}

func who(m store.Member) string { return fmt.Sprintf("%s (@%s)", m.Name, m.ID) }

func itemLines(ips []ItemProgress) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.Line()
	}
	return out
}

// NextReply is the new hire's "what's next this week": overdue items, those
// due within seven days, and Done / Need help buttons for the first few.
func NextReply(p Progress, hire store.Member) bot.Reply {
	r := bot.Reply{
		Title:  fmt.Sprintf("Your checklist, week %d: what's next", p.Week()),
		Text:   fmt.Sprintf("%s: %d%% complete (%d of %d items).", p.Template.Name, p.Percent, p.Complete, len(p.Items)),
		Footer: "/cs checklist mine shows the whole list",
	}
	if len(p.Overdue) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Overdue", Lines: itemLines(p.Overdue)})
	}
	week := p.DueWithin(7)[len(p.Overdue):]
	if len(week) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Due this week", Lines: itemLines(week)})
	} else if len(p.Next) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Nothing due this week; next up", Lines: itemLines(p.Next[:1])})
	}
	if len(p.Awaiting) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Waiting for your mentor's sign-off", Lines: itemLines(p.Awaiting)})
	}
	due := p.DueWithin(7)
	if len(due) == 0 && len(p.Next) > 0 {
		due = p.Next[:1]
	}
	// Buttons name items by key, which survives a template that renumbers
	// them; an item that needs evidence gets no Done button, since a
	// button cannot carry the link or note.
	for _, ip := range due[:min(MaxButtons, len(due))] {
		if !ip.Item.Evidence {
			r.Buttons = append(r.Buttons, bot.Button{ID: "checklist-done-" + ip.Item.Key, Label: fmt.Sprintf("Done: %d. %s", ip.N, ip.Item.Key), Value: "checklist done " + ip.Item.Key})
		}
		r.Buttons = append(r.Buttons, bot.Button{ID: "checklist-help-" + ip.Item.Key, Label: fmt.Sprintf("Need help: %d", ip.N), Value: "checklist help " + ip.Item.Key})
	}
	return r
}

// SummaryReply is a mentor's weekly view of one new hire.
func SummaryReply(p Progress, hire store.Member) bot.Reply {
	r := bot.Reply{
		Title:   "Weekly checklist progress: " + who(hire),
		Text:    fmt.Sprintf("%s: %s.", p.Template.Name, p.Summary()),
		Buttons: []bot.Button{{ID: "checklist-status", Label: "Open checklist", Value: "checklist status @" + hire.ID}},
		Footer:  fmt.Sprintf("/cs checklist verify @%s <item> signs an item off", hire.ID),
	}
	if len(p.Overdue) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Overdue", Lines: itemLines(p.Overdue)})
	}
	if len(p.Awaiting) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Waiting for your sign-off", Lines: itemLines(p.Awaiting)})
	}
	if week := p.DueWithin(7)[len(p.Overdue):]; len(week) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: "Due this week", Lines: itemLines(week)})
	}
	return r
}

func alertReply(p Progress, ip ItemProgress, hire store.Member, mentor, title string) bot.Reply {
	text := fmt.Sprintf("%s's checklist item %d. %s (%s) was due %s and is %s overdue.",
		who(hire), ip.N, ip.Item.Key, ip.Item.Title, ip.DueDate.Format(time.DateOnly), plural(ip.DaysOverdue, "day"))
	if mentor != "" {
		text += fmt.Sprintf(" Mentor: @%s.", mentor)
	} else {
		text += " A word this week may unblock it."
	}
	return bot.Reply{
		Title:   title,
		Band:    "yellow",
		Text:    text,
		Fields:  []bot.Field{{Name: "Progress", Value: p.Summary()}},
		Buttons: []bot.Button{{ID: "checklist-status", Label: "Open checklist", Value: "checklist status @" + hire.ID}},
		Footer:  "template " + p.Template.Name,
	}
}

// Queue writes the nudges to the outbox and returns how many were new; a
// nudge queued before (same id) is left alone.
func Queue(ctx context.Context, st outbound.Enqueuer, ns []Nudge, now time.Time) (int, error) {
	n := 0
	for _, x := range ns {
		m := x.Message()
		m.Created = now
		created, err := outbound.Enqueue(ctx, st, m)
		if err != nil {
			return n, fmt.Errorf("queue checklist nudge: %w", err)
		}
		if created {
			n++
		}
	}
	return n, nil
}
