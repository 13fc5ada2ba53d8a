package commands_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

// BenchmarkCommands10k runs commands through the router against 10,000
// accounts in the store (embedded FerretDB unless MONGODB_URI is set).
// Targets: health < 2 ms, accounts risk < 300 ms.
func BenchmarkCommands10k(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	st := storetest.Open(b)
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	members := []string{"aiko", "ken", "mai", "sho", "yui", "taro", "emi", "jun"}
	for i, id := range members {
		if err := st.SaveMember(ctx, store.Member{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], Roles: []store.Role{store.RoleCSM}, Team: fmt.Sprintf("team-%d", i%3)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.SaveMember(ctx, store.Member{ID: "ops", Name: "Ops", Roles: []store.Role{store.RoleAdmin}}); err != nil {
		b.Fatal(err)
	}
	accounts := make([]store.Account, n)
	for i := range accounts {
		h := store.History{}
		for d := store.HistoryDays; d >= 1; d-- {
			h = h.Record(day(-d), 40+(i+d)%55)
		}
		accounts[i] = store.Account{
			Slug: fmt.Sprintf("account-%05d", i), Name: fmt.Sprintf("Account %05d KK", i), Tier: store.Tiers[i%3],
			Region: []string{"Tokyo", "Osaka", "Nagoya", "Kyushu"}[i%4], ARR: int64(5000 + i*37), Renewal: day(i % 365),
			Phase: store.PhaseAdoption, Owner: members[i%len(members)], Seats: 50, ActiveUsers: i % 50,
			NPS: ptr(i % 11), NPSDate: day(-(i % 60)), OpenTickets: ptr(i % 7), LastTouch: day(-(i % 70)),
			Milestones: []store.Milestone{{Name: "Kickoff held", Due: day(-60), Done: ptr(day(-59))}, {Name: "Training done", Due: day(-20)}},
			History:    h,
		}
	}
	if err := st.PutAccounts(ctx, accounts); err != nil {
		b.Fatal(err)
	}
	if _, err := engine.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine}); err != nil {
		b.Fatal(err)
	}
	router := bot.NewRouter(reg, st, slog.New(slog.DiscardHandler))
	// run reports the median and p99 besides the mean (ns/op): the targets
	// are medians.
	run := func(b *testing.B, user string, line func(i int) string) {
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
		run(b, "aiko", func(i int) string { return fmt.Sprintf("/cs health account-%05d", (i*7919)%n) })
	})
	b.Run("accounts-risk", func(b *testing.B) {
		run(b, "ops", func(int) string { return "/cs accounts risk" })
	})
}
