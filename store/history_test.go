package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestHistory(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2026, 11, day, 9, 30, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		build  func() History
		want   []int
		end    string
		lookup map[int]int // day -> score; -1 = absent
	}{
		{"empty", func() History { return History{} }, nil, "", map[int]int{1: -1}},
		{"one day", func() History { return History{}.Record(d(3), 70) }, []int{70}, "2026-11-03", map[int]int{3: 70, 2: -1, 4: -1}},
		{"gap filled with blanks", func() History { return History{}.Record(d(1), 60).Record(d(4), 64) }, []int{60, -1, -1, 64}, "2026-11-04", map[int]int{1: 60, 2: -1, 4: 64}},
		{"same day overwrites", func() History { return History{}.Record(d(1), 60).Record(d(1), 61) }, []int{61}, "2026-11-01", map[int]int{1: 61}},
		{"older day prepends", func() History { return History{}.Record(d(5), 50).Record(d(3), 40) }, []int{40, -1, 50}, "2026-11-05", map[int]int{3: 40, 5: 50}},
		{"bounded to 90 days", func() History {
			h := History{}
			start := d(1).AddDate(0, 0, -99)
			for i := range 100 {
				h = h.Record(start.AddDate(0, 0, i), i)
			}
			return h
		}, nil, "2026-11-01", map[int]int{1: 99}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.build()
			if tc.want != nil {
				if diff := cmp.Diff(tc.want, h.Values()); diff != "" {
					t.Errorf("values (-want +got):\n%s", diff)
				}
			}
			if h.End != tc.end {
				t.Errorf("end = %q, want %q", h.End, tc.end)
			}
			if n := len(h.Values()); n > HistoryDays {
				t.Errorf("%d entries kept, want at most %d", n, HistoryDays)
			}
			for day, want := range tc.lookup {
				got, ok := h.At(d(day))
				if want < 0 && ok || want >= 0 && (!ok || got != want) {
					t.Errorf("At(Nov %d) = %d, %v; want %d", day, got, ok, want)
				}
			}
		})
	}
}
