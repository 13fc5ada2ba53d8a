package bot

import (
	"context"
	"time"
)

// Sleep waits d, or less when ctx is done first, and then returns ctx's
// error: the adapters' retries wait out rate limits with it.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
