package commands

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

func (c *cmds) healthCommand() bot.Command {
	return bot.Command{
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
	}
}

func (c *cmds) health(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, err := c.accountFor(ctx, req.Member, access.Health, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	share := req.Has("share")
	switch req.Arg("view") {
	case "why":
		return c.healthWhy(ctx, a, share)
	case "chart":
		return c.healthChart(a, share)
	}
	owner, err := c.memberName(ctx, a.Owner)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	as := c.Health.Assess(a)
	r := bot.Reply{
		Title:  fmt.Sprintf("%s · health %s", a.Name, scoreText(as.Score, as.Band)),
		Band:   as.Band,
		Share:  share,
		Footer: freshness(now, a),
		Fields: []bot.Field{
			{Name: "Score", Value: scoreText(as.Score, as.Band)},
			{Name: "Trend", Value: trendText(as, now)},
			{Name: "Tier", Value: string(a.Tier) + " touch"},
			{Name: "Owner", Value: owner},
			{Name: "Phase", Value: string(a.Phase)},
			{Name: "ARR", Value: bot.Amount(a.ARR), Sensitive: true},
			{Name: "Renewal", Value: renewalText(now, a.Renewal)},
		},
		Buttons: []bot.Button{
			{ID: "note", Label: "Log a touch", Value: a.Slug},
			{ID: "onboarding", Label: "Onboarding", Value: "onboarding " + a.Slug},
		},
	}
	// From the account document alone: plain /cs health reads nothing more.
	if stale := c.Health.Config().StaleInputs(a, as.Result, now); len(stale) > 0 {
		parts := make([]string, len(stale))
		for i, in := range stale {
			parts[i] = inputText(in)
		}
		r.Fields = slices.Insert(r.Fields, 2, bot.Field{Name: "Stale inputs", Value: strings.Join(parts, "; ")})
	}
	r.Sections = append(r.Sections, bot.Section{Title: "Components", Lines: componentLines(as.Result, true),
		Sensitive: true, Redacted: componentLines(as.Result, false)})
	r.Sections = append(r.Sections, riskSection(as.Risks))
	return r, nil
}

// componentLines shows what each component adds to the score; details
// adds what it was computed from, which for satisfaction are NPS answers.
func componentLines(r health.Result, details bool) []string {
	var lines []string
	for _, comp := range r.Components {
		line := fmt.Sprintf("%-12s %3d  x %2.0f%% = %4.1f", comp.Name, comp.Score, 100*comp.Weight, comp.Contribution())
		if comp.Detail != "" && (details || comp.Name != health.Satisfaction) {
			line += "  " + comp.Detail
		}
		lines = append(lines, line)
	}
	if len(r.Missing) > 0 {
		lines = append(lines, fmt.Sprintf("No data for %s: left out, the other weights re-normalised.", strings.Join(r.Missing, ", ")))
	}
	return lines
}

// inputText says how fresh an input is, flagging a stale one.
func inputText(in health.Input) string {
	switch {
	case in.Date.IsZero() && in.Limit == 0:
		return in.Name + ": none yet" // e.g. no milestone done
	case in.Date.IsZero():
		return in.Name + ": date unknown"
	}
	s := fmt.Sprintf("%s from %s (%s)", in.Name, store.Day(in.Date), health.Ago(in.Age))
	if in.Stale {
		s += fmt.Sprintf(", stale: older than %s", days(in.Limit))
	}
	return s
}

func scoreText(score int, band string) string {
	if score < 0 {
		return "n/a (no data yet)"
	}
	return fmt.Sprintf("%d/100 (%s)", score, band)
}

func trendText(as health.Assessment, now time.Time) string {
	t, note := as.Trend, restartNote(as.History, now, len(as.Trend.Series))
	var parts []string
	if t.Delta7 != nil {
		parts = append(parts, signed(*t.Delta7)+" in 7 days")
	}
	if t.Delta30 != nil {
		parts = append(parts, signed(*t.Delta30)+" in 30 days")
	}
	s := "no history yet"
	if len(parts) > 0 {
		s = strings.Join(parts, ", ") + "  " + scoreSparkline(t.Series)
	}
	if note != "" {
		s += "; " + note
	}
	return s
}

// restartNote says when the weights changed, if that restarted the
// history within the last window days.
func restartNote(h store.History, now time.Time, window int) string {
	day, err := time.Parse(time.DateOnly, h.Restarted)
	if err != nil || store.DaysBetween(day, now) >= window {
		return ""
	}
	return fmt.Sprintf("weights changed on %s; trend restarts", h.Restarted)
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

func renewalText(now, renewal time.Time) string {
	if renewal.IsZero() {
		return "not set"
	}
	n := store.DaysBetween(now, renewal)
	if n < 0 {
		return fmt.Sprintf("%s (%s ago)", store.Day(renewal), days(-n))
	}
	return fmt.Sprintf("%s (in %s)", store.Day(renewal), days(n))
}

// riskSection lists the rules that fire with their reasons; a public
// channel sees the rules only.
func riskSection(risks []store.Risk) bot.Section {
	if len(risks) == 0 {
		return bot.Section{Title: "Risks", Lines: []string{"No churn-risk rule fires."}}
	}
	s := bot.Section{Title: "Risks", Sensitive: true, Lines: make([]string, len(risks)), Redacted: make([]string, len(risks))}
	for i, r := range risks {
		s.Lines[i] = fmt.Sprintf("- %s [%s]", r.Reason, r.Rule)
		s.Redacted[i] = fmt.Sprintf("- [%s]", r.Rule)
	}
	return s
}

func (c *cmds) onboardingCommand() bot.Command {
	return bot.Command{
		Name:     "onboarding",
		Args:     []bot.Arg{accountArg, shareArg},
		Summary:  "onboarding milestones: done, next, overdue, % complete, days in phase",
		Examples: []string{"/cs onboarding acme"},
		Handler:  c.onboarding,
	}
}

func (c *cmds) onboarding(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, err := c.accountFor(ctx, req.Member, access.Onboarding, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	r := bot.Reply{Title: a.Name + " · onboarding", Share: req.Has("share"), Footer: freshness(now, a)}
	if len(a.Milestones) == 0 {
		r.Text = fmt.Sprintf("%s has no onboarding milestones on record (phase: %s).", a.Name, a.Phase)
		return r, nil
	}
	done, overdue := 0, 0
	next := ""
	var lines []string
	for _, m := range a.Milestones {
		switch {
		case m.Done != nil:
			done++
			lines = append(lines, fmt.Sprintf("[x] %s, done %s", m.Name, store.Day(*m.Done)))
		case m.Due.Before(store.UTCDay(now)):
			overdue++
			lines = append(lines, fmt.Sprintf("[!] %s, overdue by %s (due %s)", m.Name, days(-store.DaysBetween(now, m.Due)), store.Day(m.Due)))
		default:
			lines = append(lines, fmt.Sprintf("[ ] %s, due %s", m.Name, store.Day(m.Due)))
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
		{Name: "Complete", Value: fmt.Sprintf("%d%% (%d of %d milestones)", pct, done, len(a.Milestones))},
		{Name: "Next", Value: orNone(next)},
		{Name: "Overdue", Value: fmt.Sprint(overdue)},
		{Name: "Phase", Value: phaseText(now, a)},
	}
	r.Sections = []bot.Section{{Title: "Milestones", Lines: lines}}
	for _, risk := range c.Health.Assess(a).Risks {
		if risk.Rule == health.RuleStalled {
			r.Sections = append(r.Sections, bot.Section{Title: "Risk", Lines: []string{risk.Reason}, Sensitive: true, Redacted: []string{"[" + risk.Rule + "]"}})
		}
	}
	return r, nil
}

func phaseText(now time.Time, a store.Account) string {
	if a.PhaseStart.IsZero() {
		return string(a.Phase)
	}
	return fmt.Sprintf("%s for %s (since %s)", a.Phase, days(-store.DaysBetween(now, a.PhaseStart)), store.Day(a.PhaseStart))
}

func orNone(s string) string {
	if s == "" {
		return "nothing left: all milestones done"
	}
	return s
}
