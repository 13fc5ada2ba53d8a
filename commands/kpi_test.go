package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

// withEvents adds a year of revenue events, survey answers and usage to the
// fixture's accounts (acme, acme-labs, initech, globex; all team tokyo), and
// two accounts onboarded lately: hooli finished 8 days ago after 42 days,
// umbrella is 40 days late.
func withEvents(t testing.TB, f fixture) fixture {
	t.Helper()
	ctx := context.Background()
	engine := health.NewEngine(f.st, health.DefaultConfig(), func() time.Time { return now })
	for _, a := range []store.Account{
		{Slug: "hooli", Name: "Hooli", Tier: store.TierLow, ARR: 30000, Owner: "ken", Phase: store.PhaseOnboarding, PhaseStart: day(-50),
			Milestones: []store.Milestone{{Name: "Kickoff held", Due: day(-47), Done: ptr(day(-48))}, {Name: "Live", Due: day(-20), Done: ptr(day(-8))}}},
		{Slug: "umbrella", Name: "Umbrella", Tier: store.TierTech, ARR: 8000, Owner: "aiko", Phase: store.PhaseOnboarding, PhaseStart: day(-70),
			Milestones: []store.Milestone{{Name: "Kickoff held", Due: day(-67), Done: ptr(day(-66))}, {Name: "Live", Due: day(-40)}}},
	} {
		if err := engine.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	rev := func(acc, typ string, arr int64, when time.Time) store.RevenueEvent {
		return store.RevenueEvent{ID: fmt.Sprintf("%s-%s-%s", acc, typ, store.Day(when)), Account: acc, Type: typ, ARR: arr, At: when}
	}
	revenue := []store.RevenueEvent{
		rev("acme", store.RevenueNew, 200000, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)),
		rev("acme", store.RevenueRenewal, 200000, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)),
		rev("acme", store.RevenueExpansion, 40000, day(-10)),
		rev("acme-labs", store.RevenueExpansion, 5000, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)),
		rev("acme-labs", store.RevenueContraction, 10000, day(-45)),
		rev("globex", store.RevenueNew, 6000, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)),
		rev("globex", store.RevenueCancellation, 6000, day(-5)),
		rev("initech", store.RevenueNew, 180000, day(-40)),
		rev("hooli", store.RevenueNew, 30000, day(-50)),
		rev("umbrella", store.RevenueNew, 8000, day(-70)),
		rev("gone", store.RevenueCancellation, 50000, day(-20)), // an account csbot does not know
	}
	if _, err := f.st.PutRevenue(ctx, revenue); err != nil {
		t.Fatal(err)
	}
	var answers []store.Response
	for i, a := range []struct {
		acc, kind string
		score     float64
		ago       int
	}{
		{"acme", store.SurveyNPS, 9, 3}, {"acme", store.SurveyNPS, 10, 20}, {"acme-labs", store.SurveyNPS, 4, 5},
		{"initech", store.SurveyNPS, 8, 12}, {"acme", store.SurveyCSAT, 5, 3}, {"acme-labs", store.SurveyCSAT, 3, 5},
		{"acme", store.SurveyNPS, 7, 40}, {"acme-labs", store.SurveyNPS, 9, 50}, {"acme", store.SurveyCSAT, 4, 40},
		{"acme", store.SurveyNPS, 10, 200}, {"acme-labs", store.SurveyNPS, 3, 250}, {"globex", store.SurveyNPS, 6, 100},
	} {
		answers = append(answers, store.Response{ID: fmt.Sprintf("r%d", i), Account: a.acc, Kind: a.kind, Score: a.score, At: day(-a.ago).Add(9 * time.Hour)})
	}
	if _, err := f.st.PutResponses(ctx, answers); err != nil {
		t.Fatal(err)
	}
	usage := []store.Usage{
		{Account: "acme", Day: store.Day(day(-1)), Active: 90, Seats: 100},
		{Account: "acme-labs", Day: store.Day(day(-2)), Active: 10, Seats: 50},
		{Account: "initech", Day: store.Day(day(0)), Active: 8, Seats: 20},
		{Account: "acme", Day: store.Day(day(-31)), Active: 85, Seats: 100},
		{Account: "acme-labs", Day: store.Day(day(-33)), Active: 20, Seats: 50},
	}
	if _, err := f.st.PutUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestKPIGolden(t *testing.T) {
	f := withEvents(t, newFixture(t))
	tests := []goldenLine{
		{"kpi-all", "ops", "/cs kpi all"},
		{"kpi-lead", "hiro", "/cs kpi"},
		{"kpi-mine-qtd", "aiko", "/cs kpi period:qtd"},
		{"kpi-tier-90d", "ops", "/cs kpi tier:high 90d"},
		{"kpi-chart", "ops", "/cs kpi all chart"},
		{"kpi-chart-nps", "hiro", "/cs kpi chart:nps"},
		{"kpi-empty", "ops", "/cs kpi region:Kyushu"},
	}
	goldenReplies(t, f, tests)
	// What /cs kpi says when it cannot answer, in both languages.
	errs := []step{
		{"ops", "/cs kpi all team:tokyo"},
		{"ops", "/cs kpi team:paris"},
		{"ops", "/cs kpi team"},
		{"ops", "/cs kpi team:"},
		{"ops", "/cs kpi all tier:tech chart:csat"},
		{"aiko", "/cs kpi all"},
	}
	for _, lang := range languages {
		t.Run("errors"+lang.suffix, func(t *testing.T) {
			assertGolden(t, "kpi-errors"+lang.suffix, "the KPI errors", transcript(context.Background(), lang.router(f), errs))
		})
	}
}

func TestKPIChartImage(t *testing.T) {
	f := withEvents(t, newFixture(t))
	for _, line := range []string{"/cs kpi all chart", "/cs kpi all chart:utilisation", "/cs kpi all chart:expansion"} {
		r := f.router.Handle(context.Background(), "console", "ops", line)
		if r.Error || r.Image == nil {
			t.Fatalf("%s: no image:\n%+v", line, r)
		}
		img, err := png.Decode(bytes.NewReader(r.Image.PNG))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 400 {
			t.Errorf("%s: image %dx%d, want 800x400", line, b.Dx(), b.Dy())
		}
		if r.Image.Alt != r.Text || r.Text == "" {
			t.Errorf("%s: alt %q, text %q", line, r.Image.Alt, r.Text)
		}
	}
	// In Japanese the chart and its alt text are too.
	if r := f.japanese.Handle(context.Background(), "console", "ops", "/cs kpi all chart"); r.Image == nil ||
		r.Image.Alt != r.Text || !strings.HasPrefix(r.Text, "売上純維持率（NRR）の月次推移（2025年12月〜2026年11月）：") {
		t.Errorf("Japanese chart: image %v, text %q", r.Image != nil, r.Text)
	}
	// Nothing to draw: no image, and the reply says so.
	r := f.router.Handle(context.Background(), "console", "ops", "/cs kpi all tier:tech chart:csat")
	if r.Image != nil || r.Text != "Not enough data to chart CSAT from 2025-12 to 2026-11." {
		t.Errorf("empty chart: image %v, text %q", r.Image != nil, r.Text)
	}
}

func TestKPIRefusals(t *testing.T) {
	tests := []struct {
		name, user, line string
		want             []string
	}{
		{"csm asks for all", "aiko", "/cs kpi all", []string{"Refused by access rule `csm: kpi = team`: `all` goes beyond your team. Ask a csbot admin."}},
		{"lead asks for another team", "hiro", "/cs kpi team:osaka", []string{"Refused by access rule `lead: kpi = team`: `team:osaka` goes beyond your team."}},
		{"unknown team", "ops", "/cs kpi team:paris", []string{"There is no team 'paris'."}},
		{"bad period", "ops", "/cs kpi period:7d", []string{"`period` must be one of 30d, 90d, qtd, ytd.", "Usage  /cs kpi [mine|team|all] [team:<team>] [region:<region>] [tier:high|low|tech] [period:30d|90d|qtd|ytd] [chart[:<chart>]]"}},
		{"bad tier", "ops", "/cs kpi tier:gold", []string{"`tier` must be one of high, low, tech."}},
		{"unknown chart", "ops", "/cs kpi chart:ltv", []string{"`chart` must be one of churn, arr-churn, grr, nrr"}},
		{"two scopes", "ops", "/cs kpi all team", []string{"`scope` is given twice (all and team)."}},
		{"a scope and a team", "ops", "/cs kpi all team:tokyo", []string{"Give one scope only (you gave all and team:tokyo)."}},
		{"unknown word", "ops", "/cs kpi all everything", []string{"I do not understand 'everything'."}},
		{"unknown scope", "ops", "/cs kpi everything", []string{"`scope` must be one of mine, team, all."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertRefused(t, withEvents(t, newFixture(t)), tc.user, tc.line, tc.want)
		})
	}
}

// BenchmarkKPIAll10k runs `/cs kpi all` through the router over 10,000
// accounts and a year of events on the store (embedded FerretDB unless
// MONGODB_URI is set). Target: under 1 s.
func BenchmarkKPIAll10k(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	st := storetest.Open(b)
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := demo.SeedBulk(ctx, st, engine, n, now); err != nil {
		b.Fatal(err)
	}
	if err := demo.SeedBulkEvents(ctx, st, n, now); err != nil {
		b.Fatal(err)
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine}); err != nil {
		b.Fatal(err)
	}
	router := bot.NewRouter(reg, st, slog.New(slog.DiscardHandler))
	for _, line := range []string{"/cs kpi all", "/cs kpi all period:ytd chart"} {
		b.Run(line[4:], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := router.Handle(ctx, "console", "ops", line); r.Error || len(r.Fields) == 0 {
					b.Fatalf("%s: %+v", line, r)
				}
			}
		})
	}
}
