package commands

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
)

// caller is the access model's view of the member asking: their region
// (their team's when they have none), a new hire's mentor and a mentor's
// hires.
func (c *cmds) caller(ctx context.Context, me store.Member) (access.Caller, error) {
	who := access.Caller{Member: me, Region: me.Region}
	if who.Region == "" && me.Team != "" {
		t, err := c.Store.Team(ctx, me.Team)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return who, err
		}
		who.Region = t.Region
	}
	if !me.Has(store.RoleNewHire, store.RoleMentor) {
		return who, nil
	}
	as, err := c.Store.Assignments(ctx)
	if err != nil {
		return who, err
	}
	for _, a := range as {
		switch {
		case a.NewHire == me.ID:
			who.Mentor = a.Mentor
		case a.Mentor == me.ID:
			who.Mentees = append(who.Mentees, a.NewHire)
		}
	}
	return who, nil
}

// subject is where a member's things lie: their team and region (their
// team's when they have none). A member who is gone lies nowhere near
// anyone but admins and ops.
func (c *cmds) subject(ctx context.Context, id string) (access.Subject, error) {
	s := access.Subject{Owner: id}
	if id == "" {
		return s, nil
	}
	m, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return c.memberSubject(ctx, m)
}

// memberSubject is where the member lies: their team and region (their
// team's when they have none).
func (c *cmds) memberSubject(ctx context.Context, m store.Member) (access.Subject, error) {
	s := access.Subject{Owner: m.ID, Team: m.Team, Region: m.Region}
	if s.Region == "" && m.Team != "" {
		t, err := c.Store.Team(ctx, m.Team)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return s, err
		}
		s.Region = t.Region
	}
	return s, nil
}

// allowTeam refuses, naming the rule, a change of a team beyond the
// member's reach.
func (c *cmds) allowTeam(ctx context.Context, me store.Member, t store.Team) error {
	who, err := c.caller(ctx, me)
	if err != nil {
		return err
	}
	rule, ok := c.Access.Check(who, access.Team, access.Subject{Team: t.ID, Region: t.Region})
	if ok {
		return nil
	}
	return c.refusal(ctx, me, rule, i18n.FromContext(ctx).T("access.team_not_yours", i18n.Data{"Team": t.ID}), c.mayDo(ctx, access.Team, access.Subject{Team: t.ID, Region: t.Region}))
}

// allowAccount refuses, naming the rule, an action on an account that
// lies outside what the member may do.
func (c *cmds) allowAccount(ctx context.Context, me store.Member, a access.Action, acct store.Account) error {
	what := "access.account_unowned"
	if acct.Owner != "" {
		what = "access.account_owned"
	}
	return c.allow(ctx, me, a, acct.Owner, what, i18n.Data{"Account": acct.Name, "Owner": acct.Owner}, acct.Owner)
}

// allowMember refuses, naming the rule, an action on a member's things
// (their checklist, their reminders, their record) beyond the member's reach.
func (c *cmds) allowMember(ctx context.Context, me store.Member, a access.Action, id string) error {
	return c.allow(ctx, me, a, id, "access.member", i18n.Data{"ID": id}, "")
}

// allow refuses the action on what belongs to owner when the table puts it
// beyond the member's reach, saying what it is (the catalogue's what with
// data, written only for a refusal) and whom to ask (ask, and the member's
// lead).
func (c *cmds) allow(ctx context.Context, me store.Member, a access.Action, owner, what string, data i18n.Data, ask string) error {
	who, err := c.caller(ctx, me)
	if err != nil {
		return err
	}
	s, err := c.subject(ctx, owner)
	if err != nil {
		return err
	}
	rule, ok := c.Access.Check(who, a, s)
	if ok {
		return nil
	}
	l := i18n.FromContext(ctx)
	text := l.T(what, data)
	switch {
	case s.Team != "":
		text = l.T("access.in_team", i18n.Data{"What": text, "Team": s.Team})
	case owner != "":
		text = l.T("access.in_no_team", i18n.Data{"What": text})
	}
	lead, err := c.teamLead(ctx, store.Member{Team: s.Team}) // the lead of where it lies
	if err != nil {
		return err
	}
	return c.refusal(ctx, me, rule, text, c.mayDo(ctx, a, s), ask, lead)
}

// refusal says which rule of the access table refused what, and whom to
// ask: of ask (the owner, the lead of where it lies) and the member's own
// lead, those whom the table lets do it (can), or else an admin; in the
// member's language (what comes written in it).
func (c *cmds) refusal(ctx context.Context, me store.Member, rule access.Rule, what string, can func(store.Member) (bool, error), ask ...string) error {
	l := i18n.FromContext(ctx)
	names, err := c.whomToAsk(ctx, me, can, true, ask...)
	if err != nil {
		return err
	}
	return bot.Errorf("%s", l.T("access.refused", i18n.Data{"Rule": ruleText(l, rule), "What": what, "Ask": names}))
}

// mayDo is whether the table lets a member do a to s.
func (c *cmds) mayDo(ctx context.Context, a access.Action, s access.Subject) func(store.Member) (bool, error) {
	return func(m store.Member) (bool, error) {
		who, err := c.caller(ctx, m)
		if err != nil {
			return false, err
		}
		_, ok := c.Access.Check(who, a, s)
		return ok, nil
	}
}

// mayReach is whether the table lets a member do a as widely as scope.
func (c *cmds) mayReach(a access.Action, scope access.Scope) func(store.Member) (bool, error) {
	return func(m store.Member) (bool, error) { return c.Access.Allowed(m, a).Scope >= scope, nil }
}

// refuse is a refusal by a rule the code keeps rather than the access
// table (who may sign off a new hire's items: their mentor, their lead or
// an admin): the catalogue's key states the rule, and the refusal ends
// with whom to ask, the members in ask, or else an admin.
func (c *cmds) refuse(ctx context.Context, me store.Member, key string, data i18n.Data, ask ...string) error {
	return c.refusedBy(ctx, me, key, data, false, ask...)
}

// refuseWithLead is refuse asking ask and then the lead of about (the new
// hire whose checklist it is, or the member themself).
func (c *cmds) refuseWithLead(ctx context.Context, me, about store.Member, key string, data i18n.Data, ask ...string) error {
	if about.ID == me.ID {
		return c.refusedBy(ctx, me, key, data, true, ask...)
	}
	lead, err := c.teamLead(ctx, about)
	if err != nil {
		return err
	}
	return c.refusedBy(ctx, me, key, data, false, append(ask, lead)...)
}

// refusedBy is refuse, also asking the member's own lead when withMine.
func (c *cmds) refusedBy(ctx context.Context, me store.Member, key string, data i18n.Data, withMine bool, ask ...string) error {
	l := i18n.FromContext(ctx)
	names, err := c.whomToAsk(ctx, me, nil, withMine, ask...)
	if err != nil {
		return err
	}
	return bot.Errorf("%s", l.T("access.refused_by", i18n.Data{"Why": l.T(key, data), "Ask": names}))
}

// whomToAsk names the members ids (and the member's own lead, withMine)
// who are members and, when can is not nil, can do it, in the member's
// language ("your lead @hiro" for their own lead), leaving out the member
// and repeats, or an admin when none is left. It reads nothing when there
// is nobody to name.
func (c *cmds) whomToAsk(ctx context.Context, me store.Member, can func(store.Member) (bool, error), withMine bool, ids ...string) (string, error) {
	l := i18n.FromContext(ctx)
	var mine string
	if withMine || slices.ContainsFunc(ids, func(id string) bool { return id != "" && id != me.ID }) {
		var err error
		if mine, err = c.teamLead(ctx, me); err != nil {
			return "", err
		}
	}
	if withMine {
		ids = append(ids, mine)
	}
	var ask, seen []string
	for _, id := range ids {
		if id == "" || id == me.ID || slices.Contains(seen, id) {
			continue
		}
		seen = append(seen, id)
		m, err := c.Store.Member(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		if can != nil {
			if ok, err := can(m); err != nil {
				return "", err
			} else if !ok {
				continue
			}
		}
		key := "access.ask_owner"
		if id == mine {
			key = "access.ask_lead"
		}
		ask = append(ask, l.T(key, i18n.Data{"ID": id}))
	}
	if len(ask) == 0 {
		ask = append(ask, l.T("access.ask_admin", nil))
	}
	return strings.Join(ask, l.T("access.ask_or", nil)), nil
}

// teamLead is m's lead: their own, else their team's; "" when they have
// none, or when the one named holds no lead role.
func (c *cmds) teamLead(ctx context.Context, m store.Member) (string, error) {
	lead := m.Lead
	if lead == "" && m.Team != "" {
		t, err := c.Store.Team(ctx, m.Team)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		lead = t.Lead
	}
	if lead == "" {
		return "", nil
	}
	l, err := c.Store.Member(ctx, lead)
	if errors.Is(err, store.ErrNotFound) || err == nil && !l.Has(store.RoleLead) {
		return "", nil
	}
	return lead, err
}

// ruleText quotes a rule in the language: in English as the access table
// writes it ("csm: note = own book"), in Japanese with the names CS teams
// use (「CSMの対応の記録権限：自分の担当のみ」).
func ruleText(l *i18n.Localizer, r access.Rule) string {
	role := "none"
	if r.Role != "" {
		role = string(r.Role)
	}
	return l.T("access.rule", i18n.Data{"Role": l.T("role."+role, nil), "Action": l.T("action."+string(r.Action), nil), "Scope": scopeName(l, r.Scope)})
}

// scopeName names a scope in the language: "own book", "自分の担当のみ".
func scopeName(l *i18n.Localizer, s access.Scope) string { return l.T("scope."+s.String(), nil) }

// roleNames are the roles in the language, e.g. "lead", "リーダー".
func roleNames(l *i18n.Localizer, roles []store.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = l.T("role."+string(r), nil)
	}
	return out
}

// readable is what of the account index the member may see with the
// action: the rule, and a test of each row by its owner. A row carries
// its owner's team; only a rule of region scope needs the owners' regions,
// so only it reads the members and teams.
func (c *cmds) readable(ctx context.Context, me store.Member, a access.Action) (access.Rule, func(store.AccountRow) bool, error) {
	rule := c.Access.Allowed(me, a)
	who, err := c.caller(ctx, me)
	if err != nil {
		return rule, nil, err
	}
	regionOf := map[string]string{}
	if rule.Scope == access.ScopeRegion {
		if regionOf, err = c.regions(ctx); err != nil {
			return rule, nil, err
		}
	}
	return rule, func(r store.AccountRow) bool {
		s := access.Subject{Owner: r.Owner, Team: r.Team, Region: regionOf[r.Owner]}
		return rule.Scope != access.ScopeNone && who.Within(s) <= rule.Scope
	}, nil
}

// regions maps every member to their region, their team's when they have none.
func (c *cmds) regions(ctx context.Context) (map[string]string, error) {
	members, err := c.Store.Members(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := c.Store.Teams(ctx)
	if err != nil {
		return nil, err
	}
	teamRegion := map[string]string{}
	for _, t := range teams {
		teamRegion[t.ID] = t.Region
	}
	out := make(map[string]string, len(members))
	for _, m := range members {
		out[m.ID] = cmp.Or(m.Region, teamRegion[m.Team])
	}
	return out, nil
}

// widerThan refuses a scope asked for explicitly that goes beyond the rule.
func (c *cmds) widerThan(ctx context.Context, me store.Member, rule access.Rule, asked access.Scope, word string) error {
	if asked <= rule.Scope {
		return nil
	}
	l := i18n.FromContext(ctx)
	return c.refusal(ctx, me, rule, l.T("access.beyond", i18n.Data{"Word": word, "Scope": scopeName(l, rule.Scope)}), c.mayReach(rule.Action, asked))
}

// accountFor finds the account the query names and checks that the
// member may do the action on it.
func (c *cmds) accountFor(ctx context.Context, me store.Member, a access.Action, query string) (store.Account, error) {
	acct, err := c.resolveAccount(ctx, query)
	if err != nil {
		return acct, err
	}
	return acct, c.allowAccount(ctx, me, a, acct)
}
