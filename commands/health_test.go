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
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// withKitsune adds Kitsune Games, scored a week ago and today: usage fell
// from 40 to 20 of 50 seats, the ticket counts went stale and a CSAT
// answer came in without a date.
func withKitsune(t testing.TB, f fixture) {
	t.Helper()
	ctx := context.Background()
	at := day(-7)
	engine := health.NewEngine(f.st, health.DefaultConfig(), func() time.Time { return at })
	a := store.Account{Slug: "kitsune", Name: "Kitsune Games", Tier: store.TierLow, Region: "Osaka", ARR: 30000, Phase: store.PhaseAdoption,
		Owner: "aiko", Seats: 50, ActiveUsers: 40, UsageDate: day(-8), NPS: ptr(8), NPSDate: day(-30),
		OpenTickets: ptr(1), TicketsDate: day(-8), LastTouch: day(-10)}
	if err := engine.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
	at = now
	a, err := f.st.Account(ctx, "kitsune")
	if err != nil {
		t.Fatal(err)
	}
	a.ActiveUsers, a.UsageDate, a.OpenTickets, a.CSAT = 20, day(-1), ptr(4), ptr(4.0)
	if err := engine.Put(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// withWeights returns a router over the fixture's store whose engine
// weighs support as much as usage: a new weights version.
func withWeights(t testing.TB, f fixture) *bot.Router {
	t.Helper()
	cfg := health.DefaultConfig()
	cfg.Weights[health.Support] = 0.35
	reg := bot.NewRegistry()
	engine := health.NewEngine(f.st, cfg, func() time.Time { return now })
	if err := commands.Register(reg, commands.Deps{Store: f.st, Health: engine}); err != nil {
		t.Fatal(err)
	}
	return bot.NewRouter(reg, f.st, slog.New(slog.DiscardHandler))
}

func TestHealthViewsGolden(t *testing.T) {
	f := newFixture(t)
	withKitsune(t, f)
	reweighed := withWeights(t, f)
	// Seeded demo data has snapshots with a score only.
	week := day(-7)
	if err := f.st.SaveSnapshots(context.Background(), []store.Snapshot{{ID: store.SnapshotID("acme-labs", week), Account: "acme-labs",
		Date: store.Day(week), Score: 47, Band: health.Yellow}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, line string
		router     *bot.Router
	}{
		{"health-stale", "/cs health kitsune", nil},
		{"health-stale.ja", "/cs health kitsune", f.japanese},
		{"health-why", "/cs health kitsune why", nil},
		{"health-why-no-past", "/cs health acme why", nil},
		{"health-why-no-data", "/cs health globex why", nil},
		{"health-why-score-only", "/cs health acme-labs why", nil},
		{"health-chart", "/cs health acme chart", nil},
		{"health-chart-no-data", "/cs health globex chart", nil},
		{"health-why.ja", "/cs health kitsune why", f.japanese},
		{"health-why-no-past.ja", "/cs health acme why", f.japanese},
		{"health-why-no-data.ja", "/cs health globex why", f.japanese},
		{"health-why-score-only.ja", "/cs health acme-labs why", f.japanese},
		{"health-chart.ja", "/cs health acme chart", f.japanese},
		{"health-chart-no-data.ja", "/cs health globex chart", f.japanese},
		{"health-weights-changed", "/cs health acme", reweighed},
		{"health-why-weights-changed", "/cs health kitsune why", reweighed},
		{"health-chart-weights-changed", "/cs health acme chart", reweighed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			router := f.router
			if tc.router != nil {
				router = tc.router
			}
			assertGolden(t, tc.name, tc.line, console.Render(router.Handle(context.Background(), "console", "aiko", tc.line))+"\n")
		})
	}
}

// The chart's data is pinned as text; the PNG only has to decode at its size.
func TestHealthChart(t *testing.T) {
	f := newFixture(t)
	engine := health.NewEngine(f.st, health.DefaultConfig(), func() time.Time { return now })
	a, err := f.st.Account(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range commands.HealthChartPoints(engine.Assess(a), now) {
		fmt.Fprintf(&b, "%s %3.0f\n", store.Day(p.At), p.Value)
	}
	assertGolden(t, "health-chart-series", "/cs health acme chart (data)", b.String())

	r := f.router.Handle(context.Background(), "console", "aiko", "/cs health acme chart")
	if r.Error || r.Image == nil {
		t.Fatalf("no image: %+v", r)
	}
	if r.Image.Name != "acme-health.png" || !strings.Contains(r.Image.Alt, "latest 91 on 2026-11-25, lowest 75 on 2026-10-26, highest 91 on 2026-11-25") {
		t.Errorf("image %q, alt %q", r.Image.Name, r.Image.Alt)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(r.Image.PNG))
	if err != nil || cfg.Width != 800 || cfg.Height != 400 {
		t.Errorf("PNG %dx%d, %v; want 800x400", cfg.Width, cfg.Height, err)
	}
	if _, err := png.Decode(bytes.NewReader(r.Image.PNG)); err != nil {
		t.Errorf("PNG does not decode: %v", err)
	}
	// Platforms without images read the same 90 days in the text.
	if first, _, _ := strings.Cut(r.Text, "\n"); len([]rune(first)) != store.HistoryDays {
		t.Errorf("sparkline %q has %d days, want %d", first, len([]rune(first)), store.HistoryDays)
	}
}

// `why` and `chart` come after the account, before or after `share`.
func TestHealthViewWords(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		line, title string
		share       bool
	}{
		{"/cs health acme", "Acme Corp · health 91/100 (green)", false},
		{"/cs health acme why", "Acme Corp · why health is 91/100 (green)", false},
		{"/cs health acme WHY share", "Acme Corp · why health is 91/100 (green)", true},
		{"/cs health acme share why", "Acme Corp · why health is 91/100 (green)", true},
		{"/cs health Acme Corp chart", "Acme Corp · health, last 90 days", false},
		{"/cs health acme chart share", "Acme Corp · health, last 90 days", true},
		// only one view: the other word is read as part of the name
		{"/cs health acme why chart", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			r := f.router.Handle(context.Background(), "console", "aiko", tc.line)
			if tc.title == "" {
				if !r.Error || !strings.Contains(r.Text, "No account matches 'acme why'") {
					t.Errorf("reply %q, want no account named 'acme why'", console.Render(r))
				}
				return
			}
			if r.Error || r.Title != tc.title || r.Share != tc.share {
				t.Errorf("title %q share %v (error %v: %s); want %q share %v", r.Title, r.Share, r.Error, r.Text, tc.title, tc.share)
			}
		})
	}
	// A lone word is the account, even when it reads like a view.
	if got := f.run("aiko", "/cs health why"); !strings.Contains(got, "No account matches 'why'") {
		t.Errorf("/cs health why:\n%s", got)
	}
}
