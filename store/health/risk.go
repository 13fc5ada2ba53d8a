package health

import (
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

// Risks returns the churn-risk rules that fire for an account, each with
// the facts a reply puts in words (store.Risk).
func (c Config) Risks(a store.Account, r Result, now time.Time) []store.Risk {
	var out []store.Risk
	if r.Band == Red {
		out = append(out, store.Risk{Rule: RuleRedBand, Score: r.Score, Limit: c.Yellow})
	}
	if d := delta(a.History.Days(now, c.DropDays+fallback+1), r.Score, c.DropDays); r.Score >= 0 && d != nil && -*d >= c.DropPoints {
		out = append(out, store.Risk{Rule: RuleDrop, Points: -*d, Days: c.DropDays})
	}
	if !a.Renewal.IsZero() && r.Score >= 0 {
		days := store.DaysBetween(now, a.Renewal)
		if days >= 0 && days <= c.RenewalDays && r.Score < c.RenewalHealth {
			out = append(out, store.Risk{Rule: RuleRenewal, Days: days, Date: store.UTCDay(a.Renewal), Score: r.Score, Limit: c.RenewalHealth})
		}
	}
	if a.Phase == store.PhaseOnboarding {
		if since, next, ok := stalled(a, now); ok && since >= c.StallDays {
			out = append(out, store.Risk{Rule: RuleStalled, Days: since, Milestone: next})
		}
	}
	if a.NPS != nil && *a.NPS <= c.DetractorMax && !a.NPSDate.IsZero() && store.DaysBetween(a.NPSDate, now) <= c.DetractorDays {
		out = append(out, store.Risk{Rule: RuleDetractor, Score: *a.NPS, Date: store.UTCDay(a.NPSDate)})
	}
	if allowed, ok := c.TouchDays[a.Tier]; ok && !a.LastTouch.IsZero() {
		if days := store.DaysBetween(a.LastTouch, now); days > allowed {
			out = append(out, store.Risk{Rule: RuleNoTouch, Days: days, Tier: a.Tier, Limit: allowed})
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
