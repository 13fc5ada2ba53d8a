package access_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
)

// The default table as docs/access.md writes it: reads (health,
// onboarding, accounts, risk, kpi, audit) then writes (note, playbook,
// assign, reminder, checklist, team).
var defaultTable = map[store.Role]string{
	store.RoleCSM:     "team team team team team nothing | own own nothing own own nothing",
	store.RoleMentor:  "team team team team team nothing | own own nothing own own nothing",
	store.RoleLead:    "team team team team team team | team team team team team team",
	store.RoleExec:    "all all all all all nothing | nothing nothing nothing nothing nothing nothing",
	store.RoleNewHire: "team team team team team nothing | nothing nothing nothing nothing own nothing",
	store.RoleAdmin:   "all all all all all all | all all all all all all",
	store.RoleOps:     "all all all all all nothing | all all all all all all",
}

func TestDefaultTable(t *testing.T) {
	p := access.Default()
	for _, role := range store.Roles {
		want := strings.Fields(strings.ReplaceAll(defaultTable[role], "|", ""))
		for i, a := range access.Actions() {
			if got := p.Rule(role, a).Scope.String(); got != want[i] {
				t.Errorf("%s: %s = %s, want %s", role, a, got, want[i])
			}
		}
	}
}

// Check over every scope a subject can lie in, for a CSM of team tokyo in
// region east and a new hire whose mentor is mei.
func TestCheck(t *testing.T) {
	p := access.Default()
	csm := access.Caller{Member: store.Member{ID: "aiko", Roles: []store.Role{store.RoleCSM}, Team: "tokyo"}, Region: "east"}
	hire := access.Caller{Member: store.Member{ID: "hana", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo"}, Region: "east", Mentor: "mei"}
	tests := []struct {
		name   string
		who    access.Caller
		action access.Action
		s      access.Subject
		within access.Scope
		ok     bool
		rule   string
	}{
		{"own note", csm, access.Note, access.Subject{Owner: "aiko", Team: "tokyo"}, access.ScopeOwn, true, "csm: note = own book"},
		{"team note", csm, access.Note, access.Subject{Owner: "ken", Team: "tokyo"}, access.ScopeTeam, false, "csm: note = own book"},
		{"team read", csm, access.Health, access.Subject{Owner: "ken", Team: "tokyo"}, access.ScopeTeam, true, "csm: health = team"},
		{"region read", csm, access.Risk, access.Subject{Owner: "yu", Team: "yokohama", Region: "EAST"}, access.ScopeRegion, false, "csm: risk = team"},
		{"other read", csm, access.KPI, access.Subject{Owner: "os", Team: "osaka", Region: "west"}, access.ScopeAll, false, "csm: kpi = team"},
		{"no owner", csm, access.Health, access.Subject{}, access.ScopeAll, false, "csm: health = team"},
		{"hire reads mentor's", hire, access.Health, access.Subject{Owner: "mei", Team: "osaka"}, access.ScopeOwn, true, "newhire: health = team"},
		{"hire notes mentor's", hire, access.Note, access.Subject{Owner: "mei", Team: "osaka"}, access.ScopeOwn, false, "newhire: note = nothing"},
		{"hire's own checklist", hire, access.Checklist, access.Subject{Owner: "hana", Team: "tokyo"}, access.ScopeOwn, true, "newhire: checklist = own book"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.who.Within(tc.s); got != tc.within {
				t.Errorf("within %v, want %v", got, tc.within)
			}
			rule, ok := p.Check(tc.who, tc.action, tc.s)
			if ok != tc.ok || rule.String() != tc.rule {
				t.Errorf("Check = %s, %v; want %s, %v", rule, ok, tc.rule, tc.ok)
			}
		})
	}
}

// Of several roles the widest rule wins; a member without roles may do nothing.
func TestAllowedWidest(t *testing.T) {
	p := access.Default()
	m := store.Member{ID: "x", Roles: []store.Role{store.RoleCSM, store.RoleExec}}
	if r := p.Allowed(m, access.Risk); r.String() != "exec: risk = all" {
		t.Errorf("csm+exec risk: %s", r)
	}
	if r := p.Allowed(m, access.Note); r.String() != "csm: note = own book" {
		t.Errorf("csm+exec note: %s", r)
	}
	if r := p.Allowed(store.Member{ID: "y"}, access.Health); r.Scope != access.ScopeNone || r.String() != "no role: health = nothing" {
		t.Errorf("no role: %s", r)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(*access.Policy) string
		errs       []string
	}{
		{name: "override", yaml: "access:\n  csm:\n    note: team\n  exec:\n    kpi: region\n",
			check: func(p *access.Policy) string {
				if p.Rule(store.RoleCSM, access.Note).Scope != access.ScopeTeam || p.Rule(store.RoleExec, access.KPI).Scope != access.ScopeRegion {
					return "overrides not applied"
				}
				if p.Rule(store.RoleCSM, access.Health).Scope != access.ScopeTeam || p.Rule(store.RoleLead, access.Note).Scope != access.ScopeTeam {
					return "other cells changed"
				}
				return ""
			}},
		{name: "empty", yaml: "access:\n", check: func(p *access.Policy) string {
			if p.Rule(store.RoleAdmin, access.Team).Scope != access.ScopeAll {
				return "empty section lost the defaults"
			}
			return ""
		}},
		{name: "unknown role", yaml: "access:\n  intern:\n    note: own\n", errs: []string{`access.intern (line 2): unknown role "intern"`}},
		{name: "unknown action and scope", yaml: "access:\n  csm:\n    nte: team\n    note: everyone\n",
			errs: []string{`access.csm.nte (line 3): unknown action "nte"`, `access.csm.note (line 4): unknown scope "everyone"`}},
		{name: "not a table", yaml: "access:\n  csm: all\n", errs: []string{"access.csm (line 2): want action: scope pairs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg struct {
				Access access.Policy `yaml:"access"`
			}
			cfg.Access = *access.Default()
			err := yaml.Unmarshal([]byte(tc.yaml), &cfg)
			for _, want := range tc.errs {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want one containing %q", err, want)
				}
			}
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if msg := tc.check(&cfg.Access); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}
