package commands

import (
	"time"

	"github.com/csbot/csbot/commands/chart"
	"github.com/csbot/csbot/store/health"
)

// HealthChartPoints is the data `/cs health <account> chart` draws, for
// the golden test of the chart.
func HealthChartPoints(as health.Assessment, now time.Time) []chart.Point {
	return dayPoints(healthDays(as, now), now)
}

// KPIScope is the scope rules of `/cs kpi`, for their table test.
var KPIScope = kpiScope
