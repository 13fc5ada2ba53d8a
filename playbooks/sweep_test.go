package playbooks_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

type recorder struct {
	mu   sync.Mutex
	sent []string // "member: title"
	fail error
	// during, when set, runs inside each send.
	during func()
}

func (r *recorder) send(_ context.Context, to bot.Destination, reply bot.Reply) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.during != nil {
		r.during()
	}
	if r.fail != nil {
		return "test", r.fail
	}
	r.sent = append(r.sent, to.Member+": "+reply.Title)
	return "test", nil
}

// The sweep queues each reminder once however often it runs, delivery
// sends it once, respects the recipient's working hours, and retries a
// failed send.
func TestSweepQueuesAndDeliversOnce(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	// 2026-11-25 is a Wednesday; 23:30 UTC is 08:30 in Tokyo the next day.
	now := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := st.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo", Lead: "hiro"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", TZ: "Asia/Tokyo"},
		{ID: "hiro", Name: "Hiro", Roles: []store.Role{store.RoleLead}, Team: "tokyo", TZ: "America/New_York"},
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// High touch, last touched 10 days ago: the weekly check-in is due.
	acct := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko",
		Seats: 10, ActiveUsers: 9, LastTouch: now.AddDate(0, 0, -10)}
	if err := engine.Put(ctx, acct); err != nil {
		t.Fatal(err)
	}
	set, err := playbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := playbooks.Reminders(ctx, set, st, engine, now, "en")
	if err != nil {
		t.Fatal(err)
	}
	var checkIn *playbooks.Message
	for i, m := range msgs {
		if m.Playbook == "high-touch" && strings.Contains(m.Step, "check-in") {
			checkIn = &msgs[i]
		}
	}
	if checkIn == nil || checkIn.Recipient != "aiko" {
		t.Fatalf("no weekly check-in for aiko among %+v", msgs)
	}
	n, err := playbooks.Queue(ctx, st, msgs, now)
	if err != nil || n != len(msgs) {
		t.Fatalf("first queue: %d of %d, %v", n, len(msgs), err)
	}
	if n, err := playbooks.Queue(ctx, st, msgs, now); err != nil || n != 0 {
		t.Fatalf("re-run queued %d more (err %v), want 0", n, err)
	}

	rec := &recorder{fail: errors.New("slack down")}
	outcomes := map[string]int{}
	d := &playbooks.Delivery{Store: st, Send: rec.send, Owner: "replica-1", Log: slog.New(slog.DiscardHandler),
		Schedule: newSchedule(t, playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, time.UTC), Observe: func(kind, platform, outcome string) { outcomes[kind+"/"+platform+"/"+outcome]++ }}
	if sent, _ := d.Run(ctx, now); sent != 0 {
		t.Fatalf("sent %d while the sender fails", sent)
	}
	rec.fail = nil
	later := now.Add(3 * time.Minute) // past the first backoff (2 min)
	sent, err := d.Run(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	toAiko := 0
	for _, s := range rec.sent {
		if strings.HasPrefix(s, "aiko: ") {
			toAiko++
		}
	}
	// 08:33 in Tokyo is inside aiko's window.
	if sent == 0 || toAiko == 0 || sent != len(rec.sent) {
		t.Errorf("sent %d: %v", sent, rec.sent)
	}
	if again, err := d.Run(ctx, later.Add(time.Hour)); err != nil || again != 0 {
		t.Errorf("second delivery run sent %d (err %v), want 0", again, err)
	}
	if outcomes["reminder/test/sent"] != sent || outcomes["reminder/test/retry"] == 0 || outcomes["reminder/test/failed"] != 0 {
		t.Errorf("observed outcomes %v; want %d sent and some retries", outcomes, sent)
	}
}

// Outside the recipient's working hours a reminder waits in the outbox.
func TestDeliveryHoldsReminderOutsideHours(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if err := st.SaveMember(ctx, store.Member{ID: "aiko", Name: "Aiko", Roles: []store.Role{store.RoleCSM}, TZ: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	night := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC) // 23:00 in Tokyo
	msg := playbooks.Message{Recipient: "aiko", Playbook: "high-touch", Step: "weekly-check-in",
		Dues: []playbooks.Due{{Account: "acme", DueAt: night}}, Text: "Check in with Acme"}
	if _, err := playbooks.Queue(ctx, st, []playbooks.Message{msg}, night); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	d := &playbooks.Delivery{Store: st, Send: rec.send, Owner: "r1", Log: slog.New(slog.DiscardHandler), Schedule: newSchedule(t, playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, time.UTC)}
	if sent, _ := d.Run(ctx, night); sent != 0 {
		t.Errorf("sent %d at 23:00 local, want 0", sent)
	}
	morning := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC) // 08:00 in Tokyo
	if sent, err := d.Run(ctx, morning); err != nil || sent != 1 || rec.sent[0] != "aiko: Reminder: weekly check in" {
		t.Errorf("morning run: %d %v %v", sent, rec.sent, err)
	}
}

// BenchmarkReminderSweep runs the whole sweep over 10,000 accounts on the
// store (embedded FerretDB, unless MONGODB_URI is set): read the account
// index (the rows of the day stand for the accounts), find the due steps of
// the default playbooks, collate. Target: under 1 s.
func BenchmarkReminderSweep(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b)
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := demo.SeedBulk(ctx, st, engine, 10000, now); err != nil {
		b.Fatal(err)
	}
	set, err := playbooks.Load("")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := playbooks.Reminders(ctx, set, st, engine, now, "en")
		if err != nil || len(msgs) == 0 {
			b.Fatalf("%d messages, %v", len(msgs), err)
		}
	}
}

// A manual playbook applies only where it was started, counting from then.
func TestManualPlaybookAppliesOnceStarted(t *testing.T) {
	set, err := playbooks.Load("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a := store.Account{Slug: "acme", Name: "Acme", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko", LastTouch: now}
	as := health.DefaultConfig().Score(a, now)
	savePlan := func(a store.Account) []string {
		var steps []string
		for _, d := range set.DueSteps(a, health.Assessment{Result: as}, now, nil) {
			if d.Playbook == "save-plan" {
				steps = append(steps, d.Step+" "+store.Day(d.DueAt))
			}
		}
		return steps
	}
	if got := savePlan(a); len(got) != 0 {
		t.Errorf("save-plan due though never started: %v", got)
	}
	a.Playbooks = []store.ActivePlaybook{{Name: "save-plan", Started: now.AddDate(0, 0, -3), By: "hiro"}}
	got := savePlan(a)
	// Started on the 22nd: customer-call fell due on the 23rd (still in its
	// 7-day grace), lead-review today.
	if want := []string{"customer-call 2026-11-23", "lead-review 2026-11-25"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("save-plan steps = %v, want %v", got, want)
	}
}

// A reminder marked done is not sent, nor are its snoozed copies.
func TestDeliverySkipsRemindersMarkedDone(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	msg := playbooks.Message{Recipient: "aiko", Playbook: "high-touch", Step: "weekly-check-in",
		Dues: []playbooks.Due{{Account: "acme", DueAt: now}}, Text: "Check in with Acme"}
	if _, err := playbooks.Queue(ctx, st, []playbooks.Message{msg}, now); err != nil {
		t.Fatal(err)
	}
	id := store.OutboxID("reminder", "high-touch", "weekly-check-in", "acme", "aiko", now)
	if _, err := st.Enqueue(ctx, store.OutboxItem{ID: id + playbooks.SnoozedSuffix + "2026-11-25", Kind: "reminder", Recipient: "aiko", Payload: "{}", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Claim(ctx, playbooks.DoneClaim(id+playbooks.SnoozedSuffix+"2026-11-25"), now); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	outcomes := map[string]int{}
	d := &playbooks.Delivery{Store: st, Send: rec.send, Owner: "r1", Log: slog.New(slog.DiscardHandler),
		Observe: func(kind, platform, outcome string) { outcomes[platform+"/"+outcome]++ }}
	if sent, err := d.Run(ctx, now); err != nil || sent != 0 || len(rec.sent) != 0 || outcomes["none/skipped"] != 2 {
		t.Errorf("sent %d %v (err %v), outcomes %v; want both skipped", sent, rec.sent, err, outcomes)
	}
}

// Shutdown during a run: the send under way finishes and is marked sent,
// nothing more starts, and the rest goes out on the next run, once each.
func TestDeliveryDrainsOnShutdown(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var msgs []playbooks.Message
	for _, acct := range []string{"acme", "globex", "initech"} {
		msgs = append(msgs, playbooks.Message{Recipient: "aiko", Playbook: "high-touch", Step: "weekly-check-in",
			Dues: []playbooks.Due{{Account: acct, DueAt: now}}, Text: "Check in with " + acct})
	}
	if _, err := playbooks.Queue(ctx, st, msgs, now); err != nil {
		t.Fatal(err)
	}
	draining := make(chan struct{})
	rec := &recorder{}
	rec.during = func() { // SIGTERM arrives while the first message is being sent
		select {
		case <-draining:
		default:
			close(draining)
		}
	}
	d := &playbooks.Delivery{Store: st, Send: rec.send, Owner: "r1", Log: slog.New(slog.DiscardHandler), Draining: draining}
	if sent, err := d.Run(ctx, now); err != nil || sent != 1 {
		t.Fatalf("run during shutdown sent %d (err %v), want the one under way", sent, err)
	}
	restarted := &playbooks.Delivery{Store: st, Send: rec.send, Owner: "r2", Log: slog.New(slog.DiscardHandler)}
	if sent, err := restarted.Run(ctx, now.Add(time.Minute)); err != nil || sent != 2 {
		t.Fatalf("run after restart sent %d (err %v), want the other 2", sent, err)
	}
	if len(rec.sent) != 3 {
		t.Errorf("sent %v, want 3 messages once each", rec.sent)
	}
}
