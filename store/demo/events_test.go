package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/kpi"
	"github.com/csbot/csbot/store/storetest"
)

// The events tell the same story as the accounts: walking each account's
// revenue events forward ends at its ARR today, a cancellation is its last
// event, the latest NPS answer is the account's NPS, and the last usage
// row (yesterday) is its seats and active users.
func TestEventsAgreeWithAccounts(t *testing.T) {
	_, _, accounts := demo.Data(now)
	revenue, responses, usage := demo.Events(now)
	r2, s2, u2 := demo.Events(now.Add(5 * time.Hour))
	if d := cmp.Diff(revenue, r2); d != "" {
		t.Errorf("revenue events differ within a day (-first +second):\n%s", d)
	}
	if !cmp.Equal(responses, s2) || !cmp.Equal(usage, u2) {
		t.Error("answers or usage differ within a day")
	}
	ids := map[string]bool{}
	for _, id := range append(idsOf(revenue, func(e store.RevenueEvent) string { return e.ID }), idsOf(responses, func(r store.Response) string { return r.ID })...) {
		if ids[id] {
			t.Errorf("id %s used twice", id)
		}
		ids[id] = true
	}
	yesterday := store.Day(now.AddDate(0, 0, -1))
	cancelled := 0
	for _, a := range accounts {
		evs := slices.DeleteFunc(slices.Clone(revenue), func(e store.RevenueEvent) bool { return e.Account != a.Slug })
		slices.SortFunc(evs, func(x, y store.RevenueEvent) int { return x.At.Compare(y.At) })
		if len(evs) == 0 {
			t.Errorf("%s: no revenue events", a.Slug)
			continue
		}
		// A cancelled account may lack the start of its year.
		arr := a.ARR
		if first := evs[0].Type; first == store.RevenueNew || first == store.RevenueRenewal {
			arr, evs = evs[0].ARR, evs[1:]
		} else if first != store.RevenueCancellation {
			t.Errorf("%s: first event %s, want new, renewal or cancellation", a.Slug, first)
		}
		for i, e := range evs {
			switch e.Type {
			case store.RevenueExpansion:
				arr += e.ARR
			case store.RevenueContraction:
				arr -= e.ARR
			case store.RevenueCancellation:
				cancelled++
				if i != len(evs)-1 || e.ARR != a.ARR {
					t.Errorf("%s: cancellation %+v is not the last event for the ARR of today", a.Slug, e)
				}
			default:
				t.Errorf("%s: unexpected %s event", a.Slug, e.Type)
			}
			if e.At.After(now) || e.At.Before(now.AddDate(-1, 0, -1)) {
				t.Errorf("%s: event %s outside the last year", a.Slug, e.At)
			}
		}
		if arr != a.ARR {
			t.Errorf("%s: events end at ARR %d, account has %d", a.Slug, arr, a.ARR)
		}
		if a.NPS != nil {
			latest := store.Response{}
			for _, r := range responses {
				if r.Account == a.Slug && r.Kind == store.SurveyNPS && r.At.After(latest.At) {
					latest = r
				}
			}
			if latest.Score != float64(*a.NPS) || store.Day(latest.At) != store.Day(a.NPSDate) {
				t.Errorf("%s: latest NPS answer %+v, account has %d on %s", a.Slug, latest, *a.NPS, store.Day(a.NPSDate))
			}
		}
		last := store.Usage{}
		for _, u := range usage {
			if u.Active > u.Seats || u.Active < 0 {
				t.Errorf("usage row %+v: active outside 0..seats", u)
			}
			if u.Account == a.Slug && u.Day > last.Day {
				last = u
			}
		}
		if last.Day != yesterday || last.Active != a.ActiveUsers || last.Seats != a.Seats {
			t.Errorf("%s: last usage row %+v, account has %d of %d seats", a.Slug, last, a.ActiveUsers, a.Seats)
		}
	}
	if cancelled < 2 {
		t.Errorf("%d cancellations, want a few", cancelled)
	}
}

func idsOf[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// The seeded demo shows every KPI of `/cs kpi all` for the last 30 and 90
// days and the periods before, but for onboarding: no demo account has
// finished onboarding yet, and before the stalled ones ran late none was due.
func TestSeededKPIs(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if _, err := demo.Seed(ctx, st, eng, now); err != nil {
		t.Fatal(err)
	}
	revenue, responses, usage := demo.Events(now)
	gotRev, err := st.RevenueEvents(ctx)
	if err != nil || len(gotRev) != len(revenue) {
		t.Fatalf("stored %d revenue events, %v; want %d", len(gotRev), err, len(revenue))
	}
	gotResp, err := st.Responses(ctx)
	if err != nil || len(gotResp) != len(responses) {
		t.Fatalf("stored %d survey answers, %v; want %d", len(gotResp), err, len(responses))
	}
	rows, err := st.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b := kpi.NewBook(kpi.Scope{}, rows, gotRev, gotResp)
	days := map[string]bool{}
	for _, u := range usage {
		days[u.Day] = true
	}
	for d := range days {
		part, err := st.UsageOn(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		b.AddUsage(part)
	}
	for _, spec := range []string{"30d", "90d"} {
		cur, prev, err := kpi.Periods(spec, now, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]kpi.Figures{spec: b.Compute(cur), spec + " before": b.Compute(prev)} {
			var missing []string
			for _, m := range kpi.Metrics {
				lacking := m.Key == kpi.OnboardingDays || m.Key == kpi.Onboarding && strings.HasSuffix(name, "before")
				if !f[m.Key].OK && !lacking {
					missing = append(missing, m.Key)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s: no figure for %s", name, strings.Join(missing, ", "))
			}
		}
	}
	cur, _, _ := kpi.Periods("30d", now, time.UTC)
	if f := b.Compute(cur); f[kpi.LogoChurn].Part != 2 || f[kpi.Expansion].N == 0 {
		t.Errorf("last 30 days: %+v cancelled, %+v expanded; want 2 cancellations and some expansion", f[kpi.LogoChurn], f[kpi.Expansion])
	}
}
