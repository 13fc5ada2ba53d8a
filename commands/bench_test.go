package commands_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// BenchmarkCommands10k runs commands through the router against 10,000
// accounts in the store (embedded FerretDB unless MONGODB_URI is set).
// Targets: health < 2 ms, accounts risk < 300 ms.
func BenchmarkCommands10k(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	st := storetest.Open(b)
	router := benchRouter(b, st, n)
	// japanese answers the same book in Japanese.
	japanese := japaneseRouter(router.Registry(), st)
	// run reports the median and p99 besides the mean (ns/op): the targets
	// are medians.
	run := func(b *testing.B, router *bot.Router, user string, line func(i int) string) {
		b.ReportAllocs()
		var took []time.Duration
		for i := 0; b.Loop(); i++ {
			text := line(i)
			start := time.Now()
			r := router.Handle(ctx, "console", user, text)
			took = append(took, time.Since(start))
			if r.Error {
				b.Fatalf("%s: %s", text, r.Text)
			}
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
	}
	b.Run("health", func(b *testing.B) {
		run(b, router, "ops", func(i int) string { return fmt.Sprintf("/cs health account-%05d", (i*7919)%n) })
	})
	// why reads up to four snapshots by _id (none exist a week back here:
	// the worst case); chart draws a PNG.
	b.Run("health-why", func(b *testing.B) {
		run(b, router, "ops", func(i int) string { return fmt.Sprintf("/cs health account-%05d why", (i*7919)%n) })
	})
	b.Run("health-chart", func(b *testing.B) {
		run(b, router, "ops", func(i int) string { return fmt.Sprintf("/cs health account-%05d chart", (i*7919)%n) })
	})
	b.Run("accounts-risk", func(b *testing.B) {
		run(b, router, "ops", func(int) string { return "/cs accounts risk" })
	})
	b.Run("accounts-risk-ja", func(b *testing.B) {
		run(b, japanese, "ops", func(int) string { return "/cs accounts risk" })
	})
	b.Run("risk-ja", func(b *testing.B) {
		run(b, japanese, "ops", func(int) string { return "/cs risk" })
	})
}

// benchRouter seeds st with a book of n synthetic accounts and returns a
// router of every command over it.
func benchRouter(b *testing.B, st *mongostore.Store, n int) *bot.Router {
	b.Helper()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := demo.SeedBulk(context.Background(), st, engine, n, now); err != nil {
		b.Fatal(err)
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine}); err != nil {
		b.Fatal(err)
	}
	return bot.NewRouter(reg, st, slog.New(slog.DiscardHandler))
}

// BenchmarkReplyLanguages renders the same replies in English and in
// Japanese over the small fixture: what the catalogues cost a reply on
// top of the store reads both languages share.
func BenchmarkReplyLanguages(b *testing.B) {
	f := withEvents(b, newFixture(b))
	ctx := context.Background()
	for _, tc := range []struct{ user, line string }{
		{"ops", "/cs kpi all"},
		{"hiro", "/cs team show tokyo"},
		{"aiko", "/cs team assign acme @ken"},
	} {
		for _, lang := range languages {
			r := lang.router(f)
			b.Run(tc.line[4:]+map[string]string{"": " en", ".ja": " ja"}[lang.suffix], func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r.Handle(ctx, "console", tc.user, tc.line)
				}
			})
		}
	}
}
