package playbooks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// WeeklySummary is the executives' Monday overview from the account index:
// per team the book, its health bands and what is at risk. Churn and
// retention rates need the churn events of the ingest API and are not here.
func WeeklySummary(rows []store.AccountRow, teams []store.Team, now time.Time) bot.Reply {
	type tally struct {
		accounts, atRisk, onboarding int
		arr, arrAtRisk               int64
		bands                        map[string]int
		scoreSum, scored             int
	}
	names := map[string]string{"": "No team"}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	byTeam := map[string]*tally{}
	total := &tally{bands: map[string]int{}}
	for _, r := range rows {
		t := byTeam[r.Team]
		if t == nil {
			t = &tally{bands: map[string]int{}}
			byTeam[r.Team] = t
		}
		for _, x := range []*tally{t, total} {
			x.accounts++
			x.arr = store.AddARR(x.arr, r.ARR)
			x.bands[r.Band]++
			if len(r.Risks) > 0 {
				x.atRisk++
				x.arrAtRisk = store.AddARR(x.arrAtRisk, r.ARR)
			}
			if r.Phase == store.PhaseOnboarding {
				x.onboarding++
			}
			if r.Score >= 0 {
				x.scoreSum += r.Score
				x.scored++
			}
		}
	}
	line := func(name string, t *tally) string {
		avg := "-"
		if t.scored > 0 {
			avg = fmt.Sprint(t.scoreSum / t.scored)
		}
		return fmt.Sprintf("%s: %s, ARR %s, health avg %s (green %d, yellow %d, red %d), at risk %d (ARR %s), onboarding %d",
			name, health.Plural(t.accounts, "account"), bot.Amount(t.arr), avg, t.bands["green"], t.bands["yellow"], t.bands["red"], t.atRisk, bot.Amount(t.arrAtRisk), t.onboarding)
	}
	ids := make([]string, 0, len(byTeam))
	for id := range byTeam {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(names[a], names[b]) })
	lines := make([]string, 0, len(ids))
	for _, id := range ids {
		name := names[id]
		if name == "" {
			name = id
		}
		lines = append(lines, line(name, byTeam[id]))
	}
	band := "green"
	if total.atRisk > 0 {
		band = "yellow"
	}
	return bot.Reply{
		Title:    "Weekly customer-success summary, week of " + now.Format("Mon 2006-01-02"),
		Band:     band,
		Text:     line("All teams", total),
		Sections: []bot.Section{{Title: "By team", Lines: lines}},
		Footer:   "/cs risk all lists the accounts at risk",
	}
}
