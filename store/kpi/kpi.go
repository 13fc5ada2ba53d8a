// Package kpi computes customer-success KPIs (churn, revenue retention,
// expansion, onboarding completion, NPS, CSAT, product utilisation) for a
// scope of accounts and a period, from the stored events rather than from
// counters kept on the accounts, which can drift. Everything here is pure:
// the caller reads the data, a Book indexes it once, and Compute answers for
// any period. The definitions are in the README (KPIs).
package kpi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/store"
)

// Metric keys, as typed after `chart:`.
const (
	LogoChurn      = "churn"
	ARRChurn       = "arr-churn"
	GRR            = "grr"
	NRR            = "nrr"
	Expansion      = "expansion"
	Onboarding     = "onboarding"
	OnboardingDays = "onboarding-days"
	NPS            = "nps"
	CSAT           = "csat"
	Utilisation    = "utilisation"
)

// Unit says how a metric's value reads.
type Unit int

// Units of the metrics.
const (
	Percent Unit = iota // a share, 0..1 (retention may exceed 1)
	Score               // NPS, -100..100
	Stars               // CSAT, 1..5
	Amount              // ARR
	Days
)

// Metric describes one KPI.
type Metric struct {
	Key, Name string
	Unit      Unit
	// LowerIsBetter is set for churn and days to complete.
	LowerIsBetter bool
}

// Metrics lists the KPIs in the order replies show them.
var Metrics = []Metric{
	{Key: LogoChurn, Name: "Logo churn", Unit: Percent, LowerIsBetter: true},
	{Key: ARRChurn, Name: "ARR churn", Unit: Percent, LowerIsBetter: true},
	{Key: GRR, Name: "Gross revenue retention", Unit: Percent},
	{Key: NRR, Name: "Net revenue retention", Unit: Percent},
	{Key: Expansion, Name: "Expansion ARR", Unit: Amount},
	{Key: Onboarding, Name: "Onboarding completion", Unit: Percent},
	{Key: OnboardingDays, Name: "Median days to onboard", Unit: Days, LowerIsBetter: true},
	{Key: NPS, Name: "NPS", Unit: Score},
	{Key: CSAT, Name: "CSAT", Unit: Stars},
	{Key: Utilisation, Name: "Product utilisation", Unit: Percent},
}

// Keys lists the metrics' keys in order.
func Keys() []string {
	keys := make([]string, len(Metrics))
	for i, m := range Metrics {
		keys[i] = m.Key
	}
	return keys
}

// MetricByKey finds a metric by its key; "utilization" is accepted too.
func MetricByKey(key string) (Metric, bool) {
	if key == "utilization" {
		key = Utilisation
	}
	i := slices.IndexFunc(Metrics, func(m Metric) bool { return m.Key == key })
	if i < 0 {
		return Metric{}, false
	}
	return Metrics[i], true
}

// Value is one KPI over one period. When OK is false there was not enough
// data (no customers at the start, no answers...) and V is 0, never NaN.
type Value struct {
	V  float64
	OK bool
	// Part and Whole are what V was computed from, for people to check:
	// cancelled and starting accounts, churned and starting ARR, promoters
	// minus detractors and answers, active users and seats...
	Part, Whole float64
	// N counts the items behind V: expansions, answers, accounts.
	N int
}

// Figures are every KPI of one period, by metric key.
type Figures map[string]Value

// Book is one scope's data, indexed once so that any number of periods can
// be computed from it.
type Book struct {
	accounts  []store.AccountRow
	revenue   map[string][]store.RevenueEvent // by account, oldest first
	responses []store.Response
	usage     map[string]map[string]store.Usage // by day, then account
	in        map[string]bool                   // the accounts' slugs
	fresh     Freshness
}

// Freshness says how recent a book's data is: its latest revenue event and
// survey answer (zero when none) and the latest day with usage ("" when none).
type Freshness struct {
	Revenue, Response time.Time
	Usage             string
}

// NewBook keeps the accounts in scope and the events about them; events of
// other accounts are dropped. Usage comes separately (AddUsage), since it
// is read a day at a time and only as far as utilisation needs.
func NewBook(scope Scope, rows []store.AccountRow, revenue []store.RevenueEvent, responses []store.Response) *Book {
	b := &Book{revenue: map[string][]store.RevenueEvent{}, usage: map[string]map[string]store.Usage{}, in: map[string]bool{}}
	for _, r := range rows {
		if scope.Match(r) {
			b.accounts = append(b.accounts, r)
			b.in[r.Slug] = true
		}
	}
	// One sorted copy, sliced per account, allocates once.
	evs := make([]store.RevenueEvent, 0, len(revenue))
	for _, ev := range revenue {
		if b.in[ev.Account] {
			evs = append(evs, ev)
			b.fresh.Revenue = store.Later(b.fresh.Revenue, ev.At)
		}
	}
	slices.SortStableFunc(evs, func(x, y store.RevenueEvent) int {
		return cmp.Or(strings.Compare(x.Account, y.Account), x.At.Compare(y.At), strings.Compare(x.ID, y.ID)) // as ingest orders them
	})
	for start := 0; start < len(evs); {
		end := start + 1
		for end < len(evs) && evs[end].Account == evs[start].Account {
			end++
		}
		b.revenue[evs[start].Account] = evs[start:end:end]
		start = end
	}
	b.responses = make([]store.Response, 0, len(responses))
	for _, r := range responses {
		if b.in[r.Account] {
			b.responses = append(b.responses, r)
			b.fresh.Response = store.Later(b.fresh.Response, r.At)
		}
	}
	return b
}

// AddUsage adds usage rows, keeping those of accounts in the book.
func (b *Book) AddUsage(rows []store.Usage) {
	for _, u := range rows {
		if !b.in[u.Account] {
			continue
		}
		day := b.usage[u.Day]
		if day == nil {
			day = map[string]store.Usage{}
			b.usage[u.Day] = day
		}
		day[u.Account] = u
		b.fresh.Usage = max(b.fresh.Usage, u.Day)
	}
}

// HasUsage reports whether every account in the book has a usage row among
// those added for the days of UsageDays(p): reading those days latest
// first, the caller can stop there, since utilisation takes each account's
// latest row.
func (b *Book) HasUsage(p Period) bool {
	days := UsageDays(p)
	for _, r := range b.accounts {
		if !slices.ContainsFunc(days, func(d string) bool { _, ok := b.usage[d][r.Slug]; return ok }) {
			return false
		}
	}
	return true
}

// Accounts counts the accounts in the book.
func (b *Book) Accounts() int { return len(b.accounts) }

// Freshness says how recent the book's data is.
func (b *Book) Freshness() Freshness { return b.fresh }

// UtilisationDays is how far back utilisation looks for an account's
// latest usage row.
const UtilisationDays = 7

// UsageDays are the days whose usage rows utilisation reads for a period:
// the UtilisationDays up to its last day, latest first.
func UsageDays(p Period) []string {
	days := make([]string, UtilisationDays)
	for i := range days {
		days[i] = p.End.AddDate(0, 0, -1-i).Format(time.DateOnly)
	}
	return days
}

// Compute works out every KPI over the period.
func (b *Book) Compute(p Period) Figures {
	f := Figures{}
	b.revenueFigures(p, f)
	b.onboardingFigures(p, f)
	b.surveyFigures(p, f)
	f[Utilisation] = b.utilisation(p)
	return f
}

// standing is an account's state at some moment: a customer or not, and
// its ARR then.
type standing struct {
	customer bool
	arr      int64
}

// standingAt walks the account's revenue events back from now to t. Now it
// is a customer unless its latest event is a cancellation, with the ARR of
// its index row. Undoing each event at or after t: before a cancellation it
// was a customer with the ARR lost; before a "new" event not a customer;
// an expansion added, a contraction removed ARR; a renewal changes
// neither. An account without events has always been as it is now.
func standingAt(row store.AccountRow, evs []store.RevenueEvent, t time.Time) standing {
	s := standing{customer: true, arr: row.ARR}
	if n := len(evs); n > 0 && evs[n-1].Type == store.RevenueCancellation {
		s = standing{}
	}
	for i := len(evs) - 1; i >= 0 && !evs[i].At.Before(t); i-- {
		ev := evs[i]
		switch ev.Type {
		case store.RevenueCancellation:
			s = standing{customer: true, arr: ev.ARR}
		case store.RevenueNew:
			s = standing{}
		case store.RevenueExpansion:
			s.arr = max(0, s.arr-ev.ARR)
		case store.RevenueContraction:
			s.arr = store.AddARR(s.arr, ev.ARR)
		}
	}
	return s
}

// revenueFigures computes churn, retention and expansion. Churn and
// retention follow the accounts that were customers when the period began;
// expansion ARR counts every expansion in the period.
func (b *Book) revenueFigures(p Period, f Figures) {
	var customers, cancelled, expansions int
	var startARR, churned, contracted, expandedCohort, expanded int64
	for _, row := range b.accounts {
		evs := b.revenue[row.Slug]
		s := standingAt(row, evs, p.Start)
		if s.customer {
			customers++
			startARR = store.AddARR(startARR, s.arr)
		}
		lost := false
		for _, ev := range evs {
			if !p.Contains(ev.At) {
				continue
			}
			if ev.Type == store.RevenueExpansion {
				expanded = store.AddARR(expanded, ev.ARR)
				expansions++
			}
			if !s.customer {
				continue
			}
			switch ev.Type {
			case store.RevenueCancellation:
				churned = store.AddARR(churned, ev.ARR)
				lost = true
			case store.RevenueContraction:
				contracted = store.AddARR(contracted, ev.ARR)
			case store.RevenueExpansion:
				expandedCohort = store.AddARR(expandedCohort, ev.ARR)
			}
		}
		if lost {
			cancelled++
		}
	}
	// Sums saturate rather than overflow (store.AddARR).
	kept := max(0, store.AddARR(startARR, -store.AddARR(churned, contracted)))
	f[LogoChurn] = ratio(float64(cancelled), float64(customers), customers)
	f[ARRChurn] = ratio(float64(churned), float64(startARR), customers)
	f[GRR] = ratio(float64(kept), float64(startARR), customers)
	f[NRR] = ratio(float64(store.AddARR(kept, expandedCohort)), float64(startARR), customers)
	f[Expansion] = Value{V: float64(expanded), OK: true, Part: float64(expanded), N: expansions}
}

// onboardingFigures: an account's onboarding completed in the period when
// its last milestone was done in it; it was late at the period's end when
// still open then although its last milestone was due before the period's
// last day. The rate is completed / (completed + late); days to complete run
// from the onboarding start to the last milestone done.
func (b *Book) onboardingFigures(p Period, f Figures) {
	var took []int
	late := 0
	for _, r := range b.accounts {
		switch {
		case r.OnboardStart == "" || r.OnboardStart >= p.endDay():
			// No milestones, or onboarding had not begun.
		case p.containsDay(r.OnboardDone):
			took = append(took, daysBetween(r.OnboardStart, r.OnboardDone))
		case (r.OnboardDone == "" || r.OnboardDone >= p.endDay()) && r.OnboardLastDue < p.LastDay():
			late++
		}
	}
	done := len(took)
	f[Onboarding] = ratio(float64(done), float64(done+late), done+late)
	if done == 0 {
		f[OnboardingDays] = Value{}
		return
	}
	slices.Sort(took)
	med := float64(took[done/2])
	if done%2 == 0 {
		med = float64(took[done/2-1]+took[done/2]) / 2
	}
	f[OnboardingDays] = Value{V: med, OK: true, N: done}
}

// surveyFigures: NPS is the share of promoters (9-10) minus the share of
// detractors (0-6) among the period's NPS answers, times 100; CSAT is the
// mean of the period's CSAT answers (1-5).
func (b *Book) surveyFigures(p Period, f Figures) {
	var nps, csat int
	var net, sum float64
	for _, r := range b.responses {
		if !p.Contains(r.At) {
			continue
		}
		switch r.Kind {
		case store.SurveyNPS:
			nps++
			switch {
			case r.Score >= 9:
				net++
			case r.Score <= 6:
				net--
			}
		case store.SurveyCSAT:
			csat++
			sum += r.Score
		}
	}
	f[NPS] = Value{}
	if nps > 0 {
		f[NPS] = Value{V: 100 * net / float64(nps), OK: true, Part: net, Whole: float64(nps), N: nps}
	}
	f[CSAT] = Value{}
	if csat > 0 {
		f[CSAT] = Value{V: sum / float64(csat), OK: true, Part: sum, Whole: float64(csat), N: csat}
	}
}

// utilisation sums active users (at most the seats) and seats over each
// account's latest usage row of the UtilisationDays up to the period's end.
func (b *Book) utilisation(p Period) Value {
	var active, seats float64
	n := 0
	days := UsageDays(p)
	for _, r := range b.accounts {
		for _, d := range days {
			u, ok := b.usage[d][r.Slug]
			if !ok {
				continue
			}
			if u.Seats > 0 {
				active += float64(min(u.Active, u.Seats))
				seats += float64(u.Seats)
				n++
			}
			break
		}
	}
	return ratio(active, seats, n)
}

// ratio is part/whole, not OK when whole is zero.
func ratio(part, whole float64, n int) Value {
	if whole <= 0 {
		return Value{Part: part, Whole: whole, N: n}
	}
	return Value{V: part / whole, OK: true, Part: part, Whole: whole, N: n}
}

func daysBetween(from, to string) int {
	a, errA := time.Parse(time.DateOnly, from)
	b, errB := time.Parse(time.DateOnly, to)
	if errA != nil || errB != nil {
		return 0
	}
	return store.DaysBetween(a, b)
}
