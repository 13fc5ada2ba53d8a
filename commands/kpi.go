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
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/kpi"
)

// Chart size in pixels: wide enough for twelve monthly labels.
const chartWidth, chartHeight = 800, 400

// chartMonths is how many monthly points a KPI chart shows.
const chartMonths = 12

func (c *cmds) kpiCommand() command {
	return command{For: needs(access.KPI), Command: bot.Command{
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
	}}
}

// kpiArgs is what `/cs kpi` was asked for.
type kpiArgs struct {
	scope, region, period string
	tier                  store.Tier
	// chart is the metric to chart; empty for none.
	chart string
}

func kpiArgsOf(l *i18n.Localizer, req *bot.Request) (kpiArgs, error) {
	out := kpiArgs{scope: req.Arg("scope"), region: req.Arg("region"), period: req.Arg("period"), tier: store.Tier(req.Arg("tier"))}
	if out.period == "" {
		out.period = "30d"
	}
	if req.Has("team") {
		if out.scope != "" {
			return out, bot.UsageErrorf("%s", l.T("kpi.one_scope", i18n.Data{"Scope": out.scope, "Team": req.Arg("team")}))
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
	l := req.L()
	args, err := kpiArgsOf(l, req)
	if err != nil {
		return bot.Reply{}, err
	}
	rule := c.Access.Allowed(req.Member, access.KPI)
	scope, need, err := kpiScope(l, req.Member, rule.Scope, args.scope, args.region, args.tier)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.widerThan(ctx, req.Member, rule, need, cmp.Or(args.scope, "kpi")); err != nil {
		return bot.Reply{}, err
	}
	if id, named := strings.CutPrefix(args.scope, "team:"); named {
		if _, err := c.Store.Team(ctx, id); errors.Is(err, store.ErrNotFound) {
			return bot.Reply{}, noTeam(l, id)
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
	f := kpiFormat{l: l, currency: c.Currency}
	r := bot.Reply{
		Title:  l.T("kpi.title", i18n.Data{"Scope": scope.Desc, "Period": periodName(l, args.period)}),
		Footer: f.footer(cur, prev, c.TZ, book),
	}
	if book.Accounts() == 0 {
		r.Text = l.T("kpi.empty", nil)
		return r, nil
	}
	figs, prevFigs := book.Compute(cur), book.Compute(prev)
	for _, m := range kpi.Metrics {
		r.Fields = append(r.Fields, bot.Field{Name: f.name(m), Value: f.figure(m, figs[m.Key], prevFigs[m.Key]), Sensitive: sensitiveKPI(m)})
	}
	if args.chart != "" {
		if err := f.chart(&r, book, args.chart, months); err != nil {
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

func periodName(l *i18n.Localizer, spec string) string {
	switch spec = strings.ToLower(spec); spec {
	case "qtd", "ytd":
		return l.T("kpi.period."+spec, nil)
	}
	return l.T("kpi.period.last", i18n.Data{"Days": strings.TrimSuffix(spec, "d")})
}

// kpiFormat writes KPI figures in the member's language, amounts in the
// organisation's currency.
type kpiFormat struct {
	l        *i18n.Localizer
	currency string
}

// name is the KPI's name, e.g. "Net revenue retention", "売上純維持率（NRR）".
func (f kpiFormat) name(m kpi.Metric) string { return f.l.T("kpi.metric."+m.Key, nil) }

// span is a period's first to last day.
func (f kpiFormat) span(p kpi.Period) string {
	return f.l.T("kpi.span", i18n.Data{"From": f.l.DateOf(p.FirstDay()), "To": f.l.DateOf(p.LastDay())})
}

func (f kpiFormat) footer(cur, prev kpi.Period, loc *time.Location, b *kpi.Book) string {
	if loc == nil {
		loc = time.UTC
	}
	fresh := b.Freshness()
	none := f.l.T("kpi.none", nil)
	day := func(t time.Time) string {
		if t.IsZero() {
			return none
		}
		return f.l.DateOf(t.In(loc).Format(time.DateOnly))
	}
	usage := none
	if fresh.Usage != "" {
		usage = f.l.DateOf(fresh.Usage)
	}
	return f.l.T("kpi.footer", i18n.Data{"Cur": f.span(cur), "Prev": f.span(prev), "TZ": loc.String(), "Accounts": f.l.N("kpi.accounts", b.Accounts(), nil),
		"Revenue": day(fresh.Revenue), "Response": day(fresh.Response), "Usage": usage})
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

func (f kpiFormat) value(m kpi.Metric, v float64) string {
	d := display(m, v)
	switch m.Unit {
	case kpi.Percent:
		return fmt.Sprintf("%.1f%%", d)
	case kpi.Score:
		return fmt.Sprintf("%+.0f", d)
	case kpi.Stars:
		return fmt.Sprintf("%.2f/5", d)
	case kpi.Amount:
		return f.l.Money(int64(d), f.currency)
	}
	return f.l.T("kpi.days", i18n.Data{"N": fmt.Sprintf("%g", d)})
}

// detail says what a value was computed from.
func (f kpiFormat) detail(m kpi.Metric, v kpi.Value) string {
	l := f.l
	switch m.Key {
	case kpi.LogoChurn, kpi.Onboarding:
		return l.T("kpi.detail.of_accounts", i18n.Data{"Part": fmt.Sprintf("%.0f", v.Part), "Whole": l.N("kpi.accounts", int(v.Whole), nil)})
	case kpi.ARRChurn:
		return l.T("kpi.detail.of", i18n.Data{"Part": l.Money(int64(v.Part), f.currency), "Whole": l.Money(int64(v.Whole), f.currency)})
	case kpi.GRR, kpi.NRR:
		return l.T("kpi.detail.start", i18n.Data{"Whole": l.Money(int64(v.Whole), f.currency)})
	case kpi.Expansion:
		return l.N("kpi.expansions", v.N, nil)
	case kpi.OnboardingDays:
		return l.N("kpi.accounts", v.N, nil)
	case kpi.NPS, kpi.CSAT:
		return l.N("kpi.answers", v.N, nil)
	case kpi.Utilisation:
		return l.T("kpi.detail.seats", i18n.Data{"Part": l.Number(int64(v.Part)), "Whole": l.Number(int64(v.Whole))})
	}
	return ""
}

// missing says why a value could not be computed.
func (f kpiFormat) missing(m kpi.Metric, v kpi.Value) string {
	key := "kpi.missing.data"
	switch m.Key {
	case kpi.LogoChurn, kpi.ARRChurn, kpi.GRR, kpi.NRR:
		key = "kpi.missing.no_customers"
		if v.N > 0 {
			key = "kpi.missing.no_arr"
		}
	case kpi.Onboarding:
		key = "kpi.missing.onboarding"
	case kpi.OnboardingDays:
		key = "kpi.missing.onboarding_days"
	case kpi.NPS, kpi.CSAT:
		key = "kpi.missing.answers"
	case kpi.Utilisation:
		key = "kpi.missing.usage"
	}
	return f.l.T(key, i18n.Data{"Days": kpi.UtilisationDays})
}

// shown is a value with what it was computed from, or why there is none:
// "16.7% (1 of 6 accounts)", "n/a: no answers".
func (f kpiFormat) shown(m kpi.Metric, v kpi.Value) string {
	if !v.OK {
		return f.l.T("kpi.na", i18n.Data{"Why": f.missing(m, v)})
	}
	return f.l.T("kpi.figure", i18n.Data{"Value": f.value(m, v.V), "Detail": f.detail(m, v)})
}

// figure is "16.7% (1 of 6 accounts) · ▲ +2.4 pts vs 14.3% (worse)".
func (f kpiFormat) figure(m kpi.Metric, cur, prev kpi.Value) string {
	s := f.shown(m, cur)
	switch {
	case !cur.OK:
		return s
	case !prev.OK:
		return s + " · " + f.l.T("kpi.no_prev", nil)
	}
	return s + " · " + f.change(m, cur.V, prev.V)
}

// change compares the shown values, so that it never reads "▲ +0.0".
func (f kpiFormat) change(m kpi.Metric, cur, prev float64) string {
	d := display(m, cur) - display(m, prev)
	if d == 0 {
		return f.l.T("kpi.same", i18n.Data{"Prev": f.value(m, prev)})
	}
	var amount string
	switch m.Unit {
	case kpi.Percent:
		amount = f.l.T("kpi.pts", i18n.Data{"N": fmt.Sprintf("%+.1f", d)})
	case kpi.Score:
		amount = fmt.Sprintf("%+.0f", d)
	case kpi.Stars:
		amount = fmt.Sprintf("%+.2f", d)
	case kpi.Amount:
		amount = f.l.Money(int64(math.Abs(d)), f.currency)
		if d > 0 {
			amount = "+" + amount
		} else {
			amount = "-" + amount
		}
	default:
		amount = f.l.T("kpi.days", i18n.Data{"N": fmt.Sprintf("%+g", d)})
	}
	arrow, verdict := "▲", "kpi.better"
	if d < 0 {
		arrow = "▼"
	}
	if (d < 0) != m.LowerIsBetter {
		verdict = "kpi.worse"
	}
	return f.l.T("kpi.change", i18n.Data{"Arrow": arrow, "Amount": amount, "Prev": f.value(m, prev), "Verdict": f.l.T(verdict, nil)})
}

// chart adds a metric's monthly values to the reply: a PNG line chart,
// and for platforms without images a sparkline and one line per month.
func (f kpiFormat) chart(r *bot.Reply, b *kpi.Book, key string, months []kpi.Period) error {
	l := f.l
	m, _ := kpi.MetricByKey(key)
	values := make([]float64, len(months))
	var pts []chart.Point
	lines := make([]string, len(months))
	// Labels padded alike keep the values in a column: 2026年1月, 2026年12月.
	labels := make([]string, len(months))
	width := 0
	for i, p := range months {
		labels[i] = l.Month(p.Start)
		width = max(width, i18n.Columns(labels[i]))
	}
	for i, p := range months {
		v := b.Compute(p)[key]
		lines[i] = i18n.Pad(labels[i], width) + "  " + f.shown(m, v)
		values[i] = math.NaN()
		if v.OK {
			values[i] = display(m, v.V)
			pts = append(pts, chart.Point{At: p.Start, Value: values[i]})
		}
	}
	name := f.name(m)
	span := l.T("kpi.span", i18n.Data{"From": l.Month(months[0].Start), "To": l.Month(months[len(months)-1].Start)})
	title := l.T("kpi.by_month", i18n.Data{"Metric": name})
	r.Sections = append(r.Sections, bot.Section{Title: title, Lines: lines, Sensitive: sensitiveKPI(m)})
	if len(pts) == 0 {
		r.Text = l.T("kpi.chart_empty", i18n.Data{"Metric": name, "Span": span})
		return nil
	}
	r.Text = l.T("kpi.chart_text", i18n.Data{"Metric": name, "Span": span, "Sparkline": chart.Sparkline(values)})
	png, err := chart.LineWith(title, f.unit(m), pts, chartWidth, chartHeight, chart.Options{TimeFormat: l.T("kpi.chart.tick", nil)})
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

// unit labels the chart's value axis.
func (f kpiFormat) unit(m kpi.Metric) string {
	switch m.Unit {
	case kpi.Percent:
		return "%"
	case kpi.Score:
		return "NPS"
	case kpi.Stars:
		return f.l.T("kpi.unit.csat", nil)
	case kpi.Amount:
		return "ARR"
	}
	return f.l.T("kpi.unit.days", nil)
}
