package commands_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/csbot/csbot/store/mongostore"
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
		user, line string
		max        int
	}{
		{"aiko", "/cs health acme", 2},
		{"hiro", "/cs health acme-labs", 2}, // another's account: the access rules place it in a team
		{"aiko", "/cs risk", 3},
		{"aiko", "/cs accounts", 3},
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
				f.run(tc.user, tc.line) // a first run may fill caches
				counter.take()
				f.run(tc.user, tc.line)
				if got := counter.take(); len(got) > tc.max {
					t.Errorf("%s: %d database commands %v, want at most %d", tc.line, len(got), got, tc.max)
				}
			}
		})
	}
}

// BenchmarkHealthByBackend runs `/cs health` through the router over 10,000
// accounts on the embedded store and on a store reached as an outside
// server (MONGODB_URI, else a FerretDB of its own), with one client and
// with 50, and reports the median and p99, the database commands per
// command, and the median of one bare `_id` read of the same server in the
// same run, the floor a command stands on.
//
// CSBOT_BENCH_ACCOUNTS sets another book size.
func BenchmarkHealthByBackend(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("CSBOT_BENCH_ACCOUNTS")); err == nil && v > 0 {
		n = v
	}
	for _, backend := range []string{"embedded", "external"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			var counter commandCounter
			cfg := storetest.Config(b)
			if backend == "external" {
				cfg = storetest.ExternalConfig(b)
			}
			cfg.Monitor = counter.monitor()
			st := storetest.OpenConfig(b, cfg)
			router := benchRouter(b, st, n)
			idRead := bareIDRead(b, st.EmbeddedURI(), cfg)
			for _, clients := range []int{1, 50} {
				b.Run(fmt.Sprintf("clients-%d", clients), func(b *testing.B) {
					counter.take()
					var mu sync.Mutex
					var took []time.Duration
					var next atomic.Int64
					b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
					if clients == 1 {
						b.SetParallelism(1)
					}
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := next.Add(1)
							start := time.Now()
							r := router.Handle(ctx, "console", "ops", fmt.Sprintf("/cs health account-%05d", (i*7919)%int64(n)))
							d := time.Since(start)
							if r.Error {
								b.Errorf("health: %s", r.Text)
							}
							mu.Lock()
							took = append(took, d)
							mu.Unlock()
						}
					})
					b.StopTimer()
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
					b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
					b.ReportMetric(float64(len(counter.take()))/float64(len(took)), "db-cmds/op")
					b.ReportMetric(float64(idRead.Nanoseconds()), "id-read-p50-ns")
				})
			}
		})
	}
}

// bareIDRead is the median of 200 `_id` reads of one account straight
// through the driver, on the server the store uses.
func bareIDRead(b *testing.B, embeddedURI string, cfg mongostore.Config) time.Duration {
	ctx := context.Background()
	uri := cfg.URI
	if uri == "" {
		uri = embeddedURI
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(ctx)
	accounts := client.Database(cfg.Database).Collection("accounts")
	took := make([]time.Duration, 200)
	for i := range took {
		start := time.Now()
		if err := accounts.FindOne(ctx, bson.D{{Key: "_id", Value: "account-00042"}}).Err(); err != nil {
			b.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took[len(took)/2]
}
