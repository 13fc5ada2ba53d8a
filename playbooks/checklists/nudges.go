package checklists

import (
	"context"

	"fmt"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
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
// the same ids. Each nudge is written in its recipient's language: their
// locale, else locale (CSBOT_LOCALE).
func Nudges(set *Set, as []store.Assignment, members []store.Member, teams []store.Team, now time.Time, fallback *time.Location, locale string) []Nudge {
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
	lang := func(id string) *i18n.Localizer { return i18n.For(i18n.Resolve(byID[id].Locale, locale)) }
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
			add(NudgeNext, "", a.NewHire, p.Today, NextReply(lang(hire.ID), p))
		}
		mentor, hasMentor := byID[a.Mentor]
		if hasMentor && mondayMorning(now, Location(mentor, fallback)) {
			add(NudgeSummary, "", mentor.ID, Today(now, Location(mentor, fallback)), SummaryReply(lang(mentor.ID), p, hire))
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
				add(NudgeOverdue, ip.Item.Key, alertTo, ip.DueDate, alertReply(lang(alertTo), p, ip, hire, "", "nudge.alert.overdue"))
			}
			if lead != "" && within(ip.DaysOverdue, EscalateAfter) {
				add(NudgeEscalation, ip.Item.Key, lead, ip.DueDate, alertReply(lang(lead), p, ip, hire, a.Mentor, "nudge.alert.week"))
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

func itemLines(l *i18n.Localizer, ips []ItemProgress) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.LineIn(l)
	}
	return out
}

// NextReply is the new hire's "what's next this week": overdue items, those
// due within seven days, and Done / Need help buttons for the first few,
// in the new hire's language l.
func NextReply(l *i18n.Localizer, p Progress) bot.Reply {
	r := bot.Reply{
		Title:  l.T("nudge.next.title", i18n.Data{"Week": p.Week()}),
		Text:   l.T("nudge.next.text", i18n.Data{"Template": p.Template.Name, "Pct": p.Percent, "Done": p.Complete, "Total": len(p.Items)}),
		Footer: l.T("nudge.next.footer", nil),
	}
	if len(p.Overdue) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.overdue", nil), Lines: itemLines(l, p.Overdue)})
	}
	week := p.DueWithin(7)[len(p.Overdue):]
	if len(week) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.due_week", nil), Lines: itemLines(l, week)})
	} else if len(p.Next) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.next_up", nil), Lines: itemLines(l, p.Next[:1])})
	}
	if len(p.Awaiting) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.awaiting_mentor", nil), Lines: itemLines(l, p.Awaiting)})
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
			r.Buttons = append(r.Buttons, bot.Button{ID: "checklist-done-" + ip.Item.Key, Label: l.T("nudge.button.done", i18n.Data{"N": ip.N, "Key": ip.Item.Key}), Value: "checklist done " + ip.Item.Key})
		}
		r.Buttons = append(r.Buttons, bot.Button{ID: "checklist-help-" + ip.Item.Key, Label: l.T("nudge.button.help", i18n.Data{"N": ip.N}), Value: "checklist help " + ip.Item.Key})
	}
	return r
}

// SummaryReply is a mentor's weekly view of one new hire, in the mentor's
// language l.
func SummaryReply(l *i18n.Localizer, p Progress, hire store.Member) bot.Reply {
	r := bot.Reply{
		Title:   l.T("nudge.summary.title", i18n.Data{"Who": who(hire)}),
		Text:    l.T("nudge.summary.text", i18n.Data{"Template": p.Template.Name, "Summary": p.SummaryIn(l)}),
		Buttons: []bot.Button{openButton(l, hire)},
		Footer:  l.T("nudge.summary.footer", i18n.Data{"ID": hire.ID}),
	}
	if len(p.Overdue) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.overdue", nil), Lines: itemLines(l, p.Overdue)})
	}
	if len(p.Awaiting) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.awaiting_you", nil), Lines: itemLines(l, p.Awaiting)})
	}
	if week := p.DueWithin(7)[len(p.Overdue):]; len(week) > 0 {
		r.Sections = append(r.Sections, bot.Section{Title: l.T("nudge.due_week", nil), Lines: itemLines(l, week)})
	}
	return r
}

func openButton(l *i18n.Localizer, hire store.Member) bot.Button {
	return bot.Button{ID: "checklist-status", Label: l.T("nudge.open", nil), Value: "checklist status @" + hire.ID}
}

// alertReply tells of an overdue item; title is its message key.
func alertReply(l *i18n.Localizer, p Progress, ip ItemProgress, hire store.Member, mentor, title string) bot.Reply {
	text := l.T("nudge.alert.text", i18n.Data{"Who": who(hire), "N": ip.N, "Key": ip.Item.Key, "Title": ip.Item.TitleIn(l.Lang()),
		"Day": l.Date(ip.DueDate), "Days": l.Days(ip.DaysOverdue)})
	if mentor != "" {
		text += l.T("nudge.alert.mentor", i18n.Data{"Mentor": mentor})
	} else {
		text += l.T("nudge.alert.unblock", nil)
	}
	return bot.Reply{
		Title:   l.T(title, nil),
		Band:    "yellow",
		Text:    text,
		Fields:  []bot.Field{{Name: l.T("nudge.progress", nil), Value: p.SummaryIn(l)}},
		Buttons: []bot.Button{openButton(l, hire)},
		Footer:  l.T("nudge.alert.footer", i18n.Data{"Template": p.Template.Name}),
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
