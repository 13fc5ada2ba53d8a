package health

import (
	"fmt"
	"time"

	"github.com/csbot/csbot/store"
)

// Churn-risk rule names; the digest and `/cs risk` say which one fired.
const (
	RuleRedBand   = "red-band"
	RuleDrop      = "health-drop"
	RuleRenewal   = "renewal-at-risk"
	RuleStalled   = "onboarding-stalled"
	RuleDetractor = "nps-detractor"
	RuleNoTouch   = "no-touch"
)

// Rules lists every rule, for help texts and tests.
var Rules = []string{RuleRedBand, RuleDrop, RuleRenewal, RuleStalled, RuleDetractor, RuleNoTouch}

// Risks returns the churn-risk rules that fire for an account, each with the
// reason in words.
func (c Config) Risks(a store.Account, r Result, now time.Time) []store.Risk {
	var out []store.Risk
	add := func(rule, format string, args ...any) {
		out = append(out, store.Risk{Rule: rule, Reason: fmt.Sprintf(format, args...)})
	}
	if r.Band == Red {
		add(RuleRedBand, "health %d is in the red band (below %d)", r.Score, c.Yellow)
	}
	if d := delta(a.History.Days(now, c.DropDays+fallback+1), r.Score, c.DropDays); r.Score >= 0 && d != nil && -*d >= c.DropPoints {
		add(RuleDrop, "health fell %d points in %d days", -*d, c.DropDays)
	}
	if !a.Renewal.IsZero() && r.Score >= 0 {
		days := store.DaysBetween(now, a.Renewal)
		if days >= 0 && days <= c.RenewalDays && r.Score < c.RenewalHealth {
			add(RuleRenewal, "renews in %s (%s) with health %d, below %d", Plural(days, "day"), store.Day(a.Renewal), r.Score, c.RenewalHealth)
		}
	}
	if a.Phase == store.PhaseOnboarding {
		if since, next, ok := stalled(a, now); ok && since >= c.StallDays {
			add(RuleStalled, "onboarding stalled: no milestone done for %d days (next: %s)", since, next)
		}
	}
	if a.NPS != nil && *a.NPS <= c.DetractorMax && !a.NPSDate.IsZero() && store.DaysBetween(a.NPSDate, now) <= c.DetractorDays {
		add(RuleDetractor, "NPS detractor: answered %d on %s", *a.NPS, store.Day(a.NPSDate))
	}
	if allowed, ok := c.TouchDays[a.Tier]; ok && !a.LastTouch.IsZero() {
		if days := store.DaysBetween(a.LastTouch, now); days > allowed {
			add(RuleNoTouch, "no touch for %d days (%s touch allows %d)", days, a.Tier, allowed)
		}
	}
	return out
}

// stalled reports how long onboarding has gone without a milestone done and
// which milestone is next; ok is false when nothing is left to do.
func stalled(a store.Account, now time.Time) (days int, next string, ok bool) {
	last := a.PhaseStart
	for _, m := range a.Milestones {
		if m.Done != nil && m.Done.After(last) {
			last = *m.Done
		}
		if m.Done == nil && next == "" {
			next = m.Name
		}
	}
	if next == "" || last.IsZero() {
		return 0, "", false
	}
	return store.DaysBetween(last, now), next, true
}
