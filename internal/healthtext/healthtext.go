// Package healthtext puts the facts of store/health in words, in the
// reader's language: churn-risk reasons, what a component was measured
// from, how fresh an input is. store/health keeps them as data so that the
// index rows and assessments read the same in every language; the chat
// commands and the messages csbot sends on its own (playbooks) share this.
package healthtext

import (
	"fmt"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Reason is why a churn-risk rule fired, e.g. "health 31 is in the red
// band (below 40)".
func Reason(l *i18n.Localizer, k store.Risk) string {
	if k.Reason != "" {
		return k.Reason // a row written before the facts were kept
	}
	d := i18n.Data{"Score": k.Score, "Limit": k.Limit, "Days": k.Days, "Points": k.Points, "Milestone": k.Milestone}
	if !k.Date.IsZero() {
		d["Date"] = l.Date(k.Date)
	}
	switch k.Rule {
	case health.RuleRenewal:
		d["Days"] = l.Days(k.Days)
	case health.RuleNoTouch:
		d["Tier"] = l.T("tier."+string(k.Tier), nil)
	}
	return l.T("risk."+k.Rule, d)
}

// Reasons are the reasons of risks, nil for none.
func Reasons(l *i18n.Localizer, ks []store.Risk) []string {
	if len(ks) == 0 {
		return nil
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = Reason(l, k)
	}
	return out
}

// Detail says what a component was measured from, e.g. "90 of 100 seats
// active, 80% of key features".
func Detail(l *i18n.Localizer, c health.Component) string {
	d := c.Detail
	var parts []string
	switch c.Name {
	case health.Usage:
		parts = append(parts, l.T("detail.usage", i18n.Data{"Active": d.Active, "Seats": d.Seats}))
		if d.Adoption >= 0 {
			parts = append(parts, l.T("detail.adoption", i18n.Data{"Pct": d.Adoption}))
		}
	case health.Engagement:
		parts = append(parts, l.T("detail.engagement", i18n.Data{"Ago": Ago(l, d.Days)}))
	case health.Satisfaction:
		if d.NPS != nil {
			parts = append(parts, l.T("detail.nps", i18n.Data{"NPS": *d.NPS}))
		}
		if d.CSAT != nil {
			parts = append(parts, l.T("detail.csat", i18n.Data{"CSAT": fmt.Sprintf("%.1f", *d.CSAT)}))
		}
	case health.Support:
		parts = append(parts, l.N("detail.tickets", d.Open, nil))
		if d.Escalated > 0 {
			parts = append(parts, l.T("detail.escalated", i18n.Data{"Count": d.Escalated}))
		}
	case health.Onboarding:
		if d.Due == 0 {
			return l.T("detail.none_due", nil)
		}
		parts = append(parts, l.T("detail.on_time", i18n.Data{"OnTime": d.OnTime, "Due": d.Due}))
	}
	return l.Join(parts)
}

// InputName names an input of a component, e.g. "usage data".
func InputName(l *i18n.Localizer, name string) string { return l.T("input."+name, nil) }

// Input says how fresh an input is, flagging a stale one: "ticket counts
// from 2026-11-17 (8 days ago), stale: older than 7 days".
func Input(l *i18n.Localizer, in health.Input) string {
	name := InputName(l, in.Name)
	switch {
	case in.Date.IsZero() && in.Limit == 0:
		return l.T("input.none_yet", i18n.Data{"Name": name}) // e.g. no milestone done
	case in.Date.IsZero():
		return l.T("input.date_unknown", i18n.Data{"Name": name})
	}
	s := l.T("input.from", i18n.Data{"Name": name, "Day": l.Date(in.Date), "Ago": Ago(l, in.Age)})
	if in.Stale {
		s += l.T("input.stale", i18n.Data{"Days": l.Days(in.Limit)})
	}
	return s
}

// Ago says how long ago a number of days was: "today", "yesterday", "3
// days ago".
func Ago(l *i18n.Localizer, days int) string {
	switch {
	case days == 1:
		return l.T("ago.yesterday", nil)
	case days < 0:
		return l.T("ago.future", nil)
	}
	return l.InDays(-days)
}
