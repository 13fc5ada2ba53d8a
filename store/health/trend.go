package health

import (
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
	past := h.Days(now, max(days, 30+fallback+1))
	t := Trend{}
	if today >= 0 {
		t.Delta7 = delta(past, today, 7)
		t.Delta30 = delta(past, today, 30)
	}
	t.Series = append(past[len(past)-days:len(past)-1:len(past)-1], today)
	return t
}

// fallback is how many days further back a missing day's score is sought.
const fallback = 3

// delta compares today with the score back days ago in past (daily
// scores ending today), or the nearest older one within the fallback.
func delta(past []int, today, back int) *int {
	for slack := range fallback + 1 {
		if i := len(past) - 1 - back - slack; i >= 0 && past[i] >= 0 {
			d := today - past[i]
			return &d
		}
	}
	return nil
}
