package checklists

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// Item statuses.
const (
	StatusComplete = "complete" // done, and verified when it needs sign-off
	StatusAwaiting = "awaiting sign-off"
	StatusOverdue  = "overdue"
	StatusOpen     = "open"
)

// ItemProgress is one item of a new hire's checklist as it stands today.
type ItemProgress struct {
	// N is the item's number, 1-based, as people type it.
	N     int
	Item  Item
	State store.ItemState
	// DueDate is the calendar day the item falls due (midnight UTC).
	DueDate time.Time
	Status  string
	// DaysOverdue counts the days since DueDate for an open item past it.
	DaysOverdue int
}

// Progress is where a new hire stands on their checklist.
type Progress struct {
	Template Template
	Start    time.Time
	Today    time.Time
	Items    []ItemProgress
	// Complete counts the items done (and verified where needed).
	Complete int
	// Percent is Complete of all items, rounded down.
	Percent int
	// Overdue are the open items past their due date, most overdue first.
	Overdue []ItemProgress
	// Next are the open items not yet due, soonest first.
	Next []ItemProgress
	// Awaiting are the items done but waiting for the mentor's sign-off.
	Awaiting []ItemProgress
	// BehindDays is how far behind the new hire is: the days the most
	// overdue open item is past its due date, 0 when nothing is overdue.
	BehindDays int
}

// Today is the calendar day of now where loc is (midnight UTC), the day
// that due dates compare with.
func Today(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Compute works out the progress of assignment a on template t at today
// (a calendar day, as Today returns). An item done by the new hire but
// waiting for sign-off is not overdue: the new hire did their part.
func Compute(t Template, a store.Assignment, today time.Time) Progress {
	start, _ := time.Parse(time.DateOnly, a.Start)
	p := Progress{Template: t, Start: start, Today: today}
	for i, it := range t.Items {
		ip := ItemProgress{N: i + 1, Item: it, State: a.State(it.Key), DueDate: start.AddDate(0, 0, it.Due)}
		switch {
		case ip.State.Done() && (!it.SignOff || ip.State.Verified()):
			ip.Status = StatusComplete
			p.Complete++
		case ip.State.Done():
			ip.Status = StatusAwaiting
			p.Awaiting = append(p.Awaiting, ip)
		case today.After(ip.DueDate):
			ip.Status = StatusOverdue
			ip.DaysOverdue = int(today.Sub(ip.DueDate).Hours() / 24)
			p.Overdue = append(p.Overdue, ip)
			p.BehindDays = max(p.BehindDays, ip.DaysOverdue)
		default:
			ip.Status = StatusOpen
			p.Next = append(p.Next, ip)
		}
		p.Items = append(p.Items, ip)
	}
	if len(t.Items) > 0 {
		p.Percent = 100 * p.Complete / len(t.Items)
	}
	slices.SortStableFunc(p.Overdue, func(a, b ItemProgress) int { return b.DaysOverdue - a.DaysOverdue })
	slices.SortStableFunc(p.Next, func(a, b ItemProgress) int { return a.DueDate.Compare(b.DueDate) })
	return p
}

// Week is the checklist week today falls in (1 on the start date; 0 before it).
func (p Progress) Week() int {
	if p.Today.Before(p.Start) {
		return 0
	}
	return int(p.Today.Sub(p.Start).Hours()/24)/7 + 1
}

// DueWithin lists the open items, overdue ones first, then those falling
// due within the next n days.
func (p Progress) DueWithin(n int) []ItemProgress {
	out := slices.Clone(p.Overdue)
	limit := p.Today.AddDate(0, 0, n)
	for _, ip := range p.Next {
		if ip.DueDate.Before(limit) {
			out = append(out, ip)
		}
	}
	return out
}

// LineIn shows an item as people read it in replies and nudges, in the
// localizer's language, e.g. "3. shadow-calls: Shadow three customer calls
// (due 2026-12-19, 2 days overdue)"; the item's title is the template's own
// text.
func (ip ItemProgress) LineIn(l *i18n.Localizer) string {
	var state string
	switch ip.Status {
	case StatusComplete:
		state = l.T("checklist.item.done", i18n.Data{"Day": l.Date(ip.State.DoneAt), "By": ip.State.DoneBy})
		if ip.State.Verified() {
			state = l.T("checklist.item.verified", i18n.Data{"Done": state, "By": ip.State.VerifiedBy})
		}
	case StatusAwaiting:
		state = l.T("checklist.item.awaiting", i18n.Data{"Day": l.Date(ip.State.DoneAt)})
	case StatusOverdue:
		state = l.T("checklist.item.overdue", i18n.Data{"Day": l.Date(ip.DueDate), "Days": l.Days(ip.DaysOverdue)})
	default:
		state = l.T("checklist.item.due", i18n.Data{"Day": l.Date(ip.DueDate)})
	}
	var needs []string
	if ip.Status != StatusComplete && ip.Status != StatusAwaiting {
		if ip.Item.SignOff {
			needs = append(needs, l.T("checklist.need.sign_off", nil))
		}
		if ip.Item.Evidence {
			needs = append(needs, l.T("checklist.need.evidence", nil))
		}
	}
	if len(needs) > 0 {
		state = l.T("checklist.item.needs", i18n.Data{"State": state, "Needs": strings.Join(needs, l.T("checklist.need.and", nil))})
	}
	s := l.T("checklist.item.line", i18n.Data{"N": ip.N, "Key": ip.Item.Key, "Title": ip.Item.TitleIn(l.Lang()), "State": state})
	if ip.Item.Link != "" && ip.Status != StatusComplete {
		s += " " + ip.Item.Link
	}
	return s
}

// SummaryIn is one line on a new hire for the mentor's and lead's views, in
// the localizer's language, e.g. "40% (4/10), week 5, 2 overdue, behind by
// 6 days".
func (p Progress) SummaryIn(l *i18n.Localizer) string {
	parts := []string{
		l.T("checklist.sum.complete", i18n.Data{"Pct": p.Percent, "Done": p.Complete, "Total": len(p.Items)}),
		l.T("checklist.sum.week", i18n.Data{"Week": p.Week()}),
	}
	if n := len(p.Overdue); n > 0 {
		parts = append(parts, l.T("checklist.sum.overdue", i18n.Data{"N": n}), l.T("checklist.sum.behind", i18n.Data{"Days": l.Days(p.BehindDays)}))
	} else {
		parts = append(parts, l.T("checklist.sum.on_track", nil))
	}
	if n := len(p.Awaiting); n > 0 {
		parts = append(parts, l.T("checklist.sum.awaiting", i18n.Data{"N": n}))
	}
	return l.Join(parts)
}

// SortBehind orders progresses by how far behind they are: most days
// behind first, then most overdue items, then least complete, then by id.
func SortBehind[T any](xs []T, get func(T) (string, Progress)) {
	slices.SortStableFunc(xs, func(a, b T) int {
		ia, pa := get(a)
		ib, pb := get(b)
		return cmp.Or(
			cmp.Compare(pb.BehindDays, pa.BehindDays),
			cmp.Compare(len(pb.Overdue), len(pa.Overdue)),
			cmp.Compare(pa.Percent, pb.Percent),
			strings.Compare(ia, ib),
		)
	})
}
