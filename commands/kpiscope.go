package commands

import (
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/kpi"
)

// defaultScope is the view a list shows when none is asked for:
// everything for executives, CS ops and admins, the team for leads and new
// hires, the own book for everyone else; never wider than allowed.
func defaultScope(me store.Member, allowed access.Scope) string {
	switch {
	case allowed >= access.ScopeAll && me.Has(store.RoleExec, store.RoleAdmin, store.RoleOps):
		return "all"
	case allowed >= access.ScopeTeam && me.Team != "" && me.Has(store.RoleLead, store.RoleNewHire, store.RoleExec, store.RoleAdmin, store.RoleOps):
		return "team"
	}
	return "mine"
}

// kpiScope resolves what a member asked for (word: "", mine, team,
// team:<id> or all; region and tier narrow it further) and how wide a
// read it needs: the caller refuses one wider than the member's rule
// allows. Another team than the member's own needs all. The caller
// checks that a named team exists.
func kpiScope(l *i18n.Localizer, me store.Member, allowed access.Scope, word, region string, tier store.Tier) (kpi.Scope, access.Scope, error) {
	var s kpi.Scope
	need := access.ScopeOwn
	word = strings.ToLower(strings.TrimSpace(word))
	team, named := strings.CutPrefix(word, "team:")
	switch {
	case word == "":
		return kpiScope(l, me, allowed, defaultScope(me, allowed), region, tier)
	case word == "all":
		s.Desc, need = l.T("kpi.scope.all", nil), access.ScopeAll
	case word == "mine":
		s.Owner, s.Desc = me.ID, l.T("kpi.scope.mine", i18n.Data{"ID": me.ID})
	case word == "team" || named:
		if !named {
			if me.Team == "" {
				return s, need, bot.Errorf("%s", l.T("kpi.no_team", nil))
			}
			team = me.Team
		}
		if team == "" {
			return s, need, bot.UsageErrorf("%s", l.T("kpi.name_team", i18n.Data{"Team": orExample(me.Team)}))
		}
		need = access.ScopeTeam
		if team != me.Team {
			need = access.ScopeAll
		}
		s.Team, s.Desc = team, l.T("kpi.scope.team", i18n.Data{"Team": team})
	default:
		return s, need, bot.UsageErrorf("%s", l.T("kpi.unknown_scope", i18n.Data{"Word": word}))
	}
	if region != "" {
		s.Region = region
		s.Desc = l.T("kpi.scope.region", i18n.Data{"Scope": s.Desc, "Region": region})
	}
	if tier != "" {
		s.Tier = tier
		s.Desc = l.T("kpi.scope.tier", i18n.Data{"Scope": s.Desc, "Tier": l.T("kpi.tier."+string(tier), nil)})
	}
	return s, need, nil
}

func orExample(team string) string {
	if team == "" {
		return "tokyo"
	}
	return team
}
