package commands_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/kpi"
)

func TestNewScope(t *testing.T) {
	exec := store.Member{ID: "keiko", Roles: []store.Role{store.RoleExec}}
	ops := store.Member{ID: "aiko", Roles: []store.Role{store.RoleOps, store.RoleAdmin}, Team: "ops"}
	lead := store.Member{ID: "haruto", Roles: []store.Role{store.RoleLead}, Team: "tokyo"}
	loneLead := store.Member{ID: "lone", Roles: []store.Role{store.RoleLead}}
	csm := store.Member{ID: "yui", Roles: []store.Role{store.RoleCSM}, Team: "tokyo"}
	tests := []struct {
		name         string
		me           store.Member
		word, region string
		tier         store.Tier
		want         kpi.Scope
		refused      string
	}{
		{name: "exec default", me: exec, want: kpi.Scope{Desc: "all accounts"}},
		{name: "exec other team", me: exec, word: "team:osaka", want: kpi.Scope{Team: "osaka", Desc: "team osaka"}},
		{name: "exec without a team", me: exec, word: "team", refused: "You are not in a team"},
		{name: "ops all by tier", me: ops, word: "all", tier: store.TierHigh, want: kpi.Scope{Tier: store.TierHigh, Desc: "all accounts, tier high"}},
		{name: "lead default", me: lead, want: kpi.Scope{Team: "tokyo", Desc: "team tokyo"}},
		{name: "lead by region", me: lead, region: "Nagoya", want: kpi.Scope{Team: "tokyo", Region: "Nagoya", Desc: "team tokyo, region Nagoya"}},
		{name: "lead own team by id", me: lead, word: "team:tokyo", want: kpi.Scope{Team: "tokyo", Desc: "team tokyo"}},
		{name: "lead own book", me: lead, word: "mine", want: kpi.Scope{Owner: "haruto", Desc: "accounts of @haruto"}},
		{name: "lead other team", me: lead, word: "team:osaka", refused: "You may see the KPIs of your team (tokyo) only. Ask an executive or CS ops for other teams."},
		{name: "lead all", me: lead, word: "all", refused: "KPIs over all accounts are for executives, CS ops and admins."},
		{name: "lead without a team", me: loneLead, want: kpi.Scope{Owner: "lone", Desc: "accounts of @lone"}},
		{name: "csm default", me: csm, want: kpi.Scope{Owner: "yui", Desc: "accounts of @yui"}},
		{name: "csm by tier", me: csm, tier: store.TierTech, want: kpi.Scope{Owner: "yui", Tier: store.TierTech, Desc: "accounts of @yui, tier tech"}},
		{name: "csm team", me: csm, word: "team", refused: "You may see the KPIs of your own accounts only. Ask your team lead for the team's."},
		{name: "csm all", me: csm, word: "ALL", refused: "You may see your own accounts"},
		{name: "empty team id", me: exec, word: "team:", refused: "Name the team after `team:`"},
		{name: "unknown word", me: exec, word: "everyone", refused: "I do not know the scope 'everyone'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := commands.KPIScope(tc.me, tc.word, tc.region, tc.tier)
			if tc.refused != "" {
				if _, ok := bot.AsUserError(err); !ok || !strings.Contains(err.Error(), tc.refused) {
					t.Errorf("error = %v, want a user error containing %q", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("scope (-want +got):\n%s", d)
			}
		})
	}
}

// Whatever is typed, a scope is either refused or no wider than the
// member may see.
func FuzzNewScope(f *testing.F) {
	for _, w := range []string{"", "mine", "team", "team:tokyo", "team:osaka", "all", "TEAM:Tokyo", "team:"} {
		f.Add(w, "osaka", "high")
	}
	lead := store.Member{ID: "haruto", Roles: []store.Role{store.RoleLead}, Team: "tokyo"}
	csm := store.Member{ID: "yui", Roles: []store.Role{store.RoleCSM, store.RoleMentor}, Team: "tokyo"}
	f.Fuzz(func(t *testing.T, word, region, tier string) {
		for _, me := range []store.Member{lead, csm} {
			s, err := commands.KPIScope(me, word, region, store.Tier(tier))
			if err != nil {
				if _, ok := bot.AsUserError(err); !ok {
					t.Errorf("%q: error %v is not a user error", word, err)
				}
				continue
			}
			own := s.Owner == me.ID || me.Has(store.RoleLead) && s.Team == me.Team
			if !own {
				t.Errorf("%s asked %q and got %+v", me.ID, word, s)
			}
		}
	})
}
