package bot

import (
	"context"
	"sync"
	"time"
)

// Ack races a command against a platform's acknowledgement window: Slack
// and Discord want an answer to a command within 3 seconds, or they show
// the user an error. A command that answers in time answers directly;
// a slower one is acknowledged (Slack) or deferred (Discord) at once and
// its reply delivered later.
type Ack struct {
	// Window is how long to wait for the reply before acknowledging.
	Window time.Duration
	// Timeout bounds the command, which may outlive the request.
	Timeout time.Duration
	// Registry marks slow commands, which are acknowledged at once.
	Registry *Registry
	// Work tracks commands still running, so shutdown can wait for them.
	Work *sync.WaitGroup
}

// Pending is a reply that did not come within the window.
type Pending struct {
	// Waited is how long the race waited: zero for a slow command.
	Waited time.Duration
	done   <-chan Reply
	cancel context.CancelFunc
}

// Reply waits for the command to finish and returns its reply.
func (p *Pending) Reply() Reply { return <-p.done }

// Cancel stops the command; Reply then returns what it made of that.
func (p *Pending) Cancel() { p.cancel() }

// Run runs the command line with run in the background, detached from
// ctx's cancellation (the answer is delivered after the request ends),
// and waits for its reply up to the window, or not at all for a slow
// command. In time, it returns the reply and a nil Pending; otherwise the
// Pending, whose reply the adapter delivers once it has acknowledged.
func (a Ack) Run(ctx context.Context, line string, run func(ctx context.Context) Reply) (Reply, *Pending) {
	done := make(chan Reply, 1)
	runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Timeout)
	a.Work.Go(func() {
		defer cancel()
		done <- run(runCtx)
	})
	wait := a.Window
	if a.slow(line) {
		wait = 0
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-done:
		return r, nil
	case <-timer.C:
		return Reply{}, &Pending{Waited: wait, done: done, cancel: cancel}
	}
}

// slow reports whether the line's command is marked slow in the registry.
func (a Ack) slow(line string) bool {
	if a.Registry == nil {
		return false
	}
	name, _, _ := CutWord(line)
	c, ok := a.Registry.Lookup(name)
	return ok && c.Slow
}
