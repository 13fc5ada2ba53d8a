package kpi

import (
	"strings"

	"github.com/csbot/csbot/store"
)

// Scope is the set of accounts KPIs are computed over.
type Scope struct {
	// Owner, Team, Region and Tier narrow the accounts; empty matches all.
	Owner, Team, Region string
	Tier                store.Tier
	// Desc names the scope for people, e.g. "team tokyo, tier high".
	Desc string
}

// Match reports whether an account belongs to the scope.
func (s Scope) Match(r store.AccountRow) bool {
	return (s.Owner == "" || r.Owner == s.Owner) &&
		(s.Team == "" || r.Team == s.Team) &&
		(s.Region == "" || strings.EqualFold(r.Region, s.Region)) &&
		(s.Tier == "" || r.Tier == s.Tier)
}
