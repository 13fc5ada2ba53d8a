package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/internal/healthtext"
	"github.com/csbot/csbot/store"
)

// listLimit caps list replies; the footer says how many more there are.
const listLimit = 25

func (c *cmds) accountsCommand() command {
	return command{For: needs(access.Accounts), Command: bot.Command{
		Name: "accounts",
		Args: []bot.Arg{scopeArg,
			{Name: "owner", Kind: bot.Member, Help: "the accounts of one member, e.g. @aiko"},
			tierArg,
			{Name: "region", Option: true, Help: "a region, e.g. osaka"},
			{Name: "risk", Kind: bot.Flag, Help: "only accounts with a churn risk"},
		},
		Summary: "a book of accounts, riskiest first",
		Help: "Without a scope a CSM sees their own book, a lead their team's, executives and admins everything. " +
			"Filters combine: `/cs accounts all tier:high risk`.",
		Examples: []string{"/cs accounts", "/cs accounts risk", "/cs accounts @aiko tier:high", "/cs accounts all region:osaka"},
		Handler:  c.accounts,
	}}
}

// Arguments that narrow a book of accounts.
var (
	scopeArg = bot.Arg{Name: "scope", Kind: bot.Enum, Choices: []string{"mine", "team", "all"},
		Help: "whose accounts; by default a CSM's own, a lead's team, everything for executives and admins"}
	tierArg = bot.Arg{Name: "tier", Kind: bot.Enum, Option: true, Choices: tierNames(), Help: "a touch tier"}
)

func tierNames() []string {
	out := make([]string, len(store.Tiers))
	for i, t := range store.Tiers {
		out[i] = string(t)
	}
	return out
}

// filter selects rows of the account index.
type filter struct {
	desc  []string
	match []func(store.AccountRow) bool
}

func (f *filter) add(desc string, m func(store.AccountRow) bool) {
	f.desc = append(f.desc, desc)
	f.match = append(f.match, m)
}

func (f *filter) apply(rows []store.AccountRow) []store.AccountRow {
	return slices.DeleteFunc(rows, func(r store.AccountRow) bool {
		for _, m := range f.match {
			if !m(r) {
				return true
			}
		}
		return false
	})
}

// scopeFilter keeps the rows the member may read with the action, and
// applies a scope word (mine, @user, team, all) or, when none was given,
// the member's default view. A scope wider than the access rule allows
// is refused with the rule.
func (c *cmds) scopeFilter(ctx context.Context, l *i18n.Localizer, f *filter, me store.Member, a access.Action, scope string) error {
	rule, readable, err := c.readable(ctx, me, a)
	if err != nil {
		return err
	}
	if rule.Scope == access.ScopeNone {
		return c.refusal(ctx, me, rule, i18n.FromContext(ctx).T("access.read_none", nil), c.mayReach(a, access.ScopeOwn))
	}
	f.match = append(f.match, readable)
	if scope == "" {
		scope = defaultScope(me, rule.Scope)
	}
	switch {
	case scope == "all":
		if err := c.widerThan(ctx, me, rule, access.ScopeAll, scope); err != nil {
			return err
		}
		f.desc = append(f.desc, l.T("accounts.filter.all", nil))
	case scope == "mine":
		f.add(l.T("accounts.filter.mine", nil), func(r store.AccountRow) bool { return r.Owner == me.ID })
	case scope == "team":
		if me.Team == "" {
			return bot.Refusal("accounts.no_team", nil)
		}
		if err := c.widerThan(ctx, me, rule, access.ScopeTeam, scope); err != nil {
			return err
		}
		f.add(l.T("accounts.filter.team", i18n.Data{"Team": me.Team}), func(r store.AccountRow) bool { return r.Team == me.Team })
	case strings.HasPrefix(scope, "@"):
		id := handle(scope)
		if _, err := c.Store.Member(ctx, id); errors.Is(err, store.ErrNotFound) {
			return bot.Refusal("accounts.no_member", i18n.Data{"ID": id})
		} else if err != nil {
			return err
		}
		if err := c.allow(ctx, me, a, id, "access.accounts_of", i18n.Data{"ID": id}, id); err != nil {
			return err
		}
		f.add(l.T("accounts.filter.owner", i18n.Data{"ID": id}), func(r store.AccountRow) bool { return r.Owner == id })
	}
	return nil
}

func (c *cmds) accounts(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	l := req.L()
	f := &filter{}
	scope := req.Arg("scope")
	if req.Has("owner") {
		if scope != "" {
			return bot.Reply{}, bot.UsageRefusal("accounts.two_scopes", i18n.Data{"Scope": scope, "Owner": req.Arg("owner")})
		}
		scope = "@" + req.Arg("owner")
	}
	if req.Has("tier") {
		t := store.Tier(req.Arg("tier"))
		f.add(l.T("accounts.filter.tier", i18n.Data{"Tier": tierWord(l, t)}), func(r store.AccountRow) bool { return r.Tier == t })
	}
	if req.Has("region") {
		val := strings.ToLower(req.Arg("region"))
		f.add(l.T("accounts.filter.region", i18n.Data{"Region": val}), func(r store.AccountRow) bool { return strings.EqualFold(r.Region, val) })
	}
	if req.Has("risk") {
		f.add(l.T("accounts.filter.at_risk", nil), atRisk)
	}
	if err := c.scopeFilter(ctx, l, f, req.Member, access.Accounts, scope); err != nil {
		return bot.Reply{}, err
	}
	rows, err := c.Store.AccountRows(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	rows = f.apply(rows)
	slices.SortFunc(rows, byRisk)
	r := bot.Reply{Title: l.T("accounts.title", i18n.Data{"Filters": i18n.List(f.desc)})}
	if len(rows) == 0 {
		r.Text = l.T("accounts.none", nil)
		return r, nil
	}
	lines := make([]string, 0, min(len(rows), listLimit))
	redacted := make([]string, 0, cap(lines))
	for _, row := range rows[:min(len(rows), listLimit)] {
		lines = append(lines, c.rowLine(l, row, true))
		redacted = append(redacted, c.rowLine(l, row, false))
	}
	r.Sections = []bot.Section{{Lines: lines, Sensitive: true, Redacted: redacted}}
	r.Footer = shownFooter(l, len(lines), len(rows))
	return r, nil
}

func atRisk(r store.AccountRow) bool { return len(r.Risks) > 0 }

// tierWord is a tier as lists show it: the word typed in tier:high in
// English, the CS name (ハイタッチ) in Japanese.
func tierWord(l *i18n.Localizer, t store.Tier) string {
	return l.T("accounts.tier."+string(t), nil)
}

// byRisk orders rows riskiest first: more rules fired, then lower score,
// then larger ARR.
func byRisk(a, b store.AccountRow) int {
	if d := len(b.Risks) - len(a.Risks); d != 0 {
		return d
	}
	if a.Score != b.Score {
		if a.Score < 0 || b.Score < 0 {
			return b.Score - a.Score // no data sorts last
		}
		return a.Score - b.Score
	}
	if a.ARR != b.ARR {
		if a.ARR > b.ARR {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Slug, b.Slug)
}

// rowLine is one account of a list; figures adds its ARR, which public
// channels do not see.
func (c *cmds) rowLine(l *i18n.Localizer, r store.AccountRow, figures bool) string {
	score := " --"
	if r.Score >= 0 {
		score = fmt.Sprintf("%3d", r.Score)
	}
	parts := []string{tierWord(l, r.Tier)}
	if r.Region != "" {
		parts = append(parts, r.Region)
	}
	if r.Owner != "" {
		parts = append(parts, "@"+r.Owner)
	}
	if figures {
		parts = append(parts, l.T("accounts.row.arr", i18n.Data{"ARR": l.Money(r.ARR, c.Currency)}))
	}
	line := fmt.Sprintf("%s %s  %s (%s)  %s", bandSymbol(r.Band), score, r.Name, r.Slug, strings.Join(parts, " · "))
	if n := len(r.Risks); n > 0 {
		rules := make([]string, n)
		for i, k := range r.Risks {
			rules[i] = k.Rule
		}
		line += "  " + l.T("accounts.row.risk", i18n.Data{"Rules": i18n.List(rules)})
	}
	return line
}

func bandSymbol(band string) string {
	switch band {
	case "green":
		return "G"
	case "yellow":
		return "Y"
	case "red":
		return "R"
	}
	return "-"
}

func shownFooter(l *i18n.Localizer, shown, total int) string {
	if shown == total {
		return l.N("accounts.count", total, nil)
	}
	return l.N("accounts.shown", total, i18n.Data{"Shown": shown})
}

func (c *cmds) riskCommand() command {
	return command{For: needs(access.Risk), Command: bot.Command{
		Name:    "risk",
		Args:    []bot.Arg{scopeArg},
		Summary: "current churn risks, largest ARR first, with the rule that fired",
		Help: "Rules: red band; a fall of 15+ points in 30 days; renewal within 90 days with health below 60; " +
			"onboarding stalled 14+ days; an NPS detractor in the last 30 days; no touch for longer than the tier allows.",
		Examples: []string{"/cs risk", "/cs risk all"},
		Slow:     true,
		Handler:  c.risk,
	}}
}

func (c *cmds) risk(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	l := req.L()
	f := &filter{}
	if err := c.scopeFilter(ctx, l, f, req.Member, access.Risk, req.Arg("scope")); err != nil {
		return bot.Reply{}, err
	}
	f.add(l.T("accounts.filter.at_risk", nil), atRisk)
	rows, err := c.Store.AccountRows(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	rows = f.apply(rows)
	slices.SortFunc(rows, func(a, b store.AccountRow) int {
		if a.ARR != b.ARR {
			if a.ARR > b.ARR {
				return -1
			}
			return 1
		}
		return byRisk(a, b)
	})
	r := bot.Reply{Title: l.T("accounts.risk.title", i18n.Data{"Filters": i18n.List(f.desc)})}
	if len(rows) == 0 {
		r.Band = "green"
		r.Text = l.T("accounts.risk.none", nil)
		return r, nil
	}
	r.Band = "red"
	var arr int64
	byRule := map[string]int{}
	for _, row := range rows {
		arr += row.ARR
		for _, k := range row.Risks {
			byRule[k.Rule]++
		}
	}
	var ruleCounts []string
	for _, rule := range sortedKeys(byRule) {
		ruleCounts = append(ruleCounts, l.T("accounts.risk.rule_count", i18n.Data{"Rule": rule, "Count": byRule[rule]}))
	}
	r.Fields = []bot.Field{
		{Name: l.T("accounts.risk.field.at_risk", nil), Value: l.N("accounts.count", len(rows), nil)},
		{Name: l.T("accounts.risk.field.arr", nil), Value: l.Money(arr, c.Currency), Sensitive: true},
		{Name: l.T("accounts.risk.field.rules", nil), Value: l.Join(ruleCounts)},
	}
	var lines, redacted []string
	for _, row := range rows[:min(len(rows), listLimit)] {
		lines = append(lines, c.rowLine(l, row, true))
		redacted = append(redacted, c.rowLine(l, row, false))
		for _, k := range row.Risks {
			lines = append(lines, "    - "+healthtext.Reason(req.L(), k))
		}
	}
	r.Sections = []bot.Section{{Lines: lines, Sensitive: true, Redacted: redacted}}
	r.Footer = shownFooter(l, min(len(rows), listLimit), len(rows))
	return r, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
