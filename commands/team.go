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
	"github.com/csbot/csbot/store/health"
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
	lead, err := c.memberNameIn(ctx, l, m.Lead)
	if err != nil {
		return bot.Reply{}, err
	}
	team := orDash(m.Team)
	if m.Team != "" {
		if t, err := c.Store.Team(ctx, m.Team); err == nil {
			team = fmt.Sprintf("%s (%s)", t.Name, t.ID)
		}
	}
	roles := roleNames(m.Roles)
	var ids []string
	for _, p := range sortedKeys(m.Identities) {
		ids = append(ids, p+" "+m.Identities[p])
	}
	return bot.Reply{
		Title: fmt.Sprintf("%s (@%s)", m.Name, m.ID),
		Fields: []bot.Field{
			{Name: l.T("whoami.field.roles", nil), Value: orDash(strings.Join(roles, l.T("format.list_sep", nil)))},
			{Name: l.T("whoami.field.team", nil), Value: team},
			{Name: l.T("whoami.field.lead", nil), Value: lead},
			{Name: l.T("whoami.field.region", nil), Value: orDash(m.Region)},
			{Name: l.T("whoami.field.tz", nil), Value: orDash(m.TZ)},
			{Name: l.T("whoami.field.chat", nil), Value: orDash(strings.Join(ids, l.T("format.list_sep", nil)))},
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
		return c.refusal(ctx, me, rule, "you may change no "+map[access.Action]string{access.Team: "member or team", access.Assign: "account's owner", access.Checklist: "checklist"}[a], "")
	}
	return nil
}

func (c *cmds) teamList(ctx context.Context, _ *bot.Request) (bot.Reply, error) {
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
	lines := make([]string, 0, len(teams)+1)
	for _, t := range teams {
		lines = append(lines, fmt.Sprintf("%s (%s): lead @%s, %s", t.Name, t.ID, orDash(t.Lead), health.Plural(count[t.ID], "member")))
	}
	if n := count[""]; n > 0 {
		lines = append(lines, "no team: "+health.Plural(n, "member"))
	}
	return bot.Reply{Title: "Teams", Sections: []bot.Section{{Lines: lines}}, Footer: "/cs team show <team> lists its members"}, nil
}

func (c *cmds) teamShowCmd(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	return c.teamShow(ctx, req.Arg("team"))
}

func (c *cmds) teamShow(ctx context.Context, id string) (bot.Reply, error) {
	t, err := c.Store.Team(ctx, strings.ToLower(id))
	if errors.Is(err, store.ErrNotFound) {
		return bot.Reply{}, bot.Errorf("There is no team '%s'. `/cs team` lists them.", id)
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
			roles := roleNames(m.Roles)
			lines = append(lines, fmt.Sprintf("%s (@%s): %s", m.Name, m.ID, strings.Join(roles, ", ")))
		}
	}
	lead, err := c.memberName(ctx, t.Lead)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{
		Title:    fmt.Sprintf("Team %s (%s)", t.Name, t.ID),
		Fields:   []bot.Field{{Name: "Lead", Value: lead}, {Name: "Region", Value: orDash(t.Region)}, {Name: "Segment", Value: orDash(t.Segment)}},
		Sections: []bot.Section{{Title: "Members", Lines: lines}},
	}, nil
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
	switch {
	case !isNew && before.Has(privileged...):
		return bot.Errorf("Only admins can change @%s, who has the %s role.", before.ID, strings.Join(roleNames(before.Roles), ", "))
	case after.Has(privileged...):
		return bot.Errorf("Only admins can give the exec, admin or ops role. Ask a csbot admin.")
	}
	who, err := c.caller(ctx, me)
	if err != nil {
		return err
	}
	// Both where the member is and where the change puts them must be
	// within reach: a lead may neither take in nor send away.
	states := map[string]store.Member{"would be": after}
	if !isNew {
		states["is"] = before
	}
	for _, verb := range []string{"is", "would be"} {
		m, ok := states[verb]
		if !ok {
			continue
		}
		s, err := c.memberSubject(ctx, m)
		if err != nil {
			return err
		}
		if rule, ok := c.Access.Check(who, access.Team, s); !ok {
			where := "in no team"
			if m.Team != "" {
				where = "in team " + m.Team
			}
			return c.refusal(ctx, me, rule, fmt.Sprintf("@%s %s %s", m.ID, verb, where), "")
		}
	}
	return nil
}

func roleNames(roles []store.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func (c *cmds) teamMember(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, id := req.Member, req.Arg("id")
	if err := c.administer(ctx, me, access.Team); err != nil {
		return bot.Reply{}, err
	}
	if store.Slugify(id) != id || id == "" {
		return bot.Reply{}, bot.Errorf("'%s' cannot be a member id: use lowercase letters, digits and '-'.", id)
	}
	opts := options(req, memberOptions)
	// The rules are checked on the copy written: a change made meanwhile
	// by someone else is seen and checked again.
	var isNew bool
	m, err := c.Store.UpdateMember(ctx, id, func(m *store.Member, found bool) error {
		isNew = !found
		if isNew {
			if opts["name"] == "" || opts["roles"] == "" {
				return bot.UsageErrorf("@%s is new: give at least name:\"Full Name\" and roles:csm.", id)
			}
			if !me.Has(store.RoleAdmin) {
				m.Team = me.Team // a lead's new member joins the lead's team
			}
		}
		before := m.Clone()
		for k, v := range opts {
			if err := c.setMemberField(ctx, m, k, v); err != nil {
				return err
			}
		}
		return c.mayChangeMember(ctx, me, before, *m, isNew)
	})
	if errors.Is(err, store.ErrIdentityTaken) {
		return bot.Reply{}, bot.Errorf("%v", err)
	}
	if err != nil {
		return bot.Reply{}, err
	}
	r, err := c.memberReply(ctx, i18n.English, m)
	r.Text = map[bool]string{true: "Member added.", false: "Member updated."}[isNew]
	return r, err
}

func (c *cmds) setMemberField(ctx context.Context, m *store.Member, key, v string) error {
	switch key {
	case "name":
		if v == "" {
			return bot.Errorf("name cannot be empty.")
		}
		m.Name = v
	case "roles":
		var roles []store.Role
		for _, s := range strings.Split(v, ",") {
			r, err := store.ParseRole(s)
			if err != nil {
				return bot.Errorf("%v", err)
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		m.Roles = roles
	case "team":
		if v != "" {
			if _, err := c.Store.Team(ctx, strings.ToLower(v)); errors.Is(err, store.ErrNotFound) {
				return bot.Errorf("There is no team '%s'; create it first with `/cs team set %s name:...`.", v, strings.ToLower(v))
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
			return bot.Errorf("'%s' is not a time zone; use a name like Asia/Tokyo or Europe/Berlin.", v)
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

func (c *cmds) requireMember(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	_, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Errorf("No team member is called @%s. `/cs team` lists teams and members.", id)
	}
	return err
}

func (c *cmds) teamSet(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, id := req.Member, strings.ToLower(req.Arg("team"))
	if err := c.administer(ctx, me, access.Team); err != nil {
		return bot.Reply{}, err
	}
	if store.Slugify(id) != id {
		return bot.Reply{}, bot.Errorf("'%s' cannot be a team id: use lowercase letters, digits and '-'.", id)
	}
	opts := options(req, teamOptions)
	var isNew bool
	t, err := c.Store.UpdateTeam(ctx, id, func(t *store.Team, found bool) error {
		isNew = !found
		if isNew && opts["name"] == "" {
			return bot.UsageErrorf("Team %s is new: give it a name:\"...\".", id)
		}
		if !me.Has(store.RoleAdmin) {
			_, newLead := opts["lead"]
			if isNew || t.Lead != me.ID || newLead {
				return bot.Errorf("Leads can change the name, region and segment of the team they lead; creating teams and naming leads is for admins.")
			}
			if err := c.allowTeam(ctx, me, *t); err != nil {
				return err
			}
		}
		if v, ok := opts["name"]; ok {
			if v == "" {
				return bot.Errorf("name cannot be empty.")
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
	r, err := c.teamShow(ctx, t.ID)
	r.Text = map[bool]string{true: "Team created.", false: "Team updated."}[isNew]
	return r, err
}

func (c *cmds) teamAssign(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	me, owner := req.Member, req.Arg("owner")
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
			return bot.Errorf("%s changed owner to @%s meanwhile; look again and retry if still needed.", a.Name, orDash(a.Owner))
		}
		a.Owner = owner
		return nil
	}); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Title: "Owner changed", Text: fmt.Sprintf("%s now belongs to @%s (was @%s).", a.Name, owner, orDash(before))}, nil
}
