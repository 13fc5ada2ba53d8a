package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
)

func (c *cmds) whoamiCommand() command {
	return command{For: everyone, Command: bot.Command{
		Name:     "whoami",
		Summary:  "who csbot thinks you are: role, team, lead, region, time zone",
		Examples: []string{"/cs whoami"},
		Handler: func(ctx context.Context, req *bot.Request) (bot.Reply, error) {
			return c.memberReply(ctx, req.L(), req.Member)
		},
	}}
}

// memberReply is a member's card, in l's language.
func (c *cmds) memberReply(ctx context.Context, l *i18n.Localizer, m store.Member) (bot.Reply, error) {
	lead, err := c.memberName(ctx, l, m.Lead)
	if err != nil {
		return bot.Reply{}, err
	}
	team := orDash(m.Team)
	if m.Team != "" {
		if t, err := c.Store.Team(ctx, m.Team); err == nil {
			team = fmt.Sprintf("%s (%s)", t.Name, t.ID)
		}
	}
	roles := roleNames(l, m.Roles)
	var ids []string
	for _, p := range sortedKeys(m.Identities) {
		ids = append(ids, p+" "+m.Identities[p])
	}
	return bot.Reply{
		Title: fmt.Sprintf("%s (@%s)", m.Name, m.ID),
		Fields: []bot.Field{
			{Name: l.T("member.field.roles", nil), Value: orDash(l.Join(roles))},
			{Name: l.T("member.field.team", nil), Value: team},
			{Name: l.T("member.field.lead", nil), Value: lead},
			{Name: l.T("member.field.region", nil), Value: orDash(m.Region)},
			{Name: l.T("member.field.tz", nil), Value: orDash(m.TZ)},
			{Name: l.T("member.field.chat", nil), Value: orDash(l.Join(ids))},
		},
	}, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *cmds) teamCommand() command {
	return command{For: everyone, Command: bot.Command{
		Name: "team",
		Subcommands: []bot.Subcommand{
			{Name: "list", Summary: "the teams, their leads and sizes", Handler: c.teamList},
			{Name: "show", Args: []bot.Arg{teamArg}, Summary: "a team's lead, region and members", Handler: c.teamShowCmd},
			{Name: "member", Args: append([]bot.Arg{{Name: "id", Kind: bot.Member, Required: true, Help: "the member's id, e.g. ken"}}, memberOptions...),
				Summary: "add or change a member", Handler: c.teamMember},
			{Name: "set", Args: append([]bot.Arg{teamArg}, teamOptions...), Summary: "add or change a team", Handler: c.teamSet},
			{Name: "assign", Args: []bot.Arg{accountArg, {Name: "owner", Kind: bot.Member, Required: true, Help: "who owns the account from now on"}},
				Summary: "give an account another owner", Handler: c.teamAssign},
		},
		Default: "list",
		Summary: "who is who; admins and leads add members and teams and reassign accounts",
		Help: "member keys: name, roles (csm,lead,exec,mentor,newhire,admin,ops), team, lead, region, tz, locale, slack, discord, teams. " +
			"set keys: name, lead, region, segment. A new member needs name and roles. " +
			"Admins may change anything; leads only their own team (its members, its name, region and segment, " +
			"its accounts' owners) and never the admin or ops role.",
		Examples: []string{
			"/cs team",
			"/cs team show tokyo",
			"/cs team member ken name:\"Ken Sato\" roles:csm team:tokyo tz:Asia/Tokyo slack:U024BE7LH",
			"/cs team set osaka name:Osaka lead:@yui region:Osaka",
			"/cs team assign acme @ken",
		},
	}}
}

var teamArg = bot.Arg{Name: "team", Required: true, Help: "a team's id, e.g. tokyo"}

// The settings of a member and of a team, as key:value options.
var (
	memberOptions = []bot.Arg{
		{Name: "name", Option: true, Help: "full name"},
		{Name: "roles", Option: true, Help: "csm, lead, exec, mentor, newhire, admin, ops; comma-separated"},
		{Name: "team", Option: true, Help: "team id"},
		{Name: "lead", Kind: bot.Member, Option: true, Help: "their lead"},
		{Name: "region", Option: true, Help: "region"},
		{Name: "tz", Option: true, Help: "time zone, e.g. Asia/Tokyo"},
		{Name: "locale", Option: true, Help: "locale, e.g. ja-JP"},
		{Name: "slack", Option: true, Help: "Slack user id"},
		{Name: "discord", Option: true, Help: "Discord user id"},
		{Name: "teams", Option: true, Help: "Teams user id"},
	}
	teamOptions = []bot.Arg{
		{Name: "name", Option: true, Help: "display name"},
		{Name: "lead", Kind: bot.Member, Option: true, Help: "the team's lead"},
		{Name: "region", Option: true, Help: "region"},
		{Name: "segment", Option: true, Help: "segment"},
	}
)

// options are the settings of opts given in req, by name.
func options(req *bot.Request, opts []bot.Arg) map[string]string {
	out := map[string]string{}
	for _, o := range opts {
		if req.Has(o.Name) {
			out[o.Name] = req.Arg(o.Name)
		}
	}
	return out
}

// administer refuses members whom the access table lets change no
// member, team or owner at all.
func (c *cmds) administer(ctx context.Context, me store.Member, a access.Action) error {
	if rule := c.Access.Allowed(me, a); rule.Scope == access.ScopeNone {
		return c.refusal(ctx, me, rule, i18n.FromContext(ctx).T("access.change_none."+string(a), nil), c.mayReach(a, access.ScopeOwn))
	}
	return nil
}

func (c *cmds) teamList(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	teams, err := c.Store.Teams(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	members, err := c.Store.Members(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	count := map[string]int{}
	for _, m := range members {
		count[m.Team]++
	}
	slices.SortFunc(teams, func(a, b store.Team) int { return strings.Compare(a.ID, b.ID) })
	l := req.L()
	lines := make([]string, 0, len(teams)+1)
	for _, t := range teams {
		lines = append(lines, l.T("team.list.line", i18n.Data{"Name": t.Name, "ID": t.ID, "Lead": orDash(t.Lead), "Members": l.N("team.members", count[t.ID], nil)}))
	}
	if n := count[""]; n > 0 {
		lines = append(lines, l.T("team.list.no_team", i18n.Data{"Members": l.N("team.members", n, nil)}))
	}
	return bot.Reply{Title: l.T("team.list.title", nil), Sections: []bot.Section{{Lines: lines}}, Footer: l.T("team.list.footer", nil)}, nil
}

func (c *cmds) teamShowCmd(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	return c.teamShow(ctx, req.L(), req.Arg("team"))
}

func (c *cmds) teamShow(ctx context.Context, l *i18n.Localizer, id string) (bot.Reply, error) {
	t, err := c.Store.Team(ctx, strings.ToLower(id))
	if errors.Is(err, store.ErrNotFound) {
		return bot.Reply{}, noTeam(l, id)
	}
	if err != nil {
		return bot.Reply{}, err
	}
	members, err := c.Store.Members(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	slices.SortFunc(members, func(a, b store.Member) int { return strings.Compare(a.ID, b.ID) })
	var lines []string
	for _, m := range members {
		if m.Team == t.ID {
			roles := l.Join(roleNames(l, m.Roles))
			lines = append(lines, l.T("team.show.member_line", i18n.Data{"Name": m.Name, "ID": m.ID, "Roles": roles}))
		}
	}
	lead, err := c.memberName(ctx, l, t.Lead)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{
		Title: l.T("team.show.title", i18n.Data{"Name": t.Name, "ID": t.ID}),
		Fields: []bot.Field{{Name: l.T("team.field.lead", nil), Value: lead}, {Name: l.T("team.field.region", nil), Value: orDash(t.Region)},
			{Name: l.T("team.field.segment", nil), Value: orDash(t.Segment)}},
		Sections: []bot.Section{{Title: l.T("team.show.members", nil), Lines: lines}},
	}, nil
}

// noTeam answers a team id that names no team.
func noTeam(l *i18n.Localizer, id string) error {
	return bot.Errorf("%s", l.T("team.not_found", i18n.Data{"ID": id}))
}

// privileged roles may only be granted, and their holders changed, by
// admins: a lead who could make anyone an admin, or relink an admin's chat
// account, would be an admin; one who could make themselves an executive
// would read every team.
var privileged = []store.Role{store.RoleAdmin, store.RoleOps, store.RoleExec}

// mayChangeMember checks a change of a member by someone not an admin:
// never a privileged role, and only members the access table puts within
// their reach, before and after the change.
func (c *cmds) mayChangeMember(ctx context.Context, me, before, after store.Member, isNew bool) error {
	if me.Has(store.RoleAdmin) {
		return nil
	}
	l := i18n.FromContext(ctx)
	switch {
	case !isNew && before.Has(privileged...):
		return c.refuse(ctx, me, "team.only_admins_change", i18n.Data{"ID": before.ID, "Roles": l.Join(roleNames(l, before.Roles))})
	case after.Has(privileged...):
		return c.refuse(ctx, me, "team.only_admins_grant", nil)
	}
	who, err := c.caller(ctx, me)
	if err != nil {
		return err
	}
	// Both where the member is and where the change puts them must be
	// within reach: a lead may neither take in nor send away.
	states := map[string]store.Member{"team.member_would_be": after}
	if !isNew {
		states["team.member_is"] = before
	}
	for _, key := range []string{"team.member_is", "team.member_would_be"} {
		m, ok := states[key]
		if !ok {
			continue
		}
		s, err := c.memberSubject(ctx, m)
		if err != nil {
			return err
		}
		if rule, ok := c.Access.Check(who, access.Team, s); !ok {
			where := l.T("team.in_no_team", nil)
			if m.Team != "" {
				where = l.T("team.in_team", i18n.Data{"Team": m.Team})
			}
			return c.refusal(ctx, me, rule, l.T(key, i18n.Data{"ID": m.ID, "Where": where}), c.mayDo(ctx, access.Team, s))
		}
	}
	return nil
}

func (c *cmds) teamMember(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, id, l := req.Member, req.Arg("id"), req.L()
	if err := c.administer(ctx, me, access.Team); err != nil {
		return bot.Reply{}, err
	}
	if store.Slugify(id) != id || id == "" {
		return bot.Reply{}, bot.Errorf("%s", l.T("team.bad_member_id", i18n.Data{"ID": id}))
	}
	opts := options(req, memberOptions)
	// The rules are checked on the copy written: a change made meanwhile
	// by someone else is seen and checked again.
	var isNew bool
	m, err := c.Store.UpdateMember(ctx, id, func(m *store.Member, found bool) error {
		isNew = !found
		if isNew {
			if opts["name"] == "" || opts["roles"] == "" {
				return bot.UsageErrorf("%s", l.T("team.new_member", i18n.Data{"ID": id}))
			}
			if !me.Has(store.RoleAdmin) {
				m.Team = me.Team // a lead's new member joins the lead's team
			}
		}
		before := m.Clone()
		for k, v := range opts {
			if err := c.setMemberField(ctx, l, m, k, v); err != nil {
				return err
			}
		}
		return c.mayChangeMember(ctx, me, before, *m, isNew)
	})
	if taken := (*store.IdentityTakenError)(nil); errors.As(err, &taken) {
		return bot.Reply{}, bot.Errorf("%s", l.T("team.identity_taken", i18n.Data{"Platform": taken.Platform, "User": taken.User, "Holder": taken.Holder}))
	}
	if err != nil {
		return bot.Reply{}, err
	}
	r, err := c.memberReply(ctx, l, m)
	r.Text = l.T(map[bool]string{true: "team.member_added", false: "team.member_updated"}[isNew], nil)
	return r, err
}

func (c *cmds) setMemberField(ctx context.Context, l *i18n.Localizer, m *store.Member, key, v string) error {
	switch key {
	case "name":
		if v == "" {
			return bot.Errorf("%s", l.T("team.name_empty", nil))
		}
		m.Name = v
	case "roles":
		var roles []store.Role
		for _, s := range strings.Split(v, ",") {
			r, err := store.ParseRole(s)
			if err != nil {
				return bot.Errorf("%s", l.T("team.bad_role", i18n.Data{"Role": s, "Roles": strings.Join(roleIDs(), ", ")}))
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		m.Roles = roles
	case "team":
		if v != "" {
			if _, err := c.Store.Team(ctx, strings.ToLower(v)); errors.Is(err, store.ErrNotFound) {
				return bot.Errorf("%s", l.T("team.create_first", i18n.Data{"Team": v, "ID": strings.ToLower(v)}))
			} else if err != nil {
				return err
			}
		}
		m.Team = strings.ToLower(v)
	case "lead":
		lead := handle(v)
		if err := c.requireMember(ctx, lead); err != nil {
			return err
		}
		m.Lead = lead
	case "region":
		m.Region = v
	case "tz":
		if _, err := time.LoadLocation(v); err != nil || v == "" {
			return bot.Errorf("%s", l.T("team.bad_tz", i18n.Data{"TZ": v}))
		}
		m.TZ = v
	case "locale":
		m.Locale = v
	default: // a chat platform
		if m.Identities == nil {
			m.Identities = map[string]string{}
		}
		if v == "" {
			delete(m.Identities, key)
		} else {
			m.Identities[key] = v
		}
	}
	return nil
}

// roleIDs are the roles as typed in roles:, e.g. csm.
func roleIDs() []string {
	out := make([]string, len(store.Roles))
	for i, r := range store.Roles {
		out[i] = string(r)
	}
	return out
}

func (c *cmds) requireMember(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Errorf("%s", i18n.FromContext(ctx).T("team.no_member", i18n.Data{"ID": id}))
	}
	return err
}

func (c *cmds) teamSet(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, id, l := req.Member, strings.ToLower(req.Arg("team")), req.L()
	if err := c.administer(ctx, me, access.Team); err != nil {
		return bot.Reply{}, err
	}
	if store.Slugify(id) != id {
		return bot.Reply{}, bot.Errorf("%s", l.T("team.bad_team_id", i18n.Data{"ID": id}))
	}
	opts := options(req, teamOptions)
	var isNew bool
	t, err := c.Store.UpdateTeam(ctx, id, func(t *store.Team, found bool) error {
		isNew = !found
		if isNew && opts["name"] == "" {
			return bot.UsageErrorf("%s", l.T("team.new_team", i18n.Data{"ID": id}))
		}
		if !me.Has(store.RoleAdmin) {
			_, newLead := opts["lead"]
			if isNew || t.Lead != me.ID || newLead {
				return c.refuse(ctx, me, "team.lead_limits", nil)
			}
			if err := c.allowTeam(ctx, me, *t); err != nil {
				return err
			}
		}
		if v, ok := opts["name"]; ok {
			if v == "" {
				return bot.Errorf("%s", l.T("team.name_empty", nil))
			}
			t.Name = v
		}
		if v, ok := opts["lead"]; ok {
			if err := c.requireMember(ctx, handle(v)); err != nil {
				return err
			}
			t.Lead = handle(v)
		}
		if v, ok := opts["region"]; ok {
			t.Region = v
		}
		if v, ok := opts["segment"]; ok {
			t.Segment = v
		}
		return nil
	})
	if err != nil {
		return bot.Reply{}, err
	}
	r, err := c.teamShow(ctx, l, t.ID)
	r.Text = l.T(map[bool]string{true: "team.team_created", false: "team.team_updated"}[isNew], nil)
	return r, err
}

func (c *cmds) teamAssign(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, owner, l := req.Member, req.Arg("owner"), req.L()
	if err := c.administer(ctx, me, access.Assign); err != nil {
		return bot.Reply{}, err
	}
	if err := c.requireMember(ctx, owner); err != nil {
		return bot.Reply{}, err
	}
	a, err := c.accountFor(ctx, me, access.Assign, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	if err := c.allowMember(ctx, me, access.Assign, owner); err != nil {
		return bot.Reply{}, err
	}
	before := a.Owner
	if a, err = c.Health.Update(ctx, a.Slug, func(a *store.Account) error {
		// The check above read the owner of a copy that may be older.
		if a.Owner != before {
			return bot.Errorf("%s", l.T("team.owner_moved", i18n.Data{"Account": a.Name, "Owner": orDash(a.Owner)}))
		}
		a.Owner = owner
		return nil
	}); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Title: l.T("team.owner_changed", nil),
		Text: l.T("team.owner_now", i18n.Data{"Account": a.Name, "Owner": owner, "Before": orDash(before)})}, nil
}
