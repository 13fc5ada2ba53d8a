package commands_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// checklistFixture is newFixture plus two new hires, a mentor, the default
// checklist templates and a clock the test sets.
type checklistFixture struct {
	fixture
	clock *time.Time
}

func newChecklistFixture(t testing.TB) checklistFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	for _, m := range []store.Member{
		{ID: "mei", Name: "Mei Kato", Roles: []store.Role{store.RoleCSM, store.RoleMentor}, Team: "tokyo", Lead: "hiro", TZ: "Asia/Tokyo"},
		{ID: "yuki", Name: "Yuki Abe", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", Lead: "hiro", TZ: "Asia/Tokyo"},
		{ID: "sora", Name: "Sora Mori", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", Lead: "hiro", TZ: "Asia/Tokyo"},
	} {
		if err := f.st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	clock := now
	engine := health.NewEngine(f.st, health.DefaultConfig(), func() time.Time { return clock })
	set, err := checklists.Load("")
	if err != nil {
		t.Fatal(err)
	}
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: f.st, Health: engine, Checklists: set}); err != nil {
		t.Fatal(err)
	}
	f.router = bot.NewRouter(reg, f.st, slog.New(slog.DiscardHandler))
	f.japanese = japaneseRouter(reg, f.st)
	return checklistFixture{fixture: f, clock: &clock}
}

// at runs a command at a given time.
func (f checklistFixture) at(t time.Time, user, line string) string {
	*f.clock = t
	return f.run(user, line)
}

// setUpYuki gives yuki the CSM checklist from 2026-11-02 with mei as mentor,
// and some progress, all at fixed times before now.
func (f checklistFixture) setUpYuki(t testing.TB) {
	t.Helper()
	steps := []struct {
		at         time.Time
		user, line string
	}{
		{time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "hiro", "/cs checklist assign @yuki csm-30-60-90 mentor @mei start 2026-11-02"},
		{time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), "yuki", "/cs checklist done crm"},
		{time.Date(2026, 11, 5, 5, 0, 0, 0, time.UTC), "yuki", "/cs checklist done 1 https://learn.example.com/certificates/yuki"},
		{time.Date(2026, 11, 19, 5, 0, 0, 0, time.UTC), "yuki", "/cs checklist done shadow notes: https://wiki.example.com/yuki/shadowing"},
		{time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC), "mei", "/cs checklist verify @yuki shadow"},
		{time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC), "hiro", "/cs checklist assign @sora ops-onboarding mentor @mei start 2026-11-16"},
	}
	for _, s := range steps {
		if got := f.at(s.at, s.user, s.line); strings.Contains(got, "⚠") || strings.Contains(strings.ToLower(got), "error") {
			t.Fatalf("%s: %s", s.line, got)
		}
	}
	*f.clock = now
}

func TestChecklistGolden(t *testing.T) {
	f := newChecklistFixture(t)
	f.setUpYuki(t)
	tests := []goldenLine{
		{"checklist-mine", "yuki", "/cs checklist mine"},
		{"checklist-status", "mei", "/cs checklist status @yuki"},
		{"checklist-team", "mei", "/cs checklist team"},
		{"checklist-team-lead", "hiro", "/cs checklist team"},
		{"checklist-templates", "yuki", "/cs checklist templates"},
	}
	goldenReplies(t, f.fixture, tests)
}

// A refusal by a checklist's rule names who can do it for that new hire,
// their mentor and their lead, not the asker's own lead; a new hire's items
// are ticked by the new hire alone.
func TestChecklistRefusalsAskTheHiresPeople(t *testing.T) {
	f := newChecklistFixture(t)
	f.setUpYuki(t)
	ctx := context.Background()
	if err := f.st.SaveTeam(ctx, store.Team{ID: "osaka", Name: "Osaka", Lead: "oda"}); err != nil {
		t.Fatal(err)
	}
	// opal's role (CS ops) lets the access table through to the
	// checklist's own rules; eve's (a CSM) does not.
	for _, m := range []store.Member{
		{ID: "oda", Name: "Oda Nobu", Roles: []store.Role{store.RoleLead}, Team: "osaka"},
		{ID: "opal", Name: "Opal Ito", Roles: []store.Role{store.RoleOps}, Team: "osaka"},
		{ID: "eve", Name: "Eve Mori", Roles: []store.Role{store.RoleCSM, store.RoleMentor}, Team: "osaka"},
	} {
		if err := f.st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ user, line, want string }{
		{"opal", "/cs checklist verify @yuki 1", "sign off their items. Ask @mei or @hiro."},
		{"eve", "/cs checklist verify @yuki 1", "@yuki (team tokyo). Ask @hiro."}, // the table refuses: yuki's lead can
		{"opal", "/cs checklist status @yuki", "can see their checklist. Ask @yuki or @hiro."},
		{"eve", "/cs checklist assign @yuki csm-30-60-90", "can change the checklist. Ask @mei or @hiro."},
		{"mei", "/cs checklist done @yuki 1", "not @yuki's. Ask @yuki."},
		{"mei", "/cs checklist done @nobody 1", "No team member is called @nobody."},
	} {
		got := f.run(tc.user, tc.line)
		if !strings.Contains(got, tc.want) || strings.Contains(got, "oda") {
			t.Errorf("%s: %s\n%s\nwant it to say %q, and not to send %s to their own lead", tc.user, tc.line, got, tc.want, tc.user)
		}
	}
}

// Every kind of checklist reply, its confirmations and its refusals, in
// both languages.
func TestChecklistConversationGolden(t *testing.T) {
	steps := []step{
		{"hiro", "/cs checklist assign @yuki csm-30-60-90 mentor @mei start 2026-11-02"},
		{"ops", "/cs team member aiko roles:csm,mentor"},
		{"ops", "/cs checklist assign @yuki csm-30-60-90 mentor:@aiko"},
		{"yuki", "/cs checklist done crm"},
		{"yuki", "/cs checklist done read"},
		{"yuki", "/cs checklist done health"},
		{"aiko", "/cs checklist verify @yuki health"},
		{"aiko", "/cs checklist verify @yuki health"},
		{"yuki", "/cs checklist help own"},
		{"yuki", "/cs checklist help own"},
		{"mei", "/cs checklist assign @sora csm-30-60-90"},
		{"yuki", "/cs checklist assign @sora csm-30-60-90"},
		{"mei", "/cs checklist assign @sora csm-30-60-90 mentor @hiro"},
		{"hiro", "/cs checklist assign @sora csm-30-60-90 mentor @sora"},
		{"hiro", "/cs checklist assign @sora csm-30-60-90 mentor @ken"},
		{"hiro", "/cs checklist assign @sora csm-90"},
		{"hiro", "/cs checklist assign @nobody csm-30-60-90"},
		{"yuki", "/cs checklist done shadow ."},
		{"yuki", "/cs checklist done @sora 1"},
		{"yuki", "/cs checklist done r"},
		{"yuki", "/cs checklist done qbrr"},
		{"yuki", "/cs checklist help 11"},
		{"yuki", "/cs checklist verify @yuki 1"},
		{"aiko", "/cs checklist verify @sora 1"},
		{"hiro", "/cs checklist verify @yuki own"},
		{"ken", "/cs checklist status @yuki"},
		{"ken", "/cs checklist team"},
		{"ken", "/cs checklist mine"},
		{"ken", "/cs checklist help 1"},
	}
	for _, lang := range languages {
		t.Run("lang"+lang.suffix, func(t *testing.T) {
			f := newChecklistFixture(t)
			f.setUpYuki(t)
			assertGolden(t, "checklist-conversation"+lang.suffix, "the checklist conversation", transcript(context.Background(), lang.router(f.fixture), steps))
		})
	}
}

// A call for help reaches the mentor in the mentor's language, else in
// the asker's.
func TestChecklistHelpInHelpersLanguage(t *testing.T) {
	f := newChecklistFixture(t)
	f.setUpYuki(t)
	ctx := context.Background()
	payload := func(step string) string {
		t.Helper()
		it, err := f.st.Outbox(ctx, store.OutboxID("checklist-help", "csm-30-60-90", step, "yuki", "mei", now))
		if err != nil {
			t.Fatal(err)
		}
		var r bot.Reply
		if err := json.Unmarshal([]byte(it.Payload), &r); err != nil {
			t.Fatal(err)
		}
		return r.Title + "\n" + r.Text
	}
	if r := f.japanese.Handle(ctx, "console", "yuki", "/cs checklist help own"); r.Error {
		t.Fatal(r.Text)
	}
	if got, want := payload("own-book"), "Yuki Abe (@yuki) さんからの相談\n@yuki さんがチェックリストの項目 7. own-book"; !strings.HasPrefix(got, want) {
		t.Errorf("to a mentor without a locale:\n%s\nwant the asker's Japanese: %s", got, want)
	}
	if got := f.run("ops", "/cs team member mei locale:en-GB"); !strings.Contains(got, "Member updated.") {
		t.Fatal(got)
	}
	if r := f.japanese.Handle(ctx, "console", "yuki", "/cs checklist help renewal"); r.Error {
		t.Fatal(r.Text)
	}
	if got, want := payload("renewal-plan"), "Yuki Abe (@yuki) asks for help\n@yuki needs help with checklist item 8. renewal-plan"; !strings.HasPrefix(got, want) {
		t.Errorf("to a mentor reading English:\n%s\nwant %s", got, want)
	}
}

// Refused checklist commands say why and change nothing.
func TestChecklistRefusals(t *testing.T) {
	tests := []struct {
		name, user, line string
		want             []string
	}{
		{"new hire assigns", "yuki", "/cs checklist assign @sora csm-30-60-90", []string{"Only mentors, leads and admins can assign checklists."}},
		{"CSM assigns", "aiko", "/cs checklist assign @sora csm-30-60-90", []string{"Only mentors, leads and admins"}},
		{"mentor names another mentor", "mei", "/cs checklist assign @sora csm-30-60-90 mentor @hiro", []string{"Mentors can name only themselves as mentor"}},
		{"evidence too thin", "yuki", "/cs checklist done shadow .", []string{"needs evidence"}},
		{"tick someone else's item", "yuki", "/cs checklist done @sora 1", []string{"You can only tick your own checklist items, not @sora's."}},
		{"verify own item", "yuki", "/cs checklist verify @yuki 1", []string{"You cannot sign off your own checklist items"}},
		{"new hire verifies another", "sora", "/cs checklist verify @yuki crm", []string{"Refused by access rule `newhire: checklist = own book`: @yuki (team tokyo)."}},
		{"CSM verifies", "aiko", "/cs checklist verify @yuki crm", []string{"Refused by access rule `csm: checklist = own book`: @yuki (team tokyo). Ask your lead @hiro."}},
		{"verify an open item", "mei", "/cs checklist verify @yuki health", []string{"@yuki has not marked health-score done yet."}},
		{"CSM reads a checklist", "aiko", "/cs checklist status @yuki", []string{"Only @yuki, their mentor, their lead and admins can see their checklist."}},
		{"new hire reads another's", "sora", "/cs checklist status @yuki", []string{"Only @yuki, their mentor"}},
		{"team for a CSM", "aiko", "/cs checklist team", []string{"`/cs checklist team` is for mentors and leads."}},
		{"team for a new hire", "yuki", "/cs checklist team", []string{"for mentors and leads"}},
		{"ambiguous item", "yuki", "/cs checklist done r", []string{"'r' matches 4 items: 3 read-playbooks, 6 supervised-check-in, 8 renewal-plan, 10 retro"}},
		{"unknown item", "yuki", "/cs checklist done qbrr", []string{"No item of csm-30-60-90 matches 'qbrr'"}},
		{"item number out of range", "yuki", "/cs checklist done 11", []string{"There is no item 11: csm-30-60-90 has items 1 to 10"}},
		{"evidence missing", "yuki", "/cs checklist done supervised", []string{"supervised-check-in needs evidence: add a link or a note"}},
		{"unknown template", "hiro", "/cs checklist assign @sora csm-90", []string{"There is no checklist template 'csm-90'. Templates: csm-30-60-90, ops-onboarding."}},
		{"bad start", "hiro", "/cs checklist assign @sora csm-30-60-90 start 2026-13-01", []string{"'2026-13-01' is not a date"}},
		{"unknown option", "hiro", "/cs checklist assign @sora csm-30-60-90 buddy @mei", []string{"I do not understand 'buddy'.", "Usage  /cs checklist assign @new-hire <template> [mentor @id] [start YYYY-MM-DD]"}},
		{"unknown new hire", "hiro", "/cs checklist assign @nobody csm-30-60-90", []string{"No team member is called @nobody."}},
		{"self-mentoring", "hiro", "/cs checklist assign @sora csm-30-60-90 mentor @sora", []string{"@sora cannot mentor themselves."}},
		{"no checklist", "aiko", "/cs checklist mine", []string{"You have no checklist."}},
		{"help without a checklist", "aiko", "/cs checklist help 1", []string{"You have no checklist."}},
		{"no subcommand", "yuki", "/cs checklist", []string{"Say `mine`", "Usage  /cs checklist"}},
		{"unknown subcommand", "yuki", "/cs checklist tick 1", []string{"There is no `checklist tick`."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newChecklistFixture(t)
			f.setUpYuki(t)
			assertRefused(t, f.fixture, tc.user, tc.line, tc.want)
		})
	}
}

func TestChecklistWithoutTemplates(t *testing.T) {
	f := newFixture(t)
	if got := f.run("hiro", "/cs checklist team"); !strings.Contains(got, "No checklist templates are loaded") {
		t.Errorf("reply:\n%s", got)
	}
}

// Assigning again keeps progress; done, verify and help are recorded in
// the audit trail; help reaches the mentor through the outbox once a day.
func TestChecklistFlow(t *testing.T) {
	f := newChecklistFixture(t)
	f.setUpYuki(t)
	ctx := context.Background()
	steps := []struct {
		user, line, want string
	}{
		{"hiro", "/cs checklist assign @yuki csm-30-60-90 mentor @mei start 2026-11-02", "@yuki already has csm-30-60-90 with these settings; nothing changed."},
		{"ops", "/cs checklist assign @yuki csm-30-60-90 mentor:@aiko", "@aiko is not a mentor"},
		{"ops", "/cs team member aiko roles:csm,mentor", "Member updated."},
		{"ops", "/cs checklist assign @yuki csm-30-60-90 mentor:@aiko", "Updated csm-30-60-90 for @yuki (mentor @aiko); progress is kept."},
		{"yuki", "/cs checklist mine", "30% (3 of 10)"},
		{"yuki", "/cs checklist done crm", "You marked crm-setup done on 2026-11-02."},
		{"yuki", "/cs checklist done read", "Marked read-playbooks done."},
		{"yuki", "/cs checklist done health", "Marked health-score done. It counts once @aiko signs it off."},
		{"aiko", "/cs checklist verify @yuki health", "Signed off health-score for @yuki."},
		{"aiko", "/cs checklist verify @yuki health", "@aiko signed health-score off on 2026-11-25."},
		{"hiro", "/cs checklist verify @yuki read", "Signed off read-playbooks for @yuki."},
		{"yuki", "/cs checklist help own", "I told @aiko you need help with own-book."},
		{"yuki", "/cs checklist help own", "You asked @aiko about own-book today already"},
		{"mei", "/cs checklist assign @sora csm-30-60-90", "Assigned csm-30-60-90 to @sora: 10 items over 12 weeks."},
	}
	for _, s := range steps {
		if got := f.run(s.user, s.line); !strings.Contains(got, s.want) {
			t.Errorf("%s %s:\n%s\nwant %q", s.user, s.line, got, s.want)
		}
	}
	a, err := f.st.Assignment(ctx, "yuki")
	if err != nil {
		t.Fatal(err)
	}
	var audit []string
	for _, e := range a.Audit {
		audit = append(audit, e.At.Format("01-02")+" "+e.By+" "+e.Action+" "+e.Item)
	}
	want := []string{
		"11-02 hiro assign ", "11-02 yuki done crm-setup", "11-05 yuki done product-training", "11-19 yuki done shadow-calls",
		"11-20 mei verify shadow-calls", "11-25 ops reassign ", "11-25 yuki done read-playbooks", "11-25 yuki done health-score",
		"11-25 aiko verify health-score", "11-25 hiro verify read-playbooks", "11-25 yuki help own-book",
	}
	if diff := cmp.Diff(want, audit); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
	if s := a.State("product-training"); s.Evidence != "https://learn.example.com/certificates/yuki" || s.DoneBy != "yuki" {
		t.Errorf("evidence = %+v", s)
	}
	if s := a.State("shadow-calls"); s.Evidence != "notes: https://wiki.example.com/yuki/shadowing" || s.VerifiedBy != "mei" {
		t.Errorf("shadow-calls = %+v", s)
	}
	it, err := f.st.Outbox(ctx, store.OutboxID("checklist-help", "csm-30-60-90", "own-book", "yuki", "aiko", now))
	if err != nil || it.Kind != "checklist-help" || it.Recipient != "aiko" || it.Status != store.StatusPending {
		t.Fatalf("help message = %+v, %v", it, err)
	}
	var r bot.Reply
	if err := json.Unmarshal([]byte(it.Payload), &r); err != nil || !strings.Contains(r.Text, "@yuki needs help with checklist item 7. own-book") {
		t.Errorf("help payload = %+v, %v", r, err)
	}
	// sora was mentored by mei already: reassigning another template keeps mei.
	if s, err := f.st.Assignment(ctx, "sora"); err != nil || s.Mentor != "mei" || s.Template != "csm-30-60-90" || s.Start != "2026-11-16" {
		t.Errorf("sora = %+v, %v", s, err)
	}
}

// The buttons of the Monday nudge run as commands for the new hire.
func TestChecklistNudgeButtons(t *testing.T) {
	f := newChecklistFixture(t)
	f.setUpYuki(t)
	ctx := context.Background()
	set, _ := checklists.Load("")
	as, _ := f.st.Assignments(ctx)
	members, _ := f.st.Members(ctx)
	teams, _ := f.st.Teams(ctx)
	monday := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC) // 09:30 in Tokyo
	var next *checklists.Nudge
	for _, n := range checklists.Nudges(set, as, members, teams, monday, time.UTC, "en") {
		if n.Kind == checklists.NudgeNext && n.NewHire == "yuki" {
			next = &n
		}
	}
	if next == nil || len(next.Reply.Buttons) < 2 {
		t.Fatalf("no what's-next nudge with buttons for yuki: %+v", next)
	}
	if got := f.at(monday, "yuki", "/cs "+next.Reply.Buttons[1].Value); !strings.Contains(got, "I told @mei you need help with read-playbooks.") {
		t.Errorf("Need help:\n%s", got)
	}
	if got := f.at(monday, "yuki", "/cs "+next.Reply.Buttons[0].Value); !strings.Contains(got, "Marked read-playbooks done.") {
		t.Errorf("Done:\n%s", got)
	}
}
