package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/kpi"
)

// Chart size in pixels: wide enough for twelve monthly labels.
const chartWidth, chartHeight = 800, 400

// chartMonths is how many monthly points a KPI chart shows.
const chartMonths = 12

func (c *cmds) kpiCommand() bot.Command {
	return bot.Command{
		Name: "kpi",
		Args: []bot.Arg{scopeArg,
			{Name: "team", Option: true, Help: "another team's KPIs, by its id"},
			{Name: "region", Option: true, Help: "a region, e.g. osaka"},
			tierArg,
			{Name: "period", Kind: bot.Enum, Option: true, Choices: kpi.PeriodNames, Help: "the last 30 or 90 days, the quarter or the year to date"},
			{Name: "chart", Kind: bot.Enum, Option: true, Bare: kpi.NRR, Choices: append(kpi.Keys(), "utilization"), Help: "a KPI to chart by month"},
		},
		Summary: "churn, revenue retention, expansion, onboarding, NPS, CSAT and utilisation, against the previous period",
		Help: "Computed from the stored revenue, survey and usage events. Without a scope a CSM sees their own book, " +
			"a lead their team (`mine`, `region:`, `tier:` narrow it), executives, CS ops and admins everything " +
			"(`team:<id>` picks a team). The period is the last 30 or 90 days, the quarter or the year to date, " +
			"compared with the same span before. `chart` adds a PNG of net revenue retention by month over a year; " +
			"`chart:<kpi>` charts another: " + strings.Join(kpi.Keys(), ", ") + ".",
		Examples: []string{"/cs kpi", "/cs kpi all period:qtd", "/cs kpi region:osaka tier:high", "/cs kpi team:tokyo chart:churn"},
		Slow:     true,
		Handler:  c.kpi,
	}
}

// kpiArgs is what `/cs kpi` was asked for.
type kpiArgs struct {
	scope, region, period string
	tier                  store.Tier
	// chart is the metric to chart; empty for none.
	chart string
}

func kpiArgsOf(req *bot.Request) (kpiArgs, error) {
	out := kpiArgs{scope: req.Arg("scope"), region: req.Arg("region"), period: req.Arg("period"), tier: store.Tier(req.Arg("tier"))}
	if out.period == "" {
		out.period = "30d"
	}
	if req.Has("team") {
		if out.scope != "" {
			return out, bot.UsageErrorf("Give one scope only (you gave %s and team:%s).", out.scope, req.Arg("team"))
		}
		out.scope = "team:" + strings.ToLower(req.Arg("team"))
	}
	if req.Has("chart") {
		m, _ := kpi.MetricByKey(req.Arg("chart")) // a choice: always found
		out.chart = m.Key
	}
	return out, nil
}

func (c *cmds) kpi(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	args, err := kpiArgsOf(req)
	if err != nil {
		return bot.Reply{}, err
	}
	rule := c.Access.Allowed(req.Member, access.KPI)
	scope, need, err := kpiScope(req.Member, rule.Scope, args.scope, args.region, args.tier)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.widerThan(ctx, req.Member, rule, need, cmp.Or(args.scope, "kpi")); err != nil {
		return bot.Reply{}, err
	}
	if id, named := strings.CutPrefix(args.scope, "team:"); named {
		if _, err := c.Store.Team(ctx, id); errors.Is(err, store.ErrNotFound) {
			return bot.Reply{}, noTeam(req.L(), id)
		} else if err != nil {
			return bot.Reply{}, err
		}
	}
	now := c.Health.Now()
	cur, prev, err := kpi.Periods(args.period, now, c.TZ)
	if err != nil {
		return bot.Reply{}, bot.UsageErrorf("%v.", err)
	}
	periods := []kpi.Period{cur, prev}
	var months []kpi.Period
	if args.chart != "" {
		months = kpi.Months(cur.End, chartMonths)
	}
	if args.chart == kpi.Utilisation {
		periods = append(periods, months...)
	}
	book, err := c.kpiBook(ctx, scope, periods)
	if err != nil {
		return bot.Reply{}, err
	}
	r := bot.Reply{
		Title:  fmt.Sprintf("KPIs · %s · %s", scope.Desc, periodName(args.period)),
		Footer: kpiFooter(cur, prev, c.TZ, book),
	}
	if book.Accounts() == 0 {
		r.Text = "No accounts in this scope."
		return r, nil
	}
	figs, prevFigs := book.Compute(cur), book.Compute(prev)
	for _, m := range kpi.Metrics {
		r.Fields = append(r.Fields, bot.Field{Name: m.Name, Value: figureText(m, figs[m.Key], prevFigs[m.Key]), Sensitive: sensitiveKPI(m)})
	}
	if args.chart != "" {
		if err := kpiChart(&r, book, args.chart, months); err != nil {
			return bot.Reply{}, err
		}
	}
	return r, nil
}

// kpiBook reads what the KPIs of the periods need: the account index, every
// revenue event and survey answer, and for each period the days of usage
// latest first until every account has its latest row (one day, usually).
func (c *cmds) kpiBook(ctx context.Context, scope kpi.Scope, periods []kpi.Period) (*kpi.Book, error) {
	rows, err := c.Store.AccountRows(ctx)
	if err != nil {
		return nil, err
	}
	revenue, err := c.Store.RevenueEvents(ctx)
	if err != nil {
		return nil, err
	}
	responses, err := c.Store.Responses(ctx)
	if err != nil {
		return nil, err
	}
	b := kpi.NewBook(scope, rows, revenue, responses)
	read := map[string]bool{}
	for _, p := range periods {
		for _, d := range kpi.UsageDays(p) {
			if b.HasUsage(p) {
				break
			}
			if read[d] {
				continue
			}
			read[d] = true
			part, err := c.Store.UsageOn(ctx, d)
			if err != nil {
				return nil, err
			}
			b.AddUsage(part)
		}
	}
	return b, nil
}

func periodName(spec string) string {
	switch strings.ToLower(spec) {
	case "qtd":
		return "quarter to date"
	case "ytd":
		return "year to date"
	}
	return "last " + strings.TrimSuffix(strings.ToLower(spec), "d") + " days"
}

func kpiFooter(cur, prev kpi.Period, loc *time.Location, b *kpi.Book) string {
	if loc == nil {
		loc = time.UTC
	}
	f := b.Freshness()
	day := func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return t.In(loc).Format(time.DateOnly)
	}
	usage := f.Usage
	if usage == "" {
		usage = "none"
	}
	return fmt.Sprintf("%s vs %s (%s) · %s · latest revenue event %s, survey answer %s, usage %s",
		cur, prev, loc, health.Plural(b.Accounts(), "account"), day(f.Revenue), day(f.Response), usage)
}

// display is a value as the reply shows it, rounded, in the metric's unit:
// percentages as 0-100.
func display(m kpi.Metric, v float64) float64 {
	switch m.Unit {
	case kpi.Percent:
		return math.Round(v*1000) / 10
	case kpi.Stars:
		return math.Round(v*100) / 100
	case kpi.Days:
		return math.Round(v*2) / 2
	}
	return math.Round(v)
}

func valueText(m kpi.Metric, v float64) string {
	d := display(m, v)
	switch m.Unit {
	case kpi.Percent:
		return fmt.Sprintf("%.1f%%", d)
	case kpi.Score:
		return fmt.Sprintf("%+.0f", d)
	case kpi.Stars:
		return fmt.Sprintf("%.2f/5", d)
	case kpi.Amount:
		return bot.Amount(int64(d))
	}
	return fmt.Sprintf("%g days", d)
}

// detail says what a value was computed from.
func detail(m kpi.Metric, v kpi.Value) string {
	switch m.Key {
	case kpi.LogoChurn, kpi.Onboarding:
		return fmt.Sprintf("%.0f of %s", v.Part, health.Plural(int(v.Whole), "account"))
	case kpi.ARRChurn:
		return fmt.Sprintf("%s of %s", bot.Amount(int64(v.Part)), bot.Amount(int64(v.Whole)))
	case kpi.GRR, kpi.NRR:
		return "of " + bot.Amount(int64(v.Whole)) + " at the start"
	case kpi.Expansion:
		return health.Plural(v.N, "expansion")
	case kpi.OnboardingDays:
		return health.Plural(v.N, "account")
	case kpi.NPS, kpi.CSAT:
		return health.Plural(v.N, "answer")
	case kpi.Utilisation:
		return fmt.Sprintf("%s of %s seats", bot.Amount(int64(v.Part)), bot.Amount(int64(v.Whole)))
	}
	return ""
}

// missing says why a value could not be computed.
func missing(m kpi.Metric, v kpi.Value) string {
	switch m.Key {
	case kpi.LogoChurn, kpi.ARRChurn, kpi.GRR, kpi.NRR:
		if v.N > 0 {
			return "no ARR at the start"
		}
		return "no customers at the start"
	case kpi.Onboarding:
		return "no onboarding finished or late"
	case kpi.OnboardingDays:
		return "no onboarding finished"
	case kpi.NPS, kpi.CSAT:
		return "no answers"
	case kpi.Utilisation:
		return fmt.Sprintf("no usage in the last %d days", kpi.UtilisationDays)
	}
	return "no data"
}

// figureText is "16.7% (1 of 6 accounts) · ▲ +2.4 pts vs 14.3% (worse)".
func figureText(m kpi.Metric, cur, prev kpi.Value) string {
	if !cur.OK {
		return "n/a: " + missing(m, cur)
	}
	s := fmt.Sprintf("%s (%s)", valueText(m, cur.V), detail(m, cur))
	if !prev.OK {
		return s + " · no figure for the previous period"
	}
	return s + " · " + change(m, cur.V, prev.V)
}

// change compares the shown values, so that it never reads "▲ +0.0".
func change(m kpi.Metric, cur, prev float64) string {
	d := display(m, cur) - display(m, prev)
	if d == 0 {
		return "= vs " + valueText(m, prev)
	}
	var amount string
	switch m.Unit {
	case kpi.Percent:
		amount = fmt.Sprintf("%+.1f pts", d)
	case kpi.Score:
		amount = fmt.Sprintf("%+.0f", d)
	case kpi.Stars:
		amount = fmt.Sprintf("%+.2f", d)
	case kpi.Amount:
		amount = bot.Amount(int64(math.Abs(d)))
		if d > 0 {
			amount = "+" + amount
		} else {
			amount = "-" + amount
		}
	default:
		amount = fmt.Sprintf("%+g days", d)
	}
	arrow, verdict := "▲", "better"
	if d < 0 {
		arrow = "▼"
	}
	if (d < 0) != m.LowerIsBetter {
		verdict = "worse"
	}
	return fmt.Sprintf("%s %s vs %s (%s)", arrow, amount, valueText(m, prev), verdict)
}

// kpiChart adds a metric's monthly values to the reply: a PNG line chart,
// and for platforms without images a sparkline and one line per month.
func kpiChart(r *bot.Reply, b *kpi.Book, key string, months []kpi.Period) error {
	m, _ := kpi.MetricByKey(key)
	values := make([]float64, len(months))
	var pts []chart.Point
	lines := make([]string, len(months))
	for i, p := range months {
		v := b.Compute(p)[key]
		label := p.Start.Format("2006-01")
		if !v.OK {
			values[i] = math.NaN()
			lines[i] = label + "  n/a: " + missing(m, v)
			continue
		}
		values[i] = display(m, v.V)
		pts = append(pts, chart.Point{At: p.Start, Value: values[i]})
		lines[i] = fmt.Sprintf("%s  %s (%s)", label, valueText(m, v.V), detail(m, v))
	}
	span := months[0].Start.Format("2006-01") + " to " + months[len(months)-1].Start.Format("2006-01")
	r.Sections = append(r.Sections, bot.Section{Title: m.Name + " by month", Lines: lines, Sensitive: sensitiveKPI(m)})
	if len(pts) == 0 {
		r.Text = fmt.Sprintf("Not enough data to chart %s from %s.", m.Name, span)
		return nil
	}
	r.Text = fmt.Sprintf("%s by month, %s: %s", m.Name, span, chart.Sparkline(values))
	png, err := chart.Line(m.Name+" by month", unitLabel(m), pts, chartWidth, chartHeight)
	if err != nil {
		return fmt.Errorf("draw the %s chart: %w", m.Key, err)
	}
	r.Image = &bot.Image{Name: "kpi-" + m.Key + ".png", Alt: r.Text, PNG: png, Sensitive: sensitiveKPI(m)}
	return nil
}

// sensitiveKPI reports whether a KPI shows customer figures: amounts of
// ARR (the retention rates say of how much) and NPS answers.
func sensitiveKPI(m kpi.Metric) bool {
	switch m.Key {
	case kpi.ARRChurn, kpi.GRR, kpi.NRR, kpi.Expansion, kpi.NPS:
		return true
	}
	return false
}

func unitLabel(m kpi.Metric) string {
	switch m.Unit {
	case kpi.Percent:
		return "%"
	case kpi.Score:
		return "NPS"
	case kpi.Stars:
		return "CSAT (1-5)"
	case kpi.Amount:
		return "ARR"
	}
	return "days"
}
