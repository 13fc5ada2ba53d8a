package playbooks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// WeeklySummary is the executives' Monday overview from the account index:
// per team the book, its health bands and what is at risk. Churn and
// retention rates need the churn events of the ingest API and are not here.
// It is written in l's language.
func WeeklySummary(l *i18n.Localizer, rows []store.AccountRow, teams []store.Team, now time.Time) bot.Reply {
	type tally struct {
		accounts, atRisk, onboarding int
		arr, arrAtRisk               int64
		bands                        map[string]int
		scoreSum, scored             int
	}
	names := map[string]string{"": l.T("summary.no_team", nil)}
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
		return l.T("summary.line", i18n.Data{"Name": name, "Accounts": l.N("digest.accounts", t.accounts, nil), "ARR": l.Amount(t.arr), "Avg": avg,
			"Green": t.bands["green"], "Yellow": t.bands["yellow"], "Red": t.bands["red"], "AtRisk": t.atRisk, "ARRAtRisk": l.Amount(t.arrAtRisk), "Onboarding": t.onboarding})
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
		Title:    l.T("summary.title", i18n.Data{"Day": digestDay(l, now.Format(time.DateOnly))}),
		Band:     band,
		Text:     line(l.T("summary.all_teams", nil), total),
		Sections: []bot.Section{{Title: l.T("summary.by_team", nil), Lines: lines}},
		Footer:   l.T("summary.footer", nil),
	}
}
