package playbooks_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/golden"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
)

func TestWeeklySummary(t *testing.T) {
	risk := []store.Risk{{Rule: "red-band", Score: 30, Limit: 40}}
	rows := []store.AccountRow{
		{Slug: "a", Team: "tokyo", ARR: 100000, Score: 80, Band: "green", Phase: store.PhaseAdoption},
		{Slug: "b", Team: "tokyo", ARR: 50000, Score: 30, Band: "red", Phase: store.PhaseOnboarding, Risks: risk},
		{Slug: "c", Team: "osaka", ARR: 20000, Score: 55, Band: "yellow", Phase: store.PhaseAdoption},
		{Slug: "d", ARR: 1000, Score: -1, Band: "none", Phase: store.PhaseAdoption},
	}
	teams := []store.Team{{ID: "tokyo", Name: "Tokyo"}, {ID: "osaka", Name: "Osaka"}}
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	got := console.Render(playbooks.WeeklySummary(i18n.English, rows, teams, monday))
	want := `◐ Weekly customer-success summary, week of Mon 2026-11-23
All teams: 4 accounts, ARR 171,000, health avg 55 (green 1, yellow 1, red 1), at risk 1 (ARR 50,000), onboarding 1
By team
  No team: 1 account, ARR 1,000, health avg - (green 0, yellow 0, red 0), at risk 0 (ARR 0), onboarding 0
  Osaka: 1 account, ARR 20,000, health avg 55 (green 0, yellow 1, red 0), at risk 0 (ARR 0), onboarding 0
  Tokyo: 2 accounts, ARR 150,000, health avg 55 (green 1, yellow 0, red 1), at risk 1 (ARR 50,000), onboarding 1
-- /cs risk all lists the accounts at risk`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	golden.Assert(t, "summary.ja.golden", []byte(console.Render(playbooks.WeeklySummary(i18n.Org{Locale: "ja", Currency: "JPY"}.For(""), rows, teams, monday))+"\n"))
}
