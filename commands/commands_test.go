package commands_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

type fixture struct {
	st     *mongostore.Store
	router *bot.Router
	// japanese serves the same organisation in Japanese (CSBOT_LOCALE=ja)
	// with amounts in yen.
	japanese *bot.Router
}

func ptr[T any](v T) *T { return &v }

func day(offset int) time.Time { return now.AddDate(0, 0, offset).Truncate(24 * time.Hour) }

// newFixture builds a small organisation whose every figure is known.
func newFixture(t testing.TB) fixture {
	t.Helper()
	return newFixtureOn(t, storetest.Open(t))
}

// newFixtureOn seeds st with the fixture's organisation.
func newFixtureOn(t testing.TB, st *mongostore.Store) fixture {
	t.Helper()
	ctx := context.Background()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.SaveTeam(ctx, store.Team{ID: "tokyo", Name: "Tokyo", Lead: "hiro", Region: "Tokyo"}))
	for _, m := range []store.Member{
		{ID: "ops", Name: "Rin Ito", Roles: []store.Role{store.RoleOps, store.RoleAdmin}},
		{ID: "hiro", Name: "Hiro Yamada", Roles: []store.Role{store.RoleLead}, Team: "tokyo", TZ: "Asia/Tokyo"},
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "hiro", Region: "Tokyo", TZ: "Asia/Tokyo",
			Identities: map[string]string{"slack": "U0AIKO"}},
		{ID: "ken", Name: "Ken Sato", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "hiro"},
	} {
		must(st.SaveMember(ctx, m))
	}
	hist := store.History{}
	for i := 30; i >= 1; i-- {
		hist = hist.Record(day(-i), 90-i/2) // 75 thirty days ago, rising
	}
	falling := store.History{}
	for i := 30; i >= 1; i-- {
		falling = falling.Record(day(-i), 40+i) // 70 thirty days ago, falling
	}
	accounts := []store.Account{
		{Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Region: "Tokyo", ARR: 240000, Renewal: day(200), Phase: store.PhaseAdoption,
			PhaseStart: day(-300), Owner: "aiko", Seats: 100, ActiveUsers: 90, FeatureAdoption: ptr(0.8), NPS: ptr(9), NPSDate: day(-40),
			CSAT: ptr(4.5), OpenTickets: ptr(1), LastTouch: day(-3), History: hist},
		{Slug: "acme-labs", Name: "Acme Labs", Tier: store.TierLow, Region: "Osaka", ARR: 40000, Renewal: day(30), Phase: store.PhaseAdoption,
			Owner: "ken", Seats: 50, ActiveUsers: 10, NPS: ptr(4), NPSDate: day(-5), OpenTickets: ptr(6), LastTouch: day(-60), History: falling},
		{Slug: "initech", Name: "Initech", Tier: store.TierHigh, Region: "Tokyo", ARR: 180000, Renewal: day(60), Phase: store.PhaseOnboarding,
			PhaseStart: day(-40), Owner: "aiko", Seats: 20, ActiveUsers: 8, LastTouch: day(-10),
			Milestones: []store.Milestone{
				{Name: "Kickoff held", Due: day(-38), Done: ptr(day(-37))},
				{Name: "Admin configured", Due: day(-25), Done: ptr(day(-24))},
				{Name: "Data imported", Due: day(-10)},
				{Name: "First value reached", Due: day(10)},
			}},
		{Slug: "globex", Name: "Globex", Tier: store.TierTech, ARR: 6000, Phase: store.PhaseAdoption, Owner: "ken"},
	}
	for _, a := range accounts {
		must(engine.Put(ctx, a))
	}
	set, err := playbooks.Load("")
	must(err)
	reg := bot.NewRegistry()
	must(commands.Register(reg, commands.Deps{Store: st, Health: engine, Playbooks: set}))
	jaReg := bot.NewRegistry()
	must(commands.Register(jaReg, commands.Deps{Store: st, Health: engine, Playbooks: set, Currency: "JPY"}))
	return fixture{st: st, router: bot.NewRouter(reg, st, slog.New(slog.DiscardHandler)), japanese: japaneseRouter(jaReg, st)}
}

func (f fixture) run(user, line string) string {
	return console.Render(f.router.Handle(context.Background(), "console", user, line))
}

// japaneseRouter serves reg in Japanese, as CSBOT_LOCALE=ja does.
func japaneseRouter(reg *bot.Registry, st *mongostore.Store) *bot.Router {
	ja := bot.NewRouter(reg, st, slog.New(slog.DiscardHandler))
	ja.SetLocale("ja")
	return ja
}

// step is one command of a conversation.
type step struct{ user, line string }

// transcript runs the steps in order and renders each reply under the
// command that asked for it, for a golden file of the conversation.
func transcript(ctx context.Context, r *bot.Router, steps []step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "> %s: %s\n%s\n\n", s.user, s.line, console.Render(r.Handle(ctx, "console", s.user, s.line)))
	}
	return b.String()
}

// Golden files pin what people read, in English (name.golden) and as a
// member answered in Japanese reads them (name.ja.golden); run
// `go test ./commands -update` after an intended change and review the diff.
func TestGoldenReplies(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, user, line string }{
		{"help", "aiko", "/cs help"},
		{"help-health", "aiko", "/cs help health"},
		{"help-unknown", "aiko", "/cs help onbording"},
		{"unknown-command", "aiko", "/cs helth acme"},
		{"health", "aiko", "/cs health acme"},
		{"health-by-name", "aiko", "/cs health Acme Labs"},
		{"health-no-data", "aiko", "/cs health globex"},
		{"lookup-none", "aiko", "/cs audit acmr"},
		{"lookup-many", "aiko", "/cs health acm"},
		{"onboarding", "aiko", "/cs onboarding initech"},
		{"accounts-mine", "aiko", "/cs accounts"},
		{"accounts-risk-all", "ops", "/cs accounts all risk"},
		{"risk-team", "hiro", "/cs risk"},
		{"whoami", "aiko", "/cs whoami"},
		{"team", "aiko", "/cs team"},
		{"team-show", "aiko", "/cs team show tokyo"},
		{"help-team", "ops", "/cs help team"},
		{"help-checklist", "ops", "/cs help checklist"},
		{"help-kpi", "ops", "/cs help kpi"},
		{"help-channel", "ops", "/cs help channel"},
		{"help-audit", "ops", "/cs help audit"},
		{"playbook-list", "aiko", "/cs playbook list"},
		{"playbook-status", "aiko", "/cs playbook status initech"},
		{"status", "ops", "/cs status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertGolden(t, tc.name, tc.line, f.run(tc.user, tc.line)+"\n")
			got := console.Render(f.japanese.Handle(context.Background(), "console", tc.user, tc.line))
			assertGolden(t, tc.name+".ja", tc.line, got+"\n")
		})
	}
}

// Every reply of /cs team, its changes and its refusals, in both languages.
func TestTeamConversationGolden(t *testing.T) {
	steps := []step{
		{"ops", "/cs team set osaka name:Osaka lead:@hiro region:Osaka"},
		{"ops", "/cs team member eve name:\"Eve Mori\" roles:csm,mentor team:osaka tz:Asia/Tokyo slack:U0EVE"},
		{"ops", "/cs team assign acme @eve"},
		{"ops", "/cs team set osaka segment:Enterprise"},
		{"hiro", "/cs team member yuki name:\"Yuki Abe\" roles:newhire"},
		{"aiko", "/cs team assign initech @ken"},
		{"ken", "/cs team member eve roles:csm"},
		{"hiro", "/cs team member aiko team:"},
		{"hiro", "/cs team member ops slack:U0HIROALT"},
		{"hiro", "/cs team member hiro roles:lead,admin"},
		{"hiro", "/cs team set paris name:Paris"},
		{"hiro", "/cs team set osaka region:Kansai"},
		{"hiro", "/cs team assign initech @ops"},
		{"ops", "/cs team member aiko tz:Mars/Olympus"},
		{"ops", "/cs team member eve roles:csm,boss"},
		{"ops", "/cs team member ken slack:U0AIKO"},
		{"ops", "/cs team member aiko slack:"},
		{"ops", "/cs team member ken slack:U0AIKO"},
		{"ops", "/cs team member aiko team:paris"},
		{"ops", "/cs team member zed roles:csm"},
		{"ops", "/cs team set kyoto"},
		{"ops", "/cs team assign acme @nobody"},
		{"ops", "/cs team show paris"},
	}
	for _, lang := range languages {
		t.Run("lang"+lang.suffix, func(t *testing.T) {
			f := newFixture(t)
			assertGolden(t, "team-conversation"+lang.suffix, "the team conversation", transcript(context.Background(), lang.router(f), steps))
		})
	}
}

// assertGolden compares a reply with testdata/<name>.golden, rewriting the
// file under -update.
func assertGolden(t *testing.T, name, line, got string) {
	t.Helper()
	if !golden.Assert(t, name+".golden", []byte(got)) {
		t.Logf("the reply to %s", line)
	}
}

// Bad input gets a clear answer and changes nothing.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name, user, line string
		want             []string
	}{
		{"unknown subcommand", "aiko", "/cs helth acme", []string{"There is no command `helth`", "Did you mean `health`?", "/cs health <account> [why|chart] [share]"}},
		{"missing argument", "aiko", "/cs health", []string{"Which account?", "Usage  /cs health <account> [why|chart] [share]"}},
		{"unknown account", "aiko", "/cs health acmr", []string{"No account matches 'acmr'.", "Did you mean Acme Corp"}},
		{"ambiguous account", "aiko", "/cs health acm", []string{"'acm' matches 2 accounts: Acme Corp (acme), Acme Labs (acme-labs)"}},
		{"too long", "aiko", "/cs note acme " + strings.Repeat("x", 5000), []string{"csbot reads at most 4 KiB"}},
		{"note without text", "aiko", "/cs note acme", []string{"`text` is missing.", "Usage  /cs note <account> <text>"}},
		{"note unknown account", "aiko", "/cs note nobody call went well", []string{"No account matches 'nobody'."}},
		{"unregistered user", "stranger", "/cs health acme", []string{"You are not registered with csbot"}},
		{"non-admin changes owner", "aiko", "/cs team assign acme @ken", []string{"Refused by access rule `csm: assign = nothing`: you may change no account's owner. Ask your lead @hiro."}},
		{"non-admin adds member", "ken", "/cs team member eve name:Eve roles:admin", []string{"Refused by access rule `csm: team = nothing`"}},
		{"bad role", "ops", "/cs team member eve name:Eve roles:boss", []string{`unknown role "boss"`}},
		{"member name too long", "ops", "/cs team member eve roles:csm name:" + strings.Repeat("名", 201), []string{"Nothing was saved: name is 201 characters, more than the limit of 200"}},
		{"new member without name", "ops", "/cs team member eve roles:csm", []string{"@eve is new: give at least name"}},
		{"unknown member option", "ops", "/cs team member aiko colour:blue", []string{"'colour:blue' is not a setting here"}},
		{"bad time zone", "ops", "/cs team member aiko tz:Mars/Olympus", []string{"'Mars/Olympus' is not a time zone"}},
		{"unknown team", "ops", "/cs team member aiko team:paris", []string{"There is no team 'paris'"}},
		{"assign to stranger", "ops", "/cs team assign acme @nobody", []string{"No team member is called @nobody"}},
		{"identity taken", "ops", "/cs team member ken slack:U0AIKO", []string{"already linked", "belongs to aiko"}},
		{"lead grants admin", "hiro", "/cs team member hiro roles:lead,admin", []string{"Only admins can give the exec, admin or ops role."}},
		{"lead relinks the admin", "hiro", "/cs team member ops slack:U0HIROALT", []string{"Only admins can change @ops"}},
		{"lead moves a member out", "hiro", "/cs team member aiko team:", []string{"Refused by access rule `lead: team = team`: @aiko would be in no team."}},
		{"lead creates a team", "hiro", "/cs team set paris name:Paris", []string{"creating teams and naming leads is for admins"}},
		{"lead assigns outside the team", "hiro", "/cs team assign acme @ops", []string{"Refused by access rule `lead: assign = team`: @ops (in no team). Ask a csbot admin."}},
		{"bad accounts filter", "aiko", "/cs accounts tier:gold", []string{"`tier` must be one of high, low, tech.", "Usage  /cs accounts [mine|team|all] [@owner] [tier:high|low|tech]"}},
		{"unknown scope", "aiko", "/cs risk everyone", []string{"`scope` must be one of mine, team, all.", "Usage  /cs risk [mine|team|all]"}},
		{"unknown user filter", "aiko", "/cs accounts @nobody", []string{"No team member is called @nobody"}},
		{"status for a CSM", "aiko", "/cs status", []string{"`/cs status` is for admins and CS ops."}},
		{"playbook without a verb", "aiko", "/cs playbook", []string{"Say `list`, `status <account> [share]`, `start <playbook> <account>` or `stop <playbook> <account>`.", "Usage  /cs playbook list | status <account> [share] | start <playbook> <account>"}},
		{"start unknown playbook", "aiko", "/cs playbook start rescue acme", []string{"There is no playbook 'rescue'."}},
		{"stop a playbook never started", "aiko", "/cs playbook stop save-plan acme", []string{"save-plan was not started for Acme Corp."}},
		{"playbook status unknown account", "aiko", "/cs playbook status nope", []string{"No account matches 'nope'."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertRefused(t, newFixture(t), tc.user, tc.line, tc.want)
		})
	}
}

// assertRefused runs a command that must be refused: the reply is an
// error containing every want, and the store is left as it was.
func assertRefused(t *testing.T, f fixture, user, line string, want []string) {
	t.Helper()
	before := snapshot(t, f.st)
	r := f.router.Handle(context.Background(), "console", user, line)
	got := console.Render(r)
	if !r.Error {
		t.Errorf("reply not marked as an error:\n%s", got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q:\n%s", w, got)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, f.st)); diff != "" {
		t.Errorf("refused command changed the store (-before +after):\n%s", diff)
	}
}

// snapshot captures what commands may change.
func snapshot(t testing.TB, st *mongostore.Store) map[string]any {
	t.Helper()
	ctx := context.Background()
	rows, err := st.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	members, err := st.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	assignments, err := st.Assignments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"members": members, "assignments": assignments}
	for _, r := range rows {
		a, err := st.Account(ctx, r.Slug)
		if err != nil {
			t.Fatal(err)
		}
		out["row/"+r.Slug] = r
		out["account/"+r.Slug] = a
	}
	return out
}

func TestNoteLogsTouchAndRescores(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	got := f.run("ken", "/cs note acme-labs call with the CTO, they want SSO")
	if !strings.Contains(got, "Logged a call on Acme Labs.") {
		t.Fatalf("reply:\n%s", got)
	}
	a, err := f.st.Account(ctx, "acme-labs")
	if err != nil {
		t.Fatal(err)
	}
	if !a.LastTouch.Equal(now) {
		t.Errorf("last touch = %v, want %v", a.LastTouch, now)
	}
	rows, err := f.st.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Slug != "acme-labs" {
			continue
		}
		for _, k := range r.Risks {
			if k.Rule == health.RuleNoTouch {
				t.Errorf("no-touch risk still listed after a touch: %+v", r.Risks)
			}
		}
	}
}

func TestAdminCommandsChangeData(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	steps := []struct{ user, line, want string }{
		{"ops", "/cs team set osaka name:Osaka lead:@hiro region:Osaka", "Team created."},
		{"ops", "/cs team member eve name:\"Eve Mori\" roles:csm,mentor team:osaka tz:Asia/Tokyo slack:U0EVE", "Member added."},
		{"ops", "/cs team assign acme @eve", "Acme Corp now belongs to @eve (was @aiko)."},
		{"hiro", "/cs team member yuki name:\"Yuki Abe\" roles:newhire", "Member added."},
		{"hiro", "/cs team assign initech @ken", "Initech now belongs to @ken (was @aiko)."},
	}
	for _, s := range steps {
		if got := f.run(s.user, s.line); !strings.Contains(got, s.want) {
			t.Fatalf("%s:\n%s\nwant %q", s.line, got, s.want)
		}
	}
	eve, err := f.st.MemberByIdentity(ctx, "slack", "U0EVE")
	if err != nil || eve.Name != "Eve Mori" || !eve.Has(store.RoleMentor) || eve.Team != "osaka" {
		t.Fatalf("eve = %+v, %v", eve, err)
	}
	if yuki, err := f.st.Member(ctx, "yuki"); err != nil || yuki.Team != "tokyo" {
		t.Errorf("a lead's new member = %+v, %v; want team tokyo", yuki, err)
	}
	rows, err := f.st.AccountRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Slug == "acme" && (r.Owner != "eve" || r.Team != "osaka") {
			t.Errorf("acme row after reassign: owner %q team %q, want eve/osaka", r.Owner, r.Team)
		}
	}
	if got := f.run("eve", "/cs accounts"); !strings.Contains(got, "Acme Corp (acme)") {
		t.Errorf("eve's book lacks acme:\n%s", got)
	}
}

func TestPanickingCommandIsContained(t *testing.T) {
	f := newFixture(t)
	reg := bot.NewRegistry()
	if err := reg.Register(bot.Command{Name: "boom", Handler: func(context.Context, *bot.Request) (bot.Reply, error) { panic("kaboom") }}); err != nil {
		t.Fatal(err)
	}
	r := bot.NewRouter(reg, f.st, slog.New(slog.DiscardHandler)).Handle(context.Background(), "console", "aiko", "/cs boom")
	if !r.Error || !strings.Contains(r.Text, "Something went wrong running `/cs boom`") {
		t.Errorf("reply = %+v", r)
	}
}

// A message that failed for good is listed by /cs status.
func TestStatusListsFailedDeliveries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := store.OutboxID("reminder", "high-touch", "weekly-check-in", "acme", "aiko", now)
	if _, err := f.st.Enqueue(ctx, store.OutboxItem{ID: id, Kind: "reminder", Recipient: "aiko", Payload: "{}", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, won, err := f.st.ClaimForSend(ctx, id, "r1", now, time.Minute); err != nil || !won {
		t.Fatalf("claim: %v %v", won, err)
	}
	if final, err := f.st.MarkFailed(ctx, id, "r1", now, errors.New("channel_not_found"), 1, func(int) time.Duration { return time.Minute }); err != nil || !final {
		t.Fatalf("mark failed: %v %v", final, err)
	}
	got := f.run("ops", "/cs status")
	for _, want := range []string{"1 message failed for good", id + " to @aiko, 1 try", "channel_not_found"} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
}

// The Done and Snooze buttons of a reminder run these commands.
func TestReminderDoneAndSnooze(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := store.OutboxID("reminder", "high-touch", "weekly-check-in", "acme", "aiko", now)
	if _, err := f.st.Enqueue(ctx, store.OutboxItem{ID: id, Kind: "reminder", Playbook: "high-touch", Step: "weekly-check-in",
		Account: "acme", Recipient: "aiko", Payload: "{}", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ user, line, want string }{
		{"ken", "/cs reminder done " + id, "Refused by access rule `csm: reminder = own book`: that reminder is @aiko's (team tokyo). Ask @aiko or your lead @hiro."},
		{"aiko", "/cs reminder done nope", "There is no reminder nope."},
		{"aiko", "/cs reminder snooze 2d " + id, "`for` must be one of 1d, 1w."},
		{"aiko", "/cs reminder done " + id, "Marked weekly check in for Acme Corp done and logged it on the timeline."},
		{"aiko", "/cs reminder done " + id, "The weekly check in reminder was marked done before."},
		{"aiko", "/cs reminder snooze 1w " + id, "I will remind you again after 2026-12-02 10:00 UTC."},
		{"aiko", "/cs reminder snooze 1d " + id, "You snoozed this reminder today already."},
	}
	for _, s := range steps {
		if got := f.run(s.user, s.line); !strings.Contains(got, s.want) {
			t.Errorf("%s %s:\n%s\nwant %q", s.user, s.line, got, s.want)
		}
	}
	a, err := f.st.Account(ctx, "acme")
	if err != nil || !a.LastTouch.Equal(now) {
		t.Errorf("Done did not log a touch: last touch %v, %v", a.LastTouch, err)
	}
	again, err := f.st.Outbox(ctx, id+"/snoozed-2026-11-25")
	if err != nil || !again.NextTry.Equal(now.Add(7*24*time.Hour)) || again.Status != store.StatusPending {
		t.Errorf("snoozed copy = %+v, %v", again, err)
	}
}

func TestPlaybookStartAndStop(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	got := f.run("hiro", "/cs playbook start save-plan acme-labs")
	for _, want := range []string{"Playbook started", "save-plan runs for Acme Labs from today.", "save-plan: started 2026-11-25 by @hiro", "save-plan / customer-call: 2026-11-26, to owner"} {
		if !strings.Contains(got, want) {
			t.Errorf("start reply lacks %q:\n%s", want, got)
		}
	}
	if got := f.run("ken", "/cs playbook start save-plan acme-labs"); !strings.Contains(got, "save-plan has run for Acme Labs since 2026-11-25.") {
		t.Errorf("second start:\n%s", got)
	}
	a, err := f.st.Account(ctx, "acme-labs")
	if since, ok := a.Started("save-plan"); err != nil || !ok || !since.Equal(now) {
		t.Errorf("stored playbooks = %+v, %v", a.Playbooks, err)
	}
	if got := f.run("hiro", "/cs playbook stop save-plan acme-labs"); !strings.Contains(got, "save-plan no longer runs for Acme Labs.") {
		t.Errorf("stop:\n%s", got)
	}
	if a, _ := f.st.Account(ctx, "acme-labs"); len(a.Playbooks) != 0 {
		t.Errorf("playbooks after stop = %+v", a.Playbooks)
	}
}

// Every command's help has Japanese for every text the grammar holds in
// English (summary, help, subcommand summaries, argument texts), so
// /cs help <command> never mixes languages, also when a command is added.
func TestTranslatedHelpIsWhole(t *testing.T) {
	f := newFixture(t)
	ja := i18n.For("ja")
	for _, c := range f.router.Registry().Commands() {
		for key, english := range grammarTexts(c) {
			if _, ok := ja.Lookup(i18n.Grammar+key, nil); !ok {
				t.Errorf("no %s%s in the Japanese catalogues (English: %q)", i18n.Grammar, key, english)
			}
		}
	}
}

// grammarTexts are the English texts of a command's grammar by their
// catalogue key (without the grammar prefix).
func grammarTexts(c bot.Command) map[string]string {
	texts := map[string]string{c.Name + ".summary": c.Summary}
	if c.Help != "" {
		texts[c.Name+".help"] = c.Help
	}
	args := c.Args
	for _, s := range c.Subcommands {
		texts[c.Name+"."+s.Name+".summary"] = s.Summary
		args = append(args, s.Args...)
	}
	for _, a := range args {
		if a.Help != "" {
			texts[c.Name+".arg."+a.Name] = a.Help
		}
	}
	return texts
}

// A note's kind is the word it starts with, English or Japanese, in any
// width; a word that only begins like a kind is a plain note.
func TestTouchKind(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"call with the CTO, they want SSO", "call"},
		{"Call: renewal", "call"},
		{"QBR done", "qbr"},
		{"demonstrated the new export", "note"},
		{"電話：更新の相談", "call"},
		{"Call\nDiscussed the renewal", "call"}, // a multi-line note from Slack
		{"電話\t更新の相談", "call"},
		{"電話 更新の相談", "call"},
		{"電話　更新の相談", "call"},
		{"打ち合わせ、来期の計画", "meeting"},
		{"ＱＢＲ　完了", "qbr"},
		{"訪問", "visit"},
		{"電話がつながらなかった", "note"},
		{"先方から連絡", "note"},
	} {
		if got := commands.TouchKind(tc.text); got != tc.want {
			t.Errorf("touchKind(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// A Japanese member logs a call in Japanese and reads the answer so.
func TestNoteInJapanese(t *testing.T) {
	f := newFixture(t)
	got := console.Render(f.japanese.Handle(context.Background(), "console", "ken", "/cs note acme-labs 電話：CTOとSSOの件"))
	if !strings.Contains(got, "電話") || strings.Contains(got, "メモ") {
		t.Errorf("reply:\n%s", got)
	}
}
