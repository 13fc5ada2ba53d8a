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
	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/storetest"
)

// The organisation of the access tests: one caller of each role in team
// tokyo (region east); a CSM in tokyo, one in yokohama (also east) and one
// in osaka (west) own the accounts that lie in the caller's team, region
// and beyond; every caller owns an account of their own. Every account is
// at risk (no touch for months).
var (
	callers = map[store.Role]string{
		store.RoleCSM: "aiko", store.RoleLead: "hiro", store.RoleExec: "keiko", store.RoleMentor: "mei",
		store.RoleNewHire: "hana", store.RoleAdmin: "adam", store.RoleOps: "rin",
	}
	// scopeOwner owns the account, and is the member, lying in each scope
	// of a tokyo caller other than their own.
	scopeOwner = map[access.Scope]string{access.ScopeTeam: "tm", access.ScopeRegion: "ym", access.ScopeAll: "os"}
)

func newAccessFixture(t *testing.T, policy *access.Policy) fixture {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	engine := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tm := range []store.Team{
		{ID: "tokyo", Name: "Tokyo", Lead: "hiro", Region: "east"},
		{ID: "yokohama", Name: "Yokohama", Lead: "yoko", Region: "east"},
		{ID: "osaka", Name: "Osaka", Lead: "oda", Region: "west"},
	} {
		must(st.SaveTeam(ctx, tm))
	}
	members := []store.Member{
		{ID: "tm", Name: "Taro Mori", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "hiro"},
		{ID: "ym", Name: "Yu Mori", Roles: []store.Role{store.RoleCSM}, Team: "yokohama", Lead: "yoko"},
		{ID: "os", Name: "Oto Sato", Roles: []store.Role{store.RoleCSM}, Team: "osaka", Lead: "oda"},
		{ID: "yoko", Name: "Yoko Ono", Roles: []store.Role{store.RoleLead}, Team: "yokohama"},
		{ID: "oda", Name: "Oda Ken", Roles: []store.Role{store.RoleLead}, Team: "osaka"},
	}
	for role, id := range callers {
		m := store.Member{ID: id, Name: "Caller " + id, Roles: []store.Role{role}, Team: "tokyo"}
		if role != store.RoleLead {
			m.Lead = "hiro"
		}
		members = append(members, m)
	}
	for _, m := range members {
		must(st.SaveMember(ctx, m))
		must(engine.Put(ctx, store.Account{Slug: "acct-" + m.ID, Name: "Account of " + m.ID, Tier: store.TierHigh, ARR: 1000,
			Phase: store.PhaseAdoption, Owner: m.ID, LastTouch: day(-120)}))
		id := "reminder/rem-" + m.ID
		if _, err := st.Enqueue(ctx, store.OutboxItem{ID: id, Kind: "reminder", Playbook: "high-touch", Step: "weekly-check-in",
			Account: "batch", Recipient: m.ID, Payload: "{}", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	// hana is mei's new hire.
	if _, err := st.UpdateAssignment(ctx, "hana", func(a *store.Assignment) error {
		a.Template, a.Mentor, a.Start = "csm-30-60-90", "mei", "2026-11-01"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	set, err := playbooks.Load("")
	must(err)
	lists, err := checklists.Load("")
	must(err)
	reg := bot.NewRegistry()
	must(commands.Register(reg, commands.Deps{Store: st, Health: engine, Playbooks: set, Checklists: lists, Access: policy}))
	return fixture{st: st, router: bot.NewRouter(reg, st, slog.New(slog.DiscardHandler)), japanese: japaneseRouter(reg, st)}
}

// Every role x action x scope, through the router: what the default
// table allows runs, what it does not is refused with the rule.
func TestAccessMatrix(t *testing.T) {
	f := newAccessFixture(t, nil)
	policy := access.Default()
	lines := map[access.Action]func(caller, subject string) string{
		access.Health:     func(_, s string) string { return "/cs health acct-" + s },
		access.Onboarding: func(_, s string) string { return "/cs onboarding acct-" + s },
		access.Accounts:   func(_, s string) string { return "/cs accounts @" + s },
		access.Note:       func(_, s string) string { return "/cs note acct-" + s + " call with the CTO" },
		access.Playbook:   func(_, s string) string { return "/cs playbook start save-plan acct-" + s },
		access.Assign:     func(_, s string) string { return "/cs team assign acct-" + s + " @" + s },
		access.Reminder:   func(_, s string) string { return "/cs reminder done reminder/rem-" + s },
		access.Team:       func(_, s string) string { return "/cs team member " + s + " tz:Asia/Tokyo" },
	}
	for _, role := range store.Roles {
		caller := callers[role]
		for a, line := range lines {
			for _, scope := range []access.Scope{access.ScopeOwn, access.ScopeTeam, access.ScopeRegion, access.ScopeAll} {
				subject := cmpOr(scopeOwner[scope], caller)
				rule := policy.Rule(role, a)
				allowed := scope <= rule.Scope
				if a == access.Team && subject == caller && role != store.RoleAdmin && slices.Contains([]store.Role{store.RoleExec, store.RoleOps}, role) {
					allowed = false // only admins change the holders of exec, admin and ops
				}
				name := fmt.Sprintf("%s/%s/%s", role, a, scope)
				t.Run(name, func(t *testing.T) {
					r := f.router.Handle(context.Background(), "console", caller, line(caller, subject))
					got := console.Render(r)
					switch {
					case allowed && r.Error:
						t.Errorf("%s refused:\n%s", name, got)
					case !allowed && !r.Error:
						t.Errorf("%s allowed:\n%s", name, got)
					case !allowed && rule.Scope < scope && !strings.Contains(got, "Refused by access rule `"+rule.String()+"`"):
						t.Errorf("%s: refusal does not name the rule `%s`:\n%s", name, rule, got)
					}
				})
			}
		}
	}
}

// Refusals name the rule, what lies beyond it and whom to ask, in the
// member's language: role, action and scope names too.
func TestAccessRefusalsGolden(t *testing.T) {
	steps := []step{
		{"hana", "/cs risk all"},
		{"hana", "/cs note acct-os call with the CTO"},
		{"aiko", "/cs health acct-os"},
		{"aiko", "/cs audit acct-aiko"},
		{"keiko", "/cs audit @tm"},
		{"hiro", "/cs audit acct-os"},
		{"hiro", "/cs kpi team:osaka"},
		{"hiro", "/cs team member os tz:Asia/Tokyo"},
		{"keiko", "/cs team assign acct-aiko @tm"},
		{"hana", "/cs checklist verify @tm 1"},
		{"aiko", "/cs checklist verify @hana 1"},
		{"yoko", "/cs playbook start save-plan acct-os"},
		{"aiko", "/cs accounts @os"},
	}
	for _, lang := range languages {
		t.Run("lang"+lang.suffix, func(t *testing.T) {
			f := newAccessFixture(t, nil)
			assertGolden(t, "access-refusals"+lang.suffix, "the refusals", transcript(context.Background(), lang.router(f), steps))
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Issue 14: the new hire hana ran `/cs risk all`, logged a note on another
// team's account and started a playbook on it.
func TestNewHireHana(t *testing.T) {
	f := newAccessFixture(t, nil)
	for _, tc := range []struct{ line, want string }{
		{"/cs risk all", "Refused by access rule `newhire: risk = team`: `all` goes beyond your team. Ask a csbot admin."},
		{"/cs note acct-os call with the CTO", "Refused by access rule `newhire: note = nothing`: Account of os belongs to @os (team osaka). Ask @os or @oda."},
		{"/cs playbook start save-plan acct-os", "Refused by access rule `newhire: playbook = nothing`: Account of os belongs to @os (team osaka)."},
		{"/cs note acct-mei call with the CTO", "Refused by access rule `newhire: note = nothing`"},
		{"/cs health acct-os", "Refused by access rule `newhire: health = team`"},
	} {
		assertRefused(t, f, "hana", tc.line, []string{tc.want})
	}
	// She reads her team's risks and her mentor's book, and nothing beyond.
	got := f.run("hana", "/cs risk")
	for _, want := range []string{"Churn risks: team tokyo", "Account of mei", "Account of tm"} {
		if !strings.Contains(got, want) {
			t.Errorf("hana's risks lack %q:\n%s", want, got)
		}
	}
	for _, other := range []string{"Account of ym", "Account of os"} {
		if strings.Contains(got, other) {
			t.Errorf("hana's risks show %q:\n%s", other, got)
		}
	}
	if got := f.run("hana", "/cs help"); strings.Contains(got, "/cs note") || strings.Contains(got, "/cs reminder") || !strings.Contains(got, "/cs health") {
		t.Errorf("hana's help lists what she may not run, or not what she may:\n%s", got)
	}
}

// A CSM's lists and KPIs follow one rule: their team, and `all` refused alike.
func TestListsAgree(t *testing.T) {
	f := newAccessFixture(t, nil)
	for _, line := range []string{"/cs accounts all", "/cs risk all", "/cs kpi all"} {
		assertRefused(t, f, "aiko", line, []string{"Refused by access rule `csm: ", "`all` goes beyond your team. Ask a csbot admin."})
	}
	for _, line := range []string{"/cs accounts team", "/cs risk team"} {
		got := f.run("aiko", line)
		if !strings.Contains(got, "Account of tm") || strings.Contains(got, "Account of ym") {
			t.Errorf("%s:\n%s", line, got)
		}
	}
	if r := f.router.Handle(context.Background(), "console", "aiko", "/cs kpi team"); r.Error {
		t.Errorf("/cs kpi team refused: %s", r.Text)
	}
	// An executive reads everything.
	if got := f.run("keiko", "/cs risk"); !strings.Contains(got, "Account of os") {
		t.Errorf("exec risks:\n%s", got)
	}
}

// Issue 14: the lead haruto made himself an executive and then read every
// team's KPIs. Only admins grant exec, admin or ops.
func TestLeadCannotGrantExec(t *testing.T) {
	f := newAccessFixture(t, nil)
	for _, line := range []string{"/cs team member hiro roles:lead,exec", "/cs team member tm roles:csm,ops", "/cs team member tm roles:admin"} {
		assertRefused(t, f, "hiro", line, []string{"Only admins can give the exec, admin or ops role. Ask a csbot admin."})
	}
	assertRefused(t, f, "hiro", "/cs kpi all", []string{"Refused by access rule `lead: kpi = team`"})
	if r := f.router.Handle(context.Background(), "console", "adam", "/cs team member hiro roles:lead,exec"); r.Error {
		t.Fatalf("an admin could not grant exec: %s", r.Text)
	}
	if r := f.router.Handle(context.Background(), "console", "hiro", "/cs kpi all"); r.Error {
		t.Errorf("an exec made by an admin cannot read all: %s", r.Text)
	}
}

// A table changed in the config changes what commands allow.
func TestAccessOverride(t *testing.T) {
	p := access.Default()
	p.Set(store.RoleCSM, access.Note, access.ScopeTeam)
	p.Set(store.RoleCSM, access.Risk, access.ScopeOwn)
	f := newAccessFixture(t, p)
	if r := f.router.Handle(context.Background(), "console", "aiko", "/cs note acct-tm call"); r.Error {
		t.Errorf("note on a teammate's account refused: %s", r.Text)
	}
	assertRefused(t, f, "aiko", "/cs risk team", []string{"Refused by access rule `csm: risk = own book`: `team` goes beyond your own book."})
	if got := f.run("aiko", "/cs risk"); strings.Contains(got, "Account of tm") || !strings.Contains(got, "Account of aiko") {
		t.Errorf("own-book risks:\n%s", got)
	}
}

// `/cs help` lists, for each role, the commands it may run: those whose
// actions the table allows it, `status` for admins and ops, and the
// commands for everyone. An admin's list is the whole registry.
func TestHelpFollowsEachCommandsGate(t *testing.T) {
	f := newAccessFixture(t, nil)
	reads := []string{"health", "onboarding", "accounts", "risk", "kpi", "playbook"}
	forAll := []string{"help", "whoami", "team", "checklist", "channel"}
	writes := []string{"note", "reminder"}
	tests := []struct {
		role store.Role
		want [][]string
	}{
		{store.RoleCSM, [][]string{forAll, reads, writes}},
		{store.RoleMentor, [][]string{forAll, reads, writes}},
		{store.RoleLead, [][]string{forAll, reads, writes, {"audit"}}},
		{store.RoleExec, [][]string{forAll, reads}},
		{store.RoleNewHire, [][]string{forAll, reads}},
		{store.RoleOps, [][]string{forAll, reads, writes, {"status"}}},
		{store.RoleAdmin, [][]string{forAll, reads, writes, {"audit", "status"}}},
	}
	var registered []string
	for _, c := range f.router.Registry().Commands() {
		registered = append(registered, c.Name)
	}
	for _, tc := range tests {
		t.Run(string(tc.role), func(t *testing.T) {
			want := slices.Concat(tc.want...)
			if tc.role == store.RoleAdmin && len(want) != len(registered) {
				t.Fatalf("the test knows %d commands, the registry has %d: %v", len(want), len(registered), registered)
			}
			got := f.run(callers[tc.role], "/cs help")
			for _, name := range registered {
				listed := strings.Contains(got, "/cs "+name+" ") || strings.Contains(got, "/cs "+name+"\n")
				if listed != slices.Contains(want, name) {
					t.Errorf("%s: /cs %s listed = %v:\n%s", tc.role, name, listed, got)
				}
			}
		})
	}
}
