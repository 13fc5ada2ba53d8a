package kpi

import (
	"fmt"
	"strings"
	"time"
)

// Period is a span of whole calendar days in the organisation's time zone:
// Start is the first day's midnight, End the midnight after the last day.
type Period struct {
	Start, End time.Time
}

// PeriodNames are the periods `/cs kpi` accepts.
var PeriodNames = []string{"30d", "90d", "qtd", "ytd"}

// Periods returns the period named by spec ending today (now's day in loc)
// and the one it is compared with: for 30d and 90d the same number of days
// just before; for qtd and ytd the same number of days from the start of
// the previous quarter or year, so that day 40 of a quarter compares with
// day 40 of the last one.
func Periods(spec string, now time.Time, loc *time.Location) (cur, prev Period, err error) {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "30d":
		cur = Period{end.AddDate(0, 0, -30), end}
		return cur, Period{cur.Start.AddDate(0, 0, -30), cur.Start}, nil
	case "90d":
		cur = Period{end.AddDate(0, 0, -90), end}
		return cur, Period{cur.Start.AddDate(0, 0, -90), cur.Start}, nil
	case "qtd":
		cur = Period{time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc), end}
		return cur, sameSpan(cur, cur.Start.AddDate(0, -3, 0)), nil
	case "ytd":
		cur = Period{time.Date(y, 1, 1, 0, 0, 0, 0, loc), end}
		return cur, sameSpan(cur, cur.Start.AddDate(-1, 0, 0)), nil
	}
	return Period{}, Period{}, fmt.Errorf("'%s' is not a period: use %s", spec, strings.Join(PeriodNames, ", "))
}

// sameSpan is cur's number of days from start, cut at cur's start when the
// earlier quarter or year is shorter.
func sameSpan(cur Period, start time.Time) Period {
	end := start.AddDate(0, 0, cur.Days())
	if end.After(cur.Start) {
		end = cur.Start
	}
	return Period{start, end}
}

// Days counts the period's calendar days. It counts dates, not hours, so a
// daylight-saving change inside the period does not shift it.
func (p Period) Days() int {
	return int(dateOf(p.End).Sub(dateOf(p.Start)).Hours() / 24)
}

// FirstDay and LastDay are the period's first and last dates, YYYY-MM-DD.
func (p Period) FirstDay() string { return p.Start.Format(time.DateOnly) }

// LastDay is the period's last date, YYYY-MM-DD.
func (p Period) LastDay() string { return p.End.AddDate(0, 0, -1).Format(time.DateOnly) }

// endDay is the date just after the period, YYYY-MM-DD.
func (p Period) endDay() string { return p.End.Format(time.DateOnly) }

// String writes the period's dates, e.g. "2026-10-27 to 2026-11-25".
func (p Period) String() string { return p.FirstDay() + " to " + p.LastDay() }

// Contains reports whether t falls inside the period. A time of exactly
// midnight UTC is how a date given without a time ("2026-04-01") is
// stored: it counts on that calendar date, whatever the period's zone, or
// west of UTC a cancellation dated the 1st would fall in the month before.
func (p Period) Contains(t time.Time) bool {
	if u := t.UTC(); u.Equal(dateOf(u)) {
		return p.containsDay(u.Format(time.DateOnly))
	}
	return !t.Before(p.Start) && t.Before(p.End)
}

// containsDay reports whether a YYYY-MM-DD date falls inside the period.
func (p Period) containsDay(day string) bool {
	return day != "" && day >= p.FirstDay() && day < p.endDay()
}

// Months returns the calendar months (in the period's zone) from n-1 months
// before end's month to end's month, the last cut at end: the points of a
// KPI chart.
func Months(end time.Time, n int) []Period {
	last := end.AddDate(0, 0, -1)
	first := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, end.Location())
	out := make([]Period, n)
	for i := range n {
		start := first.AddDate(0, i-n+1, 0)
		stop := start.AddDate(0, 1, 0)
		if stop.After(end) {
			stop = end
		}
		out[i] = Period{start, stop}
	}
	return out
}

// dateOf is t's calendar date as a UTC midnight, for counting days.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
