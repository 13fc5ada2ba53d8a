package kpi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/store/kpi"
)

func TestPeriods(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec      string
		now       time.Time
		loc       *time.Location
		cur, prev string
		days      int
	}{
		{"30d", now, time.UTC, "2026-10-27 to 2026-11-25", "2026-09-27 to 2026-10-26", 30},
		{"90d", now, time.UTC, "2026-08-28 to 2026-11-25", "2026-05-30 to 2026-08-27", 90},
		// 23:30 UTC is already the next day in Tokyo.
		{"30d", time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC), tokyo, "2026-10-28 to 2026-11-26", "2026-09-28 to 2026-10-27", 30},
		// Day 56 of Q4 against day 56 of Q3.
		{"qtd", now, time.UTC, "2026-10-01 to 2026-11-25", "2026-07-01 to 2026-08-25", 56},
		// Q1 has 90 days, Q4 92: the previous span stops at the quarter's end.
		{"qtd", time.Date(2027, 3, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2027-01-01 to 2027-03-31", "2026-10-01 to 2026-12-29", 90},
		{"qtd", time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2026-10-01 to 2026-12-31", "2026-07-01 to 2026-09-30", 92},
		{"ytd", now, time.UTC, "2026-01-01 to 2026-11-25", "2025-01-01 to 2025-11-25", 329},
		// A leap year's 366th day compares with the whole previous year.
		{"YTD", time.Date(2028, 12, 31, 12, 0, 0, 0, time.UTC), time.UTC, "2028-01-01 to 2028-12-31", "2027-01-01 to 2027-12-31", 366},
		// The clocks change inside the period: still whole days.
		{"30d", time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC), berlin, "2026-10-07 to 2026-11-05", "2026-09-07 to 2026-10-06", 30},
	}
	for _, tc := range tests {
		t.Run(tc.spec+" "+tc.now.Format(time.RFC3339), func(t *testing.T) {
			cur, prev, err := kpi.Periods(tc.spec, tc.now, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			if cur.String() != tc.cur || prev.String() != tc.prev {
				t.Errorf("periods %s / %s, want %s / %s", cur, prev, tc.cur, tc.prev)
			}
			if cur.Days() != tc.days {
				t.Errorf("%d days, want %d", cur.Days(), tc.days)
			}
			if cur.Start.Location() != tc.loc || cur.Start.Hour() != 0 || cur.End.Hour() != 0 {
				t.Errorf("period not at midnight in %s: %s - %s", tc.loc, cur.Start, cur.End)
			}
		})
	}
}

func TestPeriodsRejects(t *testing.T) {
	for _, spec := range []string{"", "7d", "30", "mtd", "period:30d"} {
		if _, _, err := kpi.Periods(spec, now, time.UTC); err == nil || !strings.Contains(err.Error(), "use 30d, 90d, qtd, ytd") {
			t.Errorf("Periods(%q) error = %v", spec, err)
		}
	}
}

func TestMonths(t *testing.T) {
	cur, _, err := kpi.Periods("30d", now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	months := kpi.Months(cur.End, 12)
	if len(months) != 12 {
		t.Fatalf("%d months", len(months))
	}
	if got := months[0].String(); got != "2025-12-01 to 2025-12-31" {
		t.Errorf("first month %s", got)
	}
	if got := months[1].String(); got != "2026-01-01 to 2026-01-31" {
		t.Errorf("second month %s", got)
	}
	if got := months[11].String(); got != "2026-11-01 to 2026-11-25" {
		t.Errorf("last month %s, want cut at today", got)
	}
	for i := 1; i < len(months); i++ {
		if !months[i].Start.Equal(months[i-1].End) {
			t.Errorf("gap between %s and %s", months[i-1], months[i])
		}
	}
}

// Any input either fails or gives a current period that ends after today's
// start and a previous period just as long or shorter, before it.
func FuzzPeriods(f *testing.F) {
	for _, s := range append(kpi.PeriodNames, "", "QTD", " ytd ", "1y") {
		f.Add(s, int64(1795000000))
	}
	f.Fuzz(func(t *testing.T, spec string, unix int64) {
		at := time.Unix(unix%(1<<35), 0)
		cur, prev, err := kpi.Periods(spec, at, time.UTC)
		if err != nil {
			return
		}
		if cur.Days() < 1 || prev.Days() > cur.Days() || prev.End.After(cur.Start) || !cur.Contains(at) {
			t.Errorf("%q at %s: %s (%d days) and %s (%d days)", spec, at, cur, cur.Days(), prev, prev.Days())
		}
	})
}

// A date without a time counts on its calendar date in any zone; a time
// counts where it falls in the period's zone.
func TestPeriodContainsDates(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	q2 := kpi.Period{Start: time.Date(2026, 4, 1, 0, 0, 0, 0, ny), End: time.Date(2026, 7, 1, 0, 0, 0, 0, ny)}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"date on the first day", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), true},
		{"date the day before", time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), false},
		{"date on the last day", time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), true},
		{"date the day after", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), false},
		{"time late on Mar 31 in New York", time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC), false},
		{"time early on Apr 1 in New York", time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		if got := q2.Contains(tc.at); got != tc.want {
			t.Errorf("%s: Contains(%v) = %v, want %v", tc.name, tc.at, got, tc.want)
		}
	}
}
