package commands

import (
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/kpi"
)

// wide reports whether a member sees the KPIs of every account.
func wide(m store.Member) bool { return m.Has(store.RoleExec, store.RoleAdmin, store.RoleOps) }

// kpiScope resolves what a member asked for (word: "", mine, team,
// team:<id> or all; region and tier narrow it further) under these rules:
// executives, CS ops and admins may see anything and see all by default;
// a team lead sees their own team by default and may narrow it (mine,
// region:, tier:) but not look at another team or at all; anyone else sees
// their own book and may narrow only that. A refusal is a bot.UserError.
// The caller checks that a named team exists.
func kpiScope(me store.Member, word, region string, tier store.Tier) (kpi.Scope, error) {
	var s kpi.Scope
	word = strings.ToLower(strings.TrimSpace(word))
	team, named := strings.CutPrefix(word, "team:")
	switch {
	case word == "":
		switch {
		case wide(me):
			word = "all"
		case me.Has(store.RoleLead) && me.Team != "":
			word = "team"
		default:
			word = "mine"
		}
		return kpiScope(me, word, region, tier)
	case word == "all":
		if !wide(me) {
			return s, bot.Errorf("KPIs over all accounts are for executives, CS ops and admins. %s", ownScopeHint(me))
		}
		s.Desc = "all accounts"
	case word == "mine":
		s.Owner, s.Desc = me.ID, "accounts of @"+me.ID
	case word == "team" || named:
		if !named {
			if me.Team == "" {
				return s, bot.Errorf("You are not in a team; say `team:<id>` (see `/cs team`) or `mine`.")
			}
			team = me.Team
		}
		if team == "" {
			return s, bot.UsageErrorf("Name the team after `team:`, e.g. `team:%s`.", orExample(me.Team))
		}
		if !wide(me) && !(me.Has(store.RoleLead) && team == me.Team) {
			ask := "Ask your team lead for the team's."
			if me.Has(store.RoleLead) {
				ask = "Ask an executive or CS ops for other teams."
			}
			return s, bot.Errorf("You may see the KPIs of %s only. %s", ownScope(me), ask)
		}
		s.Team, s.Desc = team, "team "+team
	default:
		return s, bot.UsageErrorf("I do not know the scope '%s': say mine, team, team:<id> or all.", word)
	}
	if region != "" {
		s.Region = region
		s.Desc += ", region " + region
	}
	if tier != "" {
		s.Tier = tier
		s.Desc += ", tier " + string(tier)
	}
	return s, nil
}

func ownScope(me store.Member) string {
	if me.Has(store.RoleLead) && me.Team != "" {
		return "your team (" + me.Team + ")"
	}
	return "your own accounts"
}

func ownScopeHint(me store.Member) string {
	return "You may see " + ownScope(me) + ": try `/cs kpi` without a scope."
}

func orExample(team string) string {
	if team == "" {
		return "tokyo"
	}
	return team
}
