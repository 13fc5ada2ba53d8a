package commands

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/internal/healthtext"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

func (c *cmds) healthCommand() command {
	return command{For: needs(access.Health), Command: bot.Command{
		Name: "health",
		Args: []bot.Arg{accountArg,
			{Name: "view", Kind: bot.Enum, Choices: []string{"why", "chart"}, Help: "why: what each component adds; chart: the last 90 days"},
			shareArg},
		Summary: "health score, band, trend, components, owner, renewal and risks",
		Help: "The score (0-100) weighs usage, engagement, satisfaction, support and onboarding; " +
			"green >= 70, yellow 40-69, red < 40. Add `why` to see what each component contributes, " +
			"how fresh its data is and what changed since last week, `chart` for the last 90 days as a picture. " +
			"Add `share` to post the answer for the whole channel.",
		Examples: []string{"/cs health acme", "/cs health \"Sakura Logistics\" share", "/cs health acme why", "/cs health acme chart"},
		Handler:  c.health,
	}}
}

func (c *cmds) health(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, err := c.accountFor(ctx, req.Member, access.Health, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	share := req.Has("share")
	switch req.Arg("view") {
	case "why":
		return c.healthWhy(ctx, req.L(), a, share)
	case "chart":
		return c.healthChart(req.L(), a, share)
	}
	owner, err := c.memberName(ctx, req.L(), a.Owner)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	as := c.Health.Assess(a)
	l := req.L()
	r := bot.Reply{
		Title:  l.T("health.title", i18n.Data{"Name": a.Name, "Score": scoreText(l, as.Score, as.Band)}),
		Band:   as.Band,
		Share:  share,
		Footer: freshness(l, now, a),
		Fields: []bot.Field{
			{Name: l.T("health.field.score", nil), Value: scoreText(l, as.Score, as.Band)},
			{Name: l.T("health.field.trend", nil), Value: trendText(l, as, now)},
			{Name: l.T("health.field.tier", nil), Value: l.T("tier."+string(a.Tier), nil)},
			{Name: l.T("health.field.owner", nil), Value: owner},
			{Name: l.T("health.field.phase", nil), Value: l.T("phase."+string(a.Phase), nil)},
			{Name: l.T("health.field.arr", nil), Value: l.Money(a.ARR, c.Currency), Sensitive: true},
			{Name: l.T("health.field.renewal", nil), Value: renewalText(l, now, a.Renewal)},
		},
		Buttons: []bot.Button{
			{ID: "note", Label: l.T("health.button.note", nil), Value: a.Slug},
			{ID: "onboarding", Label: l.T("health.button.onboarding", nil), Value: "onboarding " + a.Slug},
		},
	}
	// From the account document alone: plain /cs health reads nothing more.
	if stale := c.Health.Config().StaleInputs(a, as.Result, now); len(stale) > 0 {
		parts := make([]string, len(stale))
		for i, in := range stale {
			parts[i] = healthtext.Input(l, in)
		}
		r.Fields = slices.Insert(r.Fields, 2, bot.Field{Name: l.T("health.field.stale", nil), Value: strings.Join(parts, "; ")})
	}
	r.Sections = append(r.Sections, bot.Section{Title: l.T("health.components", nil), Lines: componentLines(l, as.Result, true),
		Sensitive: true, Redacted: componentLines(l, as.Result, false)})
	r.Sections = append(r.Sections, riskSection(l, as.Risks))
	return r, nil
}

// componentLines shows what each component adds to the score; details
// adds what it was computed from, which for satisfaction are NPS answers.
func componentLines(l *i18n.Localizer, r health.Result, details bool) []string {
	var lines []string
	for _, comp := range r.Components {
		line := fmt.Sprintf("%-12s %3d  x %2.0f%% = %4.1f", comp.Name, comp.Score, 100*comp.Weight, comp.Contribution())
		if details || comp.Name != health.Satisfaction {
			line += "  " + healthtext.Detail(l, comp)
		}
		lines = append(lines, line)
	}
	if len(r.Missing) > 0 {
		lines = append(lines, l.T("health.missing", i18n.Data{"Names": l.Join(r.Missing)}))
	}
	return lines
}

func scoreText(l *i18n.Localizer, score int, band string) string {
	if score < 0 {
		return l.T("health.no_score", nil)
	}
	return l.T("health.score", i18n.Data{"Score": score, "Band": l.T("band."+band, nil)})
}

func trendText(l *i18n.Localizer, as health.Assessment, now time.Time) string {
	t, note := as.Trend, restartNote(l, as.History, now, len(as.Trend.Series))
	var parts []string
	if t.Delta7 != nil {
		parts = append(parts, l.T("health.delta7", i18n.Data{"Delta": signed(*t.Delta7)}))
	}
	if t.Delta30 != nil {
		parts = append(parts, l.T("health.delta30", i18n.Data{"Delta": signed(*t.Delta30)}))
	}
	s := l.T("health.no_history", nil)
	if len(parts) > 0 {
		s = l.Join(parts) + "  " + scoreSparkline(t.Series)
	}
	if note != "" {
		s += "; " + note
	}
	return s
}

// restartNote says when the weights changed, if that restarted the
// history within the last window days.
func restartNote(l *i18n.Localizer, h store.History, now time.Time, window int) string {
	day, err := time.Parse(time.DateOnly, h.Restarted)
	if err != nil || store.DaysBetween(day, now) >= window {
		return ""
	}
	return l.T("health.restarted", i18n.Data{"Day": l.Date(day)})
}

// scoreSparkline draws daily scores (-1: none) on the fixed 0..100 scale,
// so lines of different accounts compare.
func scoreSparkline(series []int) string {
	vals := make([]float64, len(series))
	for i, v := range series {
		vals[i] = float64(v)
		if v < 0 {
			vals[i] = math.NaN()
		}
	}
	return chart.SparklineScale(vals, 0, 100)
}

func renewalText(l *i18n.Localizer, now, renewal time.Time) string {
	if renewal.IsZero() {
		return l.T("health.renewal_unset", nil)
	}
	return l.T("health.renewal", i18n.Data{"Day": l.Date(renewal), "When": l.InDays(store.DaysBetween(now, renewal))})
}

// riskSection lists the rules that fire with their reasons; a public
// channel sees the rules only.
func riskSection(l *i18n.Localizer, risks []store.Risk) bot.Section {
	if len(risks) == 0 {
		return bot.Section{Title: l.T("health.risks", nil), Lines: []string{l.T("health.no_risk", nil)}}
	}
	s := bot.Section{Title: l.T("health.risks", nil), Sensitive: true, Lines: make([]string, len(risks)), Redacted: make([]string, len(risks))}
	for i, r := range risks {
		s.Lines[i] = fmt.Sprintf("- %s [%s]", healthtext.Reason(l, r), r.Rule)
		s.Redacted[i] = fmt.Sprintf("- [%s]", r.Rule)
	}
	return s
}

func (c *cmds) onboardingCommand() command {
	return command{For: needs(access.Onboarding), Command: bot.Command{
		Name:     "onboarding",
		Args:     []bot.Arg{accountArg, shareArg},
		Summary:  "onboarding milestones: done, next, overdue, % complete, days in phase",
		Examples: []string{"/cs onboarding acme"},
		Handler:  c.onboarding,
	}}
}

func (c *cmds) onboarding(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, err := c.accountFor(ctx, req.Member, access.Onboarding, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	l := req.L()
	r := bot.Reply{Title: l.T("onboarding.title", i18n.Data{"Name": a.Name}), Share: req.Has("share"), Footer: freshness(l, now, a)}
	if len(a.Milestones) == 0 {
		r.Text = l.T("onboarding.none", i18n.Data{"Name": a.Name, "Phase": l.T("phase."+string(a.Phase), nil)})
		return r, nil
	}
	done, overdue := 0, 0
	next := ""
	var lines []string
	for _, m := range a.Milestones {
		switch {
		case m.Done != nil:
			done++
			lines = append(lines, l.T("onboarding.done_line", i18n.Data{"Milestone": m.Name, "Day": l.Date(*m.Done)}))
		case m.Due.Before(store.UTCDay(now)):
			overdue++
			lines = append(lines, l.T("onboarding.overdue_line", i18n.Data{"Milestone": m.Name, "Days": l.Days(-store.DaysBetween(now, m.Due)), "Day": l.Date(m.Due)}))
		default:
			lines = append(lines, l.T("onboarding.due_line", i18n.Data{"Milestone": m.Name, "Day": l.Date(m.Due)}))
		}
		if m.Done == nil && next == "" {
			next = m.Name
		}
	}
	pct := 100 * done / len(a.Milestones)
	r.Band = health.Green
	switch {
	case overdue > 0:
		r.Band = health.Red
	case done < len(a.Milestones):
		r.Band = health.Yellow
	}
	r.Fields = []bot.Field{
		{Name: l.T("onboarding.field.complete", nil), Value: l.T("onboarding.complete", i18n.Data{"Pct": pct, "Done": done, "Total": len(a.Milestones)})},
		{Name: l.T("onboarding.field.next", nil), Value: orNone(l, next)},
		{Name: l.T("onboarding.field.overdue", nil), Value: fmt.Sprint(overdue)},
		{Name: l.T("onboarding.field.phase", nil), Value: phaseText(l, now, a)},
	}
	r.Sections = []bot.Section{{Title: l.T("onboarding.milestones", nil), Lines: lines}}
	for _, risk := range c.Health.Assess(a).Risks {
		if risk.Rule == health.RuleStalled {
			r.Sections = append(r.Sections, bot.Section{Title: l.T("onboarding.risk", nil), Lines: []string{healthtext.Reason(l, risk)}, Sensitive: true, Redacted: []string{"[" + risk.Rule + "]"}})
		}
	}
	return r, nil
}

func phaseText(l *i18n.Localizer, now time.Time, a store.Account) string {
	phase := l.T("phase."+string(a.Phase), nil)
	if a.PhaseStart.IsZero() {
		return phase
	}
	return l.T("onboarding.phase", i18n.Data{"Phase": phase, "Days": l.Days(-store.DaysBetween(now, a.PhaseStart)), "Day": l.Date(a.PhaseStart)})
}

func orNone(l *i18n.Localizer, s string) string {
	if s == "" {
		return l.T("onboarding.all_done", nil)
	}
	return s
}
