package health

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
)

func TestTrendOf(t *testing.T) {
	tests := []struct {
		name  string
		h     store.History
		today int
		days  int
		want  Trend
	}{
		{"no history", store.History{}, 70, 5,
			Trend{Series: []int{-1, -1, -1, -1, 70}}},
		// 70 - 60 = +10 over 7 days, 70 - 80 = -10 over 30
		{"exact days", history(map[int]int{7: 60, 30: 80}), 70, 3,
			Trend{Delta7: ptr(10), Delta30: ptr(-10), Series: []int{-1, -1, 70}}},
		// day 7 has no score; day 8 is the nearest older one: 70 - 50
		{"falls back to the nearest older day", history(map[int]int{8: 50, 9: 40}), 70, 1,
			Trend{Delta7: ptr(20), Series: []int{70}}},
		{"exact day wins over older ones", history(map[int]int{7: 65, 8: 50}), 70, 1,
			Trend{Delta7: ptr(5), Series: []int{70}}},
		// 7 + 3 = 10 days back is the last fallback: 70 - 90 = -20
		{"fallback reaches 3 days", history(map[int]int{10: 90}), 70, 1,
			Trend{Delta7: ptr(-20), Series: []int{70}}},
		{"fallback stops after 3 days", history(map[int]int{11: 90}), 70, 1,
			Trend{Series: []int{70}}},
		// 30 + 3 = 33: 70 - 40 = +30
		{"30-day fallback reaches 33 days", history(map[int]int{33: 40}), 70, 1,
			Trend{Delta30: ptr(30), Series: []int{70}}},
		{"30-day fallback stops after 33 days", history(map[int]int{34: 40}), 70, 1,
			Trend{Series: []int{70}}},
		{"newer days are no fallback", history(map[int]int{6: 50, 29: 50}), 70, 1,
			Trend{Series: []int{70}}},
		{"zero change is a delta of 0", history(map[int]int{7: 70, 30: 70}), 70, 1,
			Trend{Delta7: ptr(0), Delta30: ptr(0), Series: []int{70}}},
		{"no score today has no deltas", history(map[int]int{7: 60, 30: 80}), -1, 2,
			Trend{Series: []int{-1, -1}}},
		// series: days 4..1 back from the history, then today's argument
		// (not the history's own entry for today)
		{"series with blanks", history(map[int]int{0: 99, 1: 60, 3: 50}), 70, 5,
			Trend{Series: []int{-1, 50, -1, 60, 70}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TrendOf(tc.h, now, tc.today, tc.days)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("TrendOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrendSeriesLength(t *testing.T) {
	h := history(map[int]int{29: 10, 15: 20, 1: 30, 30: 99})
	got := TrendOf(h, now, 40, 30)
	if len(got.Series) != 30 {
		t.Fatalf("len(Series) = %d, want 30", len(got.Series))
	}
	// Series[i] is 29-i days back; day 30 is outside the window.
	want := make([]int, 30)
	for i := range want {
		want[i] = -1
	}
	want[0], want[14], want[28], want[29] = 10, 20, 30, 40
	if diff := cmp.Diff(want, got.Series); diff != "" {
		t.Errorf("Series (-want +got):\n%s", diff)
	}
	// 40 - 99 = -59 from day 30; nothing at 7..10 days back
	if diff := cmp.Diff(Trend{Delta30: ptr(-59), Series: want}, got); diff != "" {
		t.Errorf("TrendOf (-want +got):\n%s", diff)
	}
}
