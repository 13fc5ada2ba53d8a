package commands_test

import (
	"context"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/csbot/csbot/store/storetest"
)

// commandCounter counts the database commands a store sends.
type commandCounter struct {
	mu    sync.Mutex
	names []string
}

func (c *commandCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		c.mu.Lock()
		c.names = append(c.names, e.CommandName)
		c.mu.Unlock()
	}}
}

func (c *commandCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.names
	c.names = nil
	return out
}

// A chat command costs a bounded number of database round trips, whatever
// the size of the book: on the embedded store (with its caches) and on a
// store reached as an outside server (MONGODB_URI, or a FerretDB of its
// own), where every read is a command.
func TestCommandRoundTrips(t *testing.T) {
	backends := map[string]func(testing.TB) bool{
		"embedded": func(testing.TB) bool { return false },
		"external": func(testing.TB) bool { return true },
	}
	tests := []struct {
		line string
		max  int
	}{
		{"/cs health acme", 2},
		{"/cs risk", 3},
		{"/cs accounts", 3},
	}
	for name, external := range backends {
		t.Run(name, func(t *testing.T) {
			var counter commandCounter
			cfg := storetest.Config(t)
			if external(t) {
				cfg = storetest.ExternalConfig(t)
			}
			cfg.Monitor = counter.monitor()
			f := newFixtureOn(t, storetest.OpenConfig(t, cfg))
			for _, tc := range tests {
				f.run("aiko", tc.line) // a first run may fill caches
				counter.take()
				f.run("aiko", tc.line)
				if got := counter.take(); len(got) > tc.max {
					t.Errorf("%s: %d database commands %v, want at most %d", tc.line, len(got), got, tc.max)
				}
			}
		})
	}
}
