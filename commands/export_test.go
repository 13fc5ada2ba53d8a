package commands

import (
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/kpi"
)

// HealthChartPoints is the data `/cs health <account> chart` draws, for
// the golden test of the chart.
func HealthChartPoints(as health.Assessment, now time.Time) []chart.Point {
	return dayPoints(healthDays(as, now), now)
}

// KPIScope is the scope rules of `/cs kpi` in English, for their table test.
func KPIScope(me store.Member, allowed access.Scope, word, region string, tier store.Tier) (kpi.Scope, access.Scope, error) {
	return kpiScope(i18n.English, me, allowed, word, region, tier)
}

// TouchKind is touchKind, for the table test.
var TouchKind = touchKind
