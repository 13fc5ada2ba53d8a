package commands

import (
	"context"
	"fmt"
	"image/color"
	"strings"
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
func (c *cmds) healthWhy(ctx context.Context, a store.Account, share bool) (bot.Reply, error) {
	x, err := c.Health.Why(ctx, a)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	r := bot.Reply{
		Title:  fmt.Sprintf("%s · why health is %s", a.Name, scoreText(i18n.English, x.Score, x.Band)),
		Band:   x.Band,
		Share:  share,
		Footer: freshness(i18n.English, now, a) + " · weights " + x.Weights,
	}
	if x.Score < 0 {
		r.Text = fmt.Sprintf("%s has no health data yet: no usage, touch, survey, ticket or milestone is on record.", a.Name)
		return r, nil
	}
	var stale []string
	fresh := make([]string, len(x.Inputs))
	for i, in := range x.Inputs {
		fresh[i] = fmt.Sprintf("%-12s %s", in.Component, healthtext.Input(i18n.English, in))
		if in.Stale {
			stale = append(stale, healthtext.InputName(i18n.English, in.Name))
		}
	}
	r.Text = whySummary(x, now)
	if len(stale) > 0 {
		r.Text += fmt.Sprintf("\nStale inputs: %s. The components they feed may be out of date.", strings.Join(stale, ", "))
	}
	r.Sections = []bot.Section{
		{Title: "What each component contributes", Lines: componentLines(i18n.English, x.Result, true), Sensitive: true, Redacted: componentLines(i18n.English, x.Result, false)},
		{Title: "How fresh the inputs are", Lines: fresh},
	}
	if x.Past != nil {
		r.Sections = append(r.Sections, changeSection(x, now))
	}
	return r, nil
}

// whySummary is the one-line answer: the score, its move and what drove it.
func whySummary(x health.Explanation, now time.Time) string {
	s := "Health " + scoreText(i18n.English, x.Score, x.Band)
	if x.Past == nil {
		return s + ": " + noComparison(x.History, now)
	}
	s += fmt.Sprintf(", %s since %s", signed(x.Score-x.Past.Score), x.Past.Date)
	if x.Changes == nil {
		return s + "; that day's snapshot has no component scores to compare."
	}
	for _, ch := range x.Changes {
		if ch.Component == x.Driver {
			return s + fmt.Sprintf(", driven most by %s (%+.1f points).", ch.Component, ch.Delta())
		}
	}
	return s + "; no component moved."
}

// noComparison says why there is no snapshot of last week to compare with.
func noComparison(h store.History, now time.Time) string {
	// Within a week of the change every snapshot of a week ago is older.
	if note := restartNote(i18n.English, h, now, health.WeekBack); note != "" {
		day, _ := time.Parse(time.DateOnly, h.Restarted)
		return fmt.Sprintf("%s, so there is nothing to compare with before %s.", note, store.Day(day.AddDate(0, 0, health.WeekBack)))
	}
	return fmt.Sprintf("no snapshot from %d to %d days ago to compare with.", health.WeekBack, health.WeekBack+3)
}

// changeSection lists each component's move since the past snapshot.
func changeSection(x health.Explanation, now time.Time) bot.Section {
	day, _ := time.Parse(time.DateOnly, x.Past.Date)
	title := fmt.Sprintf("Change since %s (%s)", x.Past.Date, healthtext.Ago(i18n.English, store.DaysBetween(day, now)))
	lines := []string{fmt.Sprintf("%-12s %3d -> %3d  %s", "score", x.Past.Score, x.Score, signed(x.Score-x.Past.Score))}
	for _, ch := range x.Changes {
		line := fmt.Sprintf("%-12s %3s -> %3s  %4.1f -> %4.1f points  %+5.1f", ch.Component, scoreOrDash(ch.ThenScore), scoreOrDash(ch.NowScore), ch.Then, ch.Now, ch.Delta())
		if ch.Component == x.Driver {
			line += "  <- drove the change"
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
func (c *cmds) healthChart(a store.Account, share bool) (bot.Reply, error) {
	now := c.Health.Now()
	as := c.Health.Assess(a)
	series := healthDays(as, now)
	pts := dayPoints(series, now)
	r := bot.Reply{
		Title:  fmt.Sprintf("%s · health, last %d days", a.Name, len(series)),
		Band:   as.Band,
		Share:  share,
		Footer: freshness(i18n.English, now, a),
	}
	if len(pts) == 0 {
		r.Text = fmt.Sprintf("%s has no health scores yet, so there is nothing to chart.", a.Name)
		return r, nil
	}
	summary := chartSummary(pts)
	r.Text = scoreSparkline(series) + "\n" + summary
	if note := restartNote(i18n.English, as.History, now, len(series)); note != "" {
		r.Text += "\n" + note + ": older scores are left out."
	}
	cfg := c.Health.Config()
	png, err := chart.LineWith(r.Title, "health score", pts, chartWidth, chartHeight, chart.Options{
		YMin: 0, YMax: 100,
		Rules: []chart.Rule{
			{Y: float64(cfg.Green), Label: fmt.Sprintf("green from %d", cfg.Green), Color: bandGreen},
			{Y: float64(cfg.Yellow), Label: fmt.Sprintf("red below %d", cfg.Yellow), Color: bandRed},
		},
	})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("draw the health chart of %s: %w", a.Name, err)
	}
	r.Image = &bot.Image{
		Name: a.Slug + "-health.png",
		Alt: fmt.Sprintf("Line chart of the health score of %s over the last %d days, %s with a score, on a 0 to 100 scale: %s. Green from %d, red below %d.",
			a.Name, len(series), health.Plural(len(pts), "day"), summary, cfg.Green, cfg.Yellow),
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
func chartSummary(pts []chart.Point) string {
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
	return fmt.Sprintf("latest %.0f on %s, lowest %.0f on %s, highest %.0f on %s",
		last.Value, store.Day(last.At), lo.Value, store.Day(lo.At), hi.Value, store.Day(hi.At))
}
