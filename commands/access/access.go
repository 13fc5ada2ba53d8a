// Package access is csbot's access model: one table of role x action ->
// scope, the scope something falls in for a caller, and the rule that
// allows or refuses. Commands ask it before they read or write; nothing
// else decides who may do what. It knows no chat platform.
package access

import (
	"fmt"
	"slices"
	"strings"

	"github.com/csbot/csbot/store"
)

// Action is something a member does: reading a kind of view or making a
// kind of change.
type Action string

// The actions. Reads show accounts; writes change accounts, members,
// teams, checklists or reminders.
const (
	Health     Action = "health"
	Onboarding Action = "onboarding"
	Accounts   Action = "accounts"
	Risk       Action = "risk"
	KPI        Action = "kpi"
	Audit      Action = "audit"
	Note       Action = "note"
	Playbook   Action = "playbook"
	Assign     Action = "assign"
	Reminder   Action = "reminder"
	Checklist  Action = "checklist"
	Team       Action = "team"
)

// Reads and Writes list every action, in the order docs/access.md shows them.
var (
	Reads  = []Action{Health, Onboarding, Accounts, Risk, KPI, Audit}
	Writes = []Action{Note, Playbook, Assign, Reminder, Checklist, Team}
)

// Actions is every action, reads first.
func Actions() []Action { return append(slices.Clone(Reads), Writes...) }

// Scope is how far from the caller something may lie: each scope holds
// the ones before it.
type Scope int

// The scopes, narrowest first.
const (
	// ScopeNone allows nothing.
	ScopeNone Scope = iota
	// ScopeOwn is the caller's book: accounts they own, themselves, those they
	// mentor; for a new hire also their mentor's book.
	ScopeOwn
	// Team is the caller's team.
	ScopeTeam
	// ScopeRegion is the caller's region.
	ScopeRegion
	// ScopeAll is everything.
	ScopeAll
)

var scopeNames = []string{"nothing", "own", "team", "region", "all"}

func (s Scope) String() string {
	if s < ScopeNone || s > ScopeAll {
		return fmt.Sprintf("scope(%d)", int(s))
	}
	return scopeNames[s]
}

// Describe names the scope in a rule: "own book", "team", "nothing".
func (s Scope) Describe() string {
	if s == ScopeOwn {
		return "own book"
	}
	return s.String()
}

// ParseScope reads a scope name as the config writes it.
func ParseScope(name string) (Scope, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "none" || name == "own book" {
		name = map[string]string{"none": "nothing", "own book": "own"}[name]
	}
	if i := slices.Index(scopeNames, name); i >= 0 {
		return Scope(i), nil
	}
	return ScopeNone, fmt.Errorf("unknown scope %q: use %s", name, strings.Join(scopeNames, ", "))
}

// ParseAction reads an action name.
func ParseAction(name string) (Action, error) {
	a := Action(strings.ToLower(strings.TrimSpace(name)))
	if slices.Contains(Actions(), a) {
		return a, nil
	}
	names := make([]string, 0, len(Reads)+len(Writes))
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return "", fmt.Errorf("unknown action %q: use %s", name, strings.Join(names, ", "))
}

// Rule is one cell of the table: what a role may do for an action.
type Rule struct {
	Role   store.Role
	Action Action
	Scope  Scope
}

// String is how refusals quote the rule: "csm: note = own book".
func (r Rule) String() string {
	role := string(r.Role)
	if role == "" {
		role = "no role"
	}
	return fmt.Sprintf("%s: %s = %s", role, r.Action, r.Scope.Describe())
}

// Policy is the table in force. The zero Policy allows nothing; Default
// returns csbot's rules.
type Policy struct {
	rules map[store.Role]map[Action]Scope
}

// Default returns the rules csbot ships with (docs/access.md): a CSM
// writes to their own book and reads their team's; a lead reads and
// writes within their team; executives read everything and change no
// account; a mentor works as a CSM and signs off their hires'
// checklists; a new hire reads their mentor's or team's book and writes
// only their own checklist; ops and admins read and write everything.
func Default() *Policy {
	// reads are the account views; the audit trail is for leads and
	// admins only.
	reads := func(s Scope) map[Action]Scope {
		m := map[Action]Scope{}
		for _, a := range Reads {
			if a != Audit {
				m[a] = s
			}
		}
		return m
	}
	with := func(m map[Action]Scope, s Scope, actions ...Action) map[Action]Scope {
		for _, a := range actions {
			m[a] = s
		}
		return m
	}
	everything := func() map[Action]Scope { return with(reads(ScopeAll), ScopeAll, Writes...) }
	return &Policy{rules: map[store.Role]map[Action]Scope{
		store.RoleCSM:     with(reads(ScopeTeam), ScopeOwn, Note, Playbook, Reminder, Checklist),
		store.RoleMentor:  with(reads(ScopeTeam), ScopeOwn, Note, Playbook, Reminder, Checklist),
		store.RoleLead:    with(reads(ScopeTeam), ScopeTeam, append(slices.Clone(Writes), Audit)...),
		store.RoleExec:    reads(ScopeAll),
		store.RoleNewHire: with(reads(ScopeTeam), ScopeOwn, Checklist),
		store.RoleAdmin:   with(everything(), ScopeAll, Audit),
		store.RoleOps:     everything(),
	}}
}

// Set changes one cell of the table.
func (p *Policy) Set(role store.Role, a Action, s Scope) {
	if p.rules == nil {
		p.rules = map[store.Role]map[Action]Scope{}
	}
	if p.rules[role] == nil {
		p.rules[role] = map[Action]Scope{}
	}
	p.rules[role][a] = s
}

// Rule is the cell of one role and action.
func (p *Policy) Rule(role store.Role, a Action) Rule {
	return Rule{Role: role, Action: a, Scope: p.rules[role][a]}
}

// Allowed is the widest scope any of the member's roles allows for the
// action, and the rule that allows it (for a member without roles, a
// rule of no role allowing nothing).
func (p *Policy) Allowed(me store.Member, a Action) Rule {
	best := Rule{Action: a}
	for _, role := range me.Roles {
		if r := p.Rule(role, a); r.Scope > best.Scope || best.Role == "" {
			best = r
		}
	}
	return best
}

// Caller is the member asking, with what their book holds beyond their
// own accounts.
type Caller struct {
	store.Member
	// Region is the member's region, or their team's when they have none.
	Region string
	// Mentor is a new hire's mentor, whose book the hire's own book shows.
	Mentor string
	// Mentees are the new hires the member mentors.
	Mentees []string
}

// Subject is where a thing lies: an account by its owner, a member by
// themselves, a reminder by its recipient.
type Subject struct {
	// Owner is the member it belongs to ("" for nobody).
	Owner string
	// Team and Region are the owner's.
	Team, Region string
}

// Within is the narrowest scope of the caller that holds the subject.
func (c Caller) Within(s Subject) Scope {
	switch {
	case s.Owner != "" && (s.Owner == c.ID || s.Owner == c.Mentor && c.Has(store.RoleNewHire) || slices.Contains(c.Mentees, s.Owner)):
		return ScopeOwn
	case c.Team != "" && s.Team == c.Team:
		return ScopeTeam
	case c.Region != "" && strings.EqualFold(s.Region, c.Region):
		return ScopeRegion
	}
	return ScopeAll
}

// Check reports the rule deciding whether the caller may do the action on
// the subject, and whether it allows it.
func (p *Policy) Check(c Caller, a Action, s Subject) (Rule, bool) {
	r := p.Allowed(c.Member, a)
	return r, r.Scope != ScopeNone && c.Within(s) <= r.Scope
}
