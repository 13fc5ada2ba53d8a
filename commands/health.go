package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

func (c *cmds) healthCommand() bot.Command {
	return bot.Command{
		Name:    "health",
		Usage:   "<account> [share]",
		Summary: "health score, band, trend, components, owner, renewal and risks",
		Help: "The score (0-100) weighs usage, engagement, satisfaction, support and onboarding; " +
			"green >= 70, yellow 40-69, red < 40. Add `share` to post the answer for the whole channel.",
		Examples: []string{"/cs health acme", "/cs health \"Sakura Logistics\" share"},
		Handler:  c.health,
	}
}

func (c *cmds) health(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, share, err := c.accountArg(ctx, req)
	if err != nil {
		return bot.Reply{}, err
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
			{Name: "Trend", Value: trendText(as.Trend)},
			{Name: "Tier", Value: string(a.Tier) + " touch"},
			{Name: "Owner", Value: owner},
			{Name: "Phase", Value: string(a.Phase)},
			{Name: "ARR", Value: bot.Amount(a.ARR)},
			{Name: "Renewal", Value: renewalText(now, a.Renewal)},
		},
		Buttons: []bot.Button{
			{ID: "note", Label: "Log a touch", Value: a.Slug},
			{ID: "onboarding", Label: "Onboarding", Value: "onboarding " + a.Slug},
		},
	}
	var comps []string
	for _, comp := range as.Components {
		line := fmt.Sprintf("%-12s %3d  x %2.0f%% = %4.1f", comp.Name, comp.Score, 100*comp.Weight, comp.Contribution())
		if comp.Detail != "" {
			line += "  " + comp.Detail
		}
		comps = append(comps, line)
	}
	if len(as.Missing) > 0 {
		comps = append(comps, fmt.Sprintf("No data for %s: left out, the other weights re-normalised.", strings.Join(as.Missing, ", ")))
	}
	r.Sections = append(r.Sections, bot.Section{Title: "Components", Lines: comps})
	r.Sections = append(r.Sections, bot.Section{Title: "Risks", Lines: riskLines(as.Risks)})
	return r, nil
}

// accountArg resolves the account named by the arguments, which may end
// with "share" to post the reply for the whole channel.
func (c *cmds) accountArg(ctx context.Context, req *bot.Request) (store.Account, bool, error) {
	args, share := req.Args, false
	if n := len(args); n > 1 && strings.EqualFold(args[n-1], "share") {
		args, share = args[:n-1], true
	}
	if len(args) == 0 {
		return store.Account{}, false, bot.UsageErrorf("Which account? Give its name or slug.")
	}
	a, err := c.resolveAccount(ctx, strings.Join(args, " "))
	return a, share, err
}

func scoreText(score int, band string) string {
	if score < 0 {
		return "n/a (no data yet)"
	}
	return fmt.Sprintf("%d/100 (%s)", score, band)
}

func trendText(t health.Trend) string {
	var parts []string
	if t.Delta7 != nil {
		parts = append(parts, signed(*t.Delta7)+" in 7 days")
	}
	if t.Delta30 != nil {
		parts = append(parts, signed(*t.Delta30)+" in 30 days")
	}
	if len(parts) == 0 {
		return "no history yet"
	}
	return strings.Join(parts, ", ") + "  " + health.Sparkline(t.Series)
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

func riskLines(risks []store.Risk) []string {
	if len(risks) == 0 {
		return []string{"No churn-risk rule fires."}
	}
	lines := make([]string, len(risks))
	for i, r := range risks {
		lines[i] = fmt.Sprintf("- %s [%s]", r.Reason, r.Rule)
	}
	return lines
}

func (c *cmds) onboardingCommand() bot.Command {
	return bot.Command{
		Name:     "onboarding",
		Usage:    "<account> [share]",
		Summary:  "onboarding milestones: done, next, overdue, % complete, days in phase",
		Examples: []string{"/cs onboarding acme"},
		Handler:  c.onboarding,
	}
}

func (c *cmds) onboarding(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	a, share, err := c.accountArg(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	r := bot.Reply{Title: a.Name + " · onboarding", Share: share, Footer: freshness(now, a)}
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
			r.Sections = append(r.Sections, bot.Section{Title: "Risk", Lines: []string{risk.Reason}})
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
