package commands_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/commands/access"
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
		// wider marks a scope beyond what the default table lets the member read.
		wider   bool
		refused string
	}{
		{name: "exec default", me: exec, want: kpi.Scope{Desc: "all accounts"}},
		{name: "exec other team", me: exec, word: "team:osaka", want: kpi.Scope{Team: "osaka", Desc: "team osaka"}},
		{name: "exec without a team", me: exec, word: "team", refused: "You are not in a team"},
		{name: "ops all by tier", me: ops, word: "all", tier: store.TierHigh, want: kpi.Scope{Tier: store.TierHigh, Desc: "all accounts, tier high"}},
		{name: "lead default", me: lead, want: kpi.Scope{Team: "tokyo", Desc: "team tokyo"}},
		{name: "lead by region", me: lead, region: "Nagoya", want: kpi.Scope{Team: "tokyo", Region: "Nagoya", Desc: "team tokyo, region Nagoya"}},
		{name: "lead own team by id", me: lead, word: "team:tokyo", want: kpi.Scope{Team: "tokyo", Desc: "team tokyo"}},
		{name: "lead own book", me: lead, word: "mine", want: kpi.Scope{Owner: "haruto", Desc: "accounts of @haruto"}},
		{name: "lead other team", me: lead, word: "team:osaka", want: kpi.Scope{Team: "osaka", Desc: "team osaka"}, wider: true},
		{name: "lead all", me: lead, word: "all", want: kpi.Scope{Desc: "all accounts"}, wider: true},
		{name: "lead without a team", me: loneLead, want: kpi.Scope{Owner: "lone", Desc: "accounts of @lone"}},
		{name: "csm default", me: csm, want: kpi.Scope{Owner: "yui", Desc: "accounts of @yui"}},
		{name: "csm by tier", me: csm, tier: store.TierTech, want: kpi.Scope{Owner: "yui", Tier: store.TierTech, Desc: "accounts of @yui, tier tech"}},
		{name: "csm team", me: csm, word: "team", want: kpi.Scope{Team: "tokyo", Desc: "team tokyo"}},
		{name: "csm all", me: csm, word: "ALL", want: kpi.Scope{Desc: "all accounts"}, wider: true},
		{name: "empty team id", me: exec, word: "team:", refused: "Name the team after `team:`"},
		{name: "unknown word", me: exec, word: "everyone", refused: "I do not know the scope 'everyone'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			allowed := access.Default().Allowed(tc.me, access.KPI).Scope
			got, need, err := commands.KPIScope(tc.me, allowed, tc.word, tc.region, tc.tier)
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
			if wider := need > allowed; wider != tc.wider {
				t.Errorf("needs %v, allowed %v: wider = %v, want %v", need, allowed, wider, tc.wider)
			}
		})
	}
}

// Whatever is typed, a scope is either refused, needs more than the
// member's rule allows (and the command refuses it), or stays within it.
func FuzzNewScope(f *testing.F) {
	for _, w := range []string{"", "mine", "team", "team:tokyo", "team:osaka", "all", "TEAM:Tokyo", "team:"} {
		f.Add(w, "osaka", "high")
	}
	lead := store.Member{ID: "haruto", Roles: []store.Role{store.RoleLead}, Team: "tokyo"}
	csm := store.Member{ID: "yui", Roles: []store.Role{store.RoleCSM, store.RoleMentor}, Team: "tokyo"}
	f.Fuzz(func(t *testing.T, word, region, tier string) {
		for _, me := range []store.Member{lead, csm} {
			allowed := access.Default().Allowed(me, access.KPI).Scope
			s, need, err := commands.KPIScope(me, allowed, word, region, store.Tier(tier))
			if err != nil {
				if _, ok := bot.AsUserError(err); !ok {
					t.Errorf("%q: error %v is not a user error", word, err)
				}
				continue
			}
			if need > allowed {
				continue // the command refuses it
			}
			if s.Owner != me.ID && s.Team != me.Team {
				t.Errorf("%s asked %q and got %+v, needing %v of %v", me.ID, word, s, need, allowed)
			}
		}
	})
}
