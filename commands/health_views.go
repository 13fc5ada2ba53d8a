package commands

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/internal/healthtext"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// healthWhy answers `/cs health <account> why`: what each component
// contributes, how fresh its input is and what changed since last week.
func (c *cmds) healthWhy(ctx context.Context, l *i18n.Localizer, a store.Account, share bool) (bot.Reply, error) {
	x, err := c.Health.Why(ctx, a)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	r := bot.Reply{
		Title:  l.T("why.title", i18n.Data{"Name": a.Name, "Score": scoreText(l, x.Score, x.Band)}),
		Band:   x.Band,
		Share:  share,
		Footer: l.T("why.footer", i18n.Data{"Fresh": freshness(l, now, a), "Weights": x.Weights}),
	}
	if x.Score < 0 {
		r.Text = l.T("why.no_data", i18n.Data{"Name": a.Name})
		return r, nil
	}
	var stale []string
	fresh := make([]string, len(x.Inputs))
	for i, in := range x.Inputs {
		fresh[i] = fmt.Sprintf("%-12s %s", in.Component, healthtext.Input(l, in))
		if in.Stale {
			stale = append(stale, healthtext.InputName(l, in.Name))
		}
	}
	r.Text = whySummary(l, x, now)
	if len(stale) > 0 {
		r.Text += "\n" + l.T("why.stale", i18n.Data{"Names": i18n.List(stale)})
	}
	r.Sections = []bot.Section{
		{Title: l.T("why.components", nil), Lines: componentLines(l, x.Result, true), Sensitive: true, Redacted: componentLines(l, x.Result, false)},
		{Title: l.T("why.freshness", nil), Lines: fresh},
	}
	if x.Past != nil {
		r.Sections = append(r.Sections, changeSection(l, x, now))
	}
	return r, nil
}

// whySummary is the one-line answer: the score, its move and what drove it.
func whySummary(l *i18n.Localizer, x health.Explanation, now time.Time) string {
	score := scoreText(l, x.Score, x.Band)
	if x.Past == nil {
		return l.T("why.sum.no_past", i18n.Data{"Score": score, "Why": noComparison(l, x.History, now)})
	}
	data := i18n.Data{"Score": score, "Delta": signed(x.Score - x.Past.Score), "Day": l.DateOf(x.Past.Date)}
	if x.Changes == nil {
		return l.T("why.sum.no_components", data)
	}
	for _, ch := range x.Changes {
		if ch.Component == x.Driver {
			data["Component"], data["Points"] = ch.Component, fmt.Sprintf("%+.1f", ch.Delta())
			return l.T("why.sum.driven", data)
		}
	}
	return l.T("why.sum.unmoved", data)
}

// noComparison says why there is no snapshot of last week to compare with.
func noComparison(l *i18n.Localizer, h store.History, now time.Time) string {
	// Within a week of the change every snapshot of a week ago is older.
	if note := restartNote(l, h, now, health.WeekBack); note != "" {
		day, _ := time.Parse(time.DateOnly, h.Restarted)
		return l.T("why.nothing_before", i18n.Data{"Note": note, "Day": l.Date(day.AddDate(0, 0, health.WeekBack))})
	}
	return l.T("why.no_snapshot", i18n.Data{"From": health.WeekBack, "To": health.WeekBack + 3})
}

// changeSection lists each component's move since the past snapshot.
func changeSection(l *i18n.Localizer, x health.Explanation, now time.Time) bot.Section {
	day, _ := time.Parse(time.DateOnly, x.Past.Date)
	title := l.T("why.change.title", i18n.Data{"Day": l.Date(day), "Ago": healthtext.Ago(l, store.DaysBetween(day, now))})
	lines := []string{fmt.Sprintf("%s %3d -> %3d  %s", i18n.Pad(l.T("why.change.score", nil), 12), x.Past.Score, x.Score, signed(x.Score-x.Past.Score))}
	for _, ch := range x.Changes {
		line := fmt.Sprintf("%-12s %3s -> %3s  %4.1f -> %4.1f %s  %+5.1f", ch.Component, scoreOrDash(ch.ThenScore), scoreOrDash(ch.NowScore), ch.Then, ch.Now, l.T("why.change.points", nil), ch.Delta())
		if ch.Component == x.Driver {
			line += "  " + l.T("why.change.driver", nil)
		}
		lines = append(lines, line)
	}
	return bot.Section{Title: title, Lines: lines}
}

func scoreOrDash(score int) string {
	if score < 0 {
		return "-"
	}
	return fmt.Sprint(score)
}

var (
	bandGreen = color.RGBA{R: 0x2a, G: 0x9d, B: 0x54, A: 0xff}
	bandRed   = color.RGBA{R: 0xd6, G: 0x28, B: 0x28, A: 0xff}
)

// healthChart answers `/cs health <account> chart`: 90 days of scores as
// a PNG with the band thresholds, and as a sparkline for text platforms.
func (c *cmds) healthChart(l *i18n.Localizer, a store.Account, share bool) (bot.Reply, error) {
	now := c.Health.Now()
	as := c.Health.Assess(a)
	series := healthDays(as, now)
	pts := dayPoints(series, now)
	r := bot.Reply{
		Title:  l.T("chart.health.title", i18n.Data{"Name": a.Name, "Days": len(series)}),
		Band:   as.Band,
		Share:  share,
		Footer: freshness(l, now, a),
	}
	if len(pts) == 0 {
		r.Text = l.T("chart.health.no_data", i18n.Data{"Name": a.Name})
		return r, nil
	}
	summary := chartSummary(l, pts)
	r.Text = scoreSparkline(series) + "\n" + summary
	if note := restartNote(l, as.History, now, len(series)); note != "" {
		r.Text += "\n" + l.T("chart.health.restarted", i18n.Data{"Note": note})
	}
	cfg := c.Health.Config()
	png, err := chart.LineWith(r.Title, l.T("chart.health.axis", nil), pts, chartWidth, chartHeight, chart.Options{
		YMin: 0, YMax: 100,
		Rules: []chart.Rule{
			{Y: float64(cfg.Green), Label: l.T("chart.health.green", i18n.Data{"N": cfg.Green}), Color: bandGreen},
			{Y: float64(cfg.Yellow), Label: l.T("chart.health.red", i18n.Data{"N": cfg.Yellow}), Color: bandRed},
		},
		TimeFormat: l.T("kpi.chart.tick", nil),
	})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("draw the health chart of %s: %w", a.Name, err)
	}
	r.Image = &bot.Image{
		Name: a.Slug + "-health.png",
		Alt: l.T("chart.health.alt", i18n.Data{"Name": a.Name, "Days": len(series), "Scored": l.Days(len(pts)),
			"Summary": summary, "Green": cfg.Green, "Red": cfg.Yellow}),
		PNG: png,
	}
	return r, nil
}

// healthDays are the daily scores of the last store.HistoryDays days,
// oldest first and today's last, -1 for a day without a score: the data
// behind the chart. Scores of earlier weights are not among them.
func healthDays(as health.Assessment, now time.Time) []int {
	return health.TrendOf(as.History, now, as.Score, store.HistoryDays).Series
}

// dayPoints turns daily scores ending today into chart points, leaving out
// the days without a score.
func dayPoints(series []int, now time.Time) []chart.Point {
	today := store.UTCDay(now)
	var pts []chart.Point
	for i, v := range series {
		if v >= 0 {
			pts = append(pts, chart.Point{At: today.AddDate(0, 0, i-len(series)+1), Value: float64(v)})
		}
	}
	return pts
}

// chartSummary names the latest, lowest and highest score, each with its
// day (the most recent one on a tie).
func chartSummary(l *i18n.Localizer, pts []chart.Point) string {
	lo, hi := pts[0], pts[0]
	for _, p := range pts {
		if p.Value <= lo.Value {
			lo = p
		}
		if p.Value >= hi.Value {
			hi = p
		}
	}
	last := pts[len(pts)-1]
	return l.T("chart.health.summary", i18n.Data{"Last": last.Value, "LastDay": l.Date(last.At),
		"Low": lo.Value, "LowDay": l.Date(lo.At), "High": hi.Value, "HighDay": l.Date(hi.At)})
}
