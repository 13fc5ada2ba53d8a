package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
)

func TestAck(t *testing.T) {
	reg := bot.NewRegistry()
	noop := func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{}, nil }
	if err := reg.Register(bot.Command{Name: "health", Handler: noop}, bot.Command{Name: "export", Slow: true, Handler: noop}); err != nil {
		t.Fatal(err)
	}
	var work sync.WaitGroup
	defer work.Wait()
	race := bot.Ack{Window: time.Hour, Timeout: time.Minute, Registry: reg, Work: &work}

	t.Run("in time", func(t *testing.T) {
		r, pending := race.Run(context.Background(), "health acme", func(context.Context) bot.Reply { return bot.Reply{Text: "green"} })
		if pending != nil || r.Text != "green" {
			t.Errorf("Run = %+v, %+v; want the reply at once", r, pending)
		}
	})

	t.Run("slow command is acknowledged at once", func(t *testing.T) {
		release := make(chan struct{})
		r, pending := race.Run(context.Background(), "export all", func(context.Context) bot.Reply {
			<-release
			return bot.Reply{Text: "exported"}
		})
		if pending == nil {
			t.Fatalf("Run = %+v, want it pending", r)
		}
		if pending.Waited != 0 {
			t.Errorf("waited %s for a slow command", pending.Waited)
		}
		close(release)
		if got := pending.Reply(); got.Text != "exported" {
			t.Errorf("pending reply = %+v", got)
		}
	})

	t.Run("late reply outlives the request", func(t *testing.T) {
		short := race
		short.Window = time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		release := make(chan struct{})
		_, pending := short.Run(ctx, "health acme", func(ctx context.Context) bot.Reply {
			<-release
			return bot.Reply{Text: "late", Error: ctx.Err() != nil}
		})
		if pending == nil {
			t.Fatal("a command still running answered in time")
		}
		cancel() // the platform's request is over
		close(release)
		if got := pending.Reply(); got.Text != "late" || got.Error {
			t.Errorf("pending reply = %+v, want it made with a live context", got)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		short := race
		short.Window = time.Millisecond
		_, pending := short.Run(context.Background(), "health acme", func(ctx context.Context) bot.Reply {
			<-ctx.Done()
			return bot.Reply{Error: true, Text: ctx.Err().Error()}
		})
		if pending == nil {
			t.Fatal("a blocked command answered in time")
		}
		pending.Cancel()
		if got := pending.Reply(); !got.Error || got.Text != context.Canceled.Error() {
			t.Errorf("cancelled reply = %+v", got)
		}
	})
}
