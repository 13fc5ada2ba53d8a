package store

import (
	"testing"
	"time"
)

// Recording keeps the weights version and the restart day: dropping them
// would make the next score look comparable with any weights.
func TestHistoryRecordKeepsVersion(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2026, 11, day, 9, 0, 0, 0, time.UTC) }
	h := History{Weights: "1a2b3c4d", Restarted: "2026-11-02"}
	for _, step := range []struct {
		name string
		h    History
	}{
		{"first score", h.Record(d(2), 70)},
		{"later day", h.Record(d(2), 70).Record(d(5), 71)},
		{"same day again", h.Record(d(2), 70).Record(d(2), 72)},
		{"older day", h.Record(d(5), 70).Record(d(3), 60)},
	} {
		if step.h.Weights != h.Weights || step.h.Restarted != h.Restarted {
			t.Errorf("%s: weights %q restarted %q, want %q %q", step.name, step.h.Weights, step.h.Restarted, h.Weights, h.Restarted)
		}
	}
}
