package health

import (
	"strings"
	"time"

	"github.com/csbot/csbot/store"
)

// Trend is how a score moved.
type Trend struct {
	// Delta7 and Delta30 are nil when the history has no score that far back.
	Delta7, Delta30 *int
	// Series is the daily score up to today, oldest first; -1 marks no score.
	Series []int
}

// TrendOf compares today's score with the history. A day without a snapshot
// falls back to the nearest older one within three days.
func TrendOf(h store.History, now time.Time, today int, days int) Trend {
	t := Trend{}
	if today >= 0 {
		t.Delta7 = delta(h, now, today, 7)
		t.Delta30 = delta(h, now, today, 30)
	}
	for i := days - 1; i >= 1; i-- {
		v, ok := h.At(now.AddDate(0, 0, -i))
		if !ok {
			v = -1
		}
		t.Series = append(t.Series, v)
	}
	t.Series = append(t.Series, today)
	return t
}

func delta(h store.History, now time.Time, today, back int) *int {
	for slack := range 4 {
		if v, ok := h.At(now.AddDate(0, 0, -back-slack)); ok {
			d := today - v
			return &d
		}
	}
	return nil
}

// Sparkline draws scores on a fixed 0..100 scale, so lines of different
// accounts compare; a blank marks a day without a score.
func Sparkline(series []int) string {
	const bars = "▁▂▃▄▅▆▇█"
	runes := []rune(bars)
	var b strings.Builder
	for _, v := range series {
		if v < 0 {
			b.WriteRune(' ')
			continue
		}
		i := min(v*len(runes)/101, len(runes)-1)
		b.WriteRune(runes[i])
	}
	return b.String()
}
