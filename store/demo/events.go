package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/csbot/csbot/store"
)

// EventRepo is where the demo's events go: the ledger.
type EventRepo interface {
	PutRevenue(ctx context.Context, evs []store.RevenueEvent) ([]store.RevenueEvent, error)
	PutResponses(ctx context.Context, rs []store.Response) ([]store.Response, error)
	PutUsage(ctx context.Context, rows []store.Usage) ([]store.Usage, error)
}

// UsageDays is how many days of usage the demo has, up to yesterday: enough
// for the 90-day KPIs to compare with the 90 days before.
const UsageDays = 100

// Events builds (without writing) the demo's ledger for the accounts of
// Data(now): a year of revenue events, survey answers and UsageDays of
// usage. The events agree with the accounts as they stand (today's ARR,
// seats, active users, latest NPS) and leave them unchanged; a few red
// accounts have cancelled, so churn shows. Each account draws from a stream
// of its own, apart from the one its data came from.
func Events(now time.Time) ([]store.RevenueEvent, []store.Response, []store.Usage) {
	day := store.UTCDay(now)
	_, _, accounts := Data(now)
	var revenue []store.RevenueEvent
	var responses []store.Response
	var usage []store.Usage
	for i, a := range accounts {
		h := fnv.New64a()
		h.Write([]byte(a.Slug))
		d := draw{rand.New(rand.NewPCG(seed+1, h.Sum64()))}
		revenue = append(revenue, revenueOf(d, specs[i].p, a, day)...)
		responses = append(responses, answersOf(d, a, day)...)
		usage = append(usage, usageOf(d, specs[i].p, a, day)...)
	}
	return revenue, responses, usage
}

// cancelled are the demo accounts whose customers gave notice, and how many
// days ago.
var cancelled = map[string]int{"kappa-translation": 12, "yokai-comics": 26, "asahi-print-works": 64, "tanuki-brewing": 150}

func revenueOf(d draw, p profile, a store.Account, day time.Time) []store.RevenueEvent {
	ago := func(n int) time.Time { return day.AddDate(0, 0, -n).Add(time.Duration(d.int(9, 17)) * time.Hour) }
	ev := func(typ string, arr int64, at time.Time) store.RevenueEvent {
		return store.RevenueEvent{ID: fmt.Sprintf("demo-%s-%s-%s", a.Slug, typ, store.Day(at)), Account: a.Slug, Type: typ, ARR: arr, At: at}
	}
	// The year starts with the account's start or last renewal, unless a
	// cancelled account's renewal would have come after its notice; any
	// change comes between the two.
	from, to := -1, 0 // in days ago; -1: no start in the year
	cancelDays, quit := cancelled[a.Slug]
	if quit {
		to = cancelDays
	}
	var start store.RevenueEvent
	switch renewal := store.DaysBetween(a.Renewal.AddDate(-1, 0, 0), day); {
	case a.Phase == store.PhaseOnboarding:
		from, start = store.DaysBetween(a.PhaseStart, day), ev(store.RevenueNew, 0, a.PhaseStart.Add(10*time.Hour))
	case renewal > to:
		from, start = renewal, ev(store.RevenueRenewal, 0, ago(renewal))
	}
	var out []store.RevenueEvent
	arr := a.ARR
	if from-to >= 20 {
		var change *store.RevenueEvent
		when := ago(d.int(to+5, from-5))
		switch {
		case a.Phase == store.PhaseExpansion:
			change = ptr(ev(store.RevenueExpansion, roundARR(a.ARR, d.float(0.1, 0.25)), when))
		case p == healthy && d.r.IntN(4) == 0:
			change = ptr(ev(store.RevenueExpansion, roundARR(a.ARR, d.float(0.05, 0.15)), when))
		case p == dropping || p == renewing || p == red:
			change = ptr(ev(store.RevenueContraction, roundARR(a.ARR, d.float(0.1, 0.2)), when))
		}
		if change != nil {
			out = append(out, *change)
			arr -= signed(*change)
		}
	}
	if from >= 0 {
		start.ARR = arr
		out = append([]store.RevenueEvent{start}, out...)
	}
	if quit {
		out = append(out, ev(store.RevenueCancellation, a.ARR, ago(cancelDays)))
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func signed(e store.RevenueEvent) int64 {
	if e.Type == store.RevenueContraction {
		return -e.ARR
	}
	return e.ARR
}

// roundARR is a share of arr rounded to a hundred, at least a hundred.
func roundARR(arr int64, share float64) int64 {
	return max(100, int64(math.Round(float64(arr)*share/100))*100)
}

// answersOf: NPS surveys every quarter or so, the latest being the account's
// NPS; CSAT after support conversations, around the account's CSAT.
func answersOf(d draw, a store.Account, day time.Time) []store.Response {
	var out []store.Response
	answer := func(kind string, score float64, at time.Time) {
		out = append(out, store.Response{ID: fmt.Sprintf("demo-%s-%s-%s", a.Slug, kind, at.Format("2006-01-02T15")), Account: a.Slug, Kind: kind, Score: score, At: at})
	}
	if a.NPS != nil {
		at := a.NPSDate.Add(10 * time.Hour)
		for n := 0; !at.Before(day.AddDate(-1, 0, 0)); n++ {
			score := *a.NPS
			if n > 0 {
				score = max(0, min(10, score+d.int(-1, 2)))
			}
			answer(store.SurveyNPS, float64(score), at)
			at = at.AddDate(0, 0, -d.int(80, 100))
		}
	}
	if a.CSAT != nil {
		per := map[store.Tier]int{store.TierHigh: 9, store.TierLow: 20, store.TierTech: 45}[a.Tier]
		for back := d.int(1, per); back < 365; back += d.int(per/2, per*3/2) {
			score := max(1, min(5, math.Round(*a.CSAT+d.float(-1, 1))))
			answer(store.SurveyCSAT, score, day.AddDate(0, 0, -back).Add(time.Duration(d.int(8, 18))*time.Hour))
		}
	}
	return out
}

// usageOf: a row a day up to yesterday, ending at the account's seats and
// active users; dropping accounts were busier a month ago. Onboarding
// accounts have rows from their start only.
func usageOf(d draw, p profile, a store.Account, day time.Time) []store.Usage {
	var out []store.Usage
	for back := UsageDays; back >= 1; back-- {
		at := day.AddDate(0, 0, -back)
		if at.Before(a.PhaseStart) {
			continue
		}
		level := float64(a.ActiveUsers)
		if p == dropping || p == dropGreen {
			level *= 1 + 0.4*min(1, float64(back)/30)
		}
		active := a.ActiveUsers
		if back > 1 {
			active = int(math.Round(level * d.float(0.9, 1.1)))
		}
		out = append(out, store.Usage{Account: a.Slug, Day: store.Day(at), Active: max(0, min(a.Seats, active)), Seats: a.Seats, Adoption: a.FeatureAdoption})
	}
	return out
}

func seedEvents(ctx context.Context, r EventRepo, now time.Time) error {
	revenue, responses, usage := Events(now)
	if _, err := r.PutRevenue(ctx, revenue); err != nil {
		return fmt.Errorf("demo seed: revenue events: %w", err)
	}
	if _, err := r.PutResponses(ctx, responses); err != nil {
		return fmt.Errorf("demo seed: survey answers: %w", err)
	}
	if _, err := r.PutUsage(ctx, usage); err != nil {
		return fmt.Errorf("demo seed: usage: %w", err)
	}
	return nil
}

// SeedBulkEvents writes a year of events for the accounts of SeedBulk, for
// benchmarks: a renewal per account (before any cancellation), 800
// cancellations, 1,500 expansions, 600 contractions, four survey answers per
// account and 30 days of usage.
func SeedBulkEvents(ctx context.Context, r EventRepo, n int, now time.Time) error {
	day := store.UTCDay(now)
	at := func(back int) time.Time { return day.AddDate(0, 0, -back).Add(10 * time.Hour) }
	var revenue []store.RevenueEvent
	var responses []store.Response
	var usage []store.Usage
	for i := range n {
		slug := fmt.Sprintf("account-%05d", i)
		arr := int64(5000 + i*37) // SeedBulk's
		ev := func(typ string, amount int64, back int) {
			revenue = append(revenue, store.RevenueEvent{ID: fmt.Sprintf("bulk-%s-%s", slug, typ), Account: slug, Type: typ, ARR: amount, At: at(back)})
		}
		if c := i % 25; c == 3 || c == 16 {
			ev(store.RevenueRenewal, arr, 180+i%185)
			ev(store.RevenueCancellation, arr, i%180)
		} else {
			ev(store.RevenueRenewal, arr, i*37%365)
		}
		if c := i % 20; c == 1 || c == 8 || c == 14 {
			ev(store.RevenueExpansion, 1000+int64(i%5000), i*7%365)
		}
		if c := i % 50; c == 7 || c == 33 || c == 42 {
			ev(store.RevenueContraction, 500, i*11%365)
		}
		for k := range 2 {
			responses = append(responses,
				store.Response{ID: fmt.Sprintf("bulk-%s-nps-%d", slug, k), Account: slug, Kind: store.SurveyNPS, Score: float64((i + k) % 11), At: at((i + 180*k) % 365)},
				store.Response{ID: fmt.Sprintf("bulk-%s-csat-%d", slug, k), Account: slug, Kind: store.SurveyCSAT, Score: float64(1 + (i+k)%5), At: at((i*3 + 180*k) % 365)})
		}
		for back := 1; back <= 30; back++ {
			usage = append(usage, store.Usage{Account: slug, Day: store.Day(at(back)), Active: (i + back) % 50, Seats: 50})
		}
	}
	if _, err := r.PutRevenue(ctx, revenue); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	if _, err := r.PutResponses(ctx, responses); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	if _, err := r.PutUsage(ctx, usage); err != nil {
		return fmt.Errorf("bulk seed: %w", err)
	}
	return nil
}
