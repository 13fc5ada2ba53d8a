package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
)

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := bot.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(cancelled) = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("Sleep did not stop at cancellation")
	}
	if err := bot.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep(1ms) = %v", err)
	}
	if err := bot.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(cancelled, 0) = %v", err)
	}
}
