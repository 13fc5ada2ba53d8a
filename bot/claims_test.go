package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
)

// The single-process replay guard refuses a request seen before and one
// signed before the process started, and forgets nothing within its window.
func TestLocalClaims(t *testing.T) {
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	c := bot.NewLocalClaims(start, 5*time.Minute)
	ctx := context.Background()
	tests := []struct {
		name   string
		id     string
		signed time.Time
		want   bool
	}{
		{"first", "a", start.Add(time.Second), true},
		{"replay", "a", start.Add(time.Second), false},
		{"another", "b", start.Add(2 * time.Second), true},
		{"signed before the start", "c", start.Add(-time.Minute), false},
		{"signed in the start's second", "d", start.Add(-time.Millisecond).Truncate(time.Second).Add(time.Second), true},
	}
	for _, tc := range tests {
		if got, err := c.Claim(ctx, tc.id, tc.signed); got != tc.want || err != nil {
			t.Errorf("%s: Claim = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	// Claims later, past a pruning: a claim within the window is still
	// refused, and one far past it was forgotten (its request is stale).
	for i := range 100 {
		if _, err := c.Claim(ctx, fmt.Sprint("x", i), start.Add(6*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := c.Claim(ctx, "x1", start.Add(6*time.Minute)); got {
		t.Error("a replay within the window was accepted after pruning")
	}
	if _, err := c.Claim(ctx, "late", start.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Claim(ctx, "a", start.Add(time.Second)); !got {
		t.Error("a claim two windows old was kept: the map grows without bound")
	}
}
