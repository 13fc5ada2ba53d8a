// Package commands implements the `/cs` subcommands, platform-neutral: each
// takes a bot.Request and returns a bot.Reply that adapters render.
package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/csbot/csbot/internal/suggest"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Store is what the commands read and write.
type Store interface {
	Account(ctx context.Context, slug string) (store.Account, error)
	AccountRows(ctx context.Context) ([]store.AccountRow, error)
	Member(ctx context.Context, id string) (store.Member, error)
	Members(ctx context.Context) ([]store.Member, error)
	UpdateMember(ctx context.Context, id string, change func(m *store.Member, found bool) error) (store.Member, error)
	Team(ctx context.Context, id string) (store.Team, error)
	Teams(ctx context.Context) ([]store.Team, error)
	UpdateTeam(ctx context.Context, id string, change func(t *store.Team, found bool) error) (store.Team, error)
	AddTouch(ctx context.Context, t store.Touch) error
	OutboxFailed(ctx context.Context) ([]store.OutboxItem, error)
	Outbox(ctx context.Context, id string) (store.OutboxItem, error)
	Enqueue(ctx context.Context, it store.OutboxItem) (bool, error)
	Claim(ctx context.Context, id string, at time.Time) (bool, error)
	Claimed(ctx context.Context, id string) (bool, error)
	Assignment(ctx context.Context, newHire string) (store.Assignment, error)
	Assignments(ctx context.Context) ([]store.Assignment, error)
	UpdateAssignment(ctx context.Context, newHire string, change func(*store.Assignment) error) (store.Assignment, error)
	RevenueEvents(ctx context.Context) ([]store.RevenueEvent, error)
	Responses(ctx context.Context) ([]store.Response, error)
	UsageOn(ctx context.Context, day string) ([]store.Usage, error)
	ChannelMark(ctx context.Context, platform, channel string) (store.ChannelMark, error)
	SetChannelMark(ctx context.Context, platform, channel string, mark store.ChannelMark) error
	Audit(ctx context.Context, kind, subject string, since time.Time) ([]store.AuditRecord, error)
}

// Scorer scores accounts and saves them with their derived data.
type Scorer interface {
	Assess(a store.Account) health.Assessment
	Update(ctx context.Context, slug string, change func(*store.Account) error) (store.Account, error)
	Now() time.Time
	Config() health.Config
	Why(ctx context.Context, a store.Account) (health.Explanation, error)
}

// Deps are the commands' dependencies.
type Deps struct {
	Store  Store
	Health Scorer
	// Playbooks are the playbooks in force; nil leaves `/cs playbook` saying so.
	Playbooks *playbooks.Set
	// TZ is the time zone of people who have none (CSBOT_TZ); nil is UTC.
	TZ *time.Location
	// Checklists are the mentor checklist templates; nil leaves
	// `/cs checklist` saying none are loaded.
	Checklists *checklists.Set
	// Access is the access table in force; nil is access.Default().
	Access *access.Policy
	// Currency is the ISO 4217 code amounts are shown in (e.g. JPY); ""
	// shows bare numbers.
	Currency string
}

// Register adds every command of this package to reg.
func Register(reg *bot.Registry, d Deps) error {
	if d.Access == nil {
		d.Access = access.Default()
	}
	c := &cmds{Deps: d, gates: map[string]gate{}}
	return c.register(reg,
		c.helpCommand(reg),
		c.healthCommand(),
		c.onboardingCommand(),
		c.accountsCommand(),
		c.riskCommand(),
		c.noteCommand(),
		c.playbookCommand(),
		c.reminderCommand(),
		c.statusCommand(),
		c.whoamiCommand(),
		c.teamCommand(),
		c.checklistCommand(),
		c.kpiCommand(),
		c.channelCommand(),
		c.auditCommand(),
	)
}

// register adds the commands to reg and keeps their gates for help; a
// command that does not say who may run it is refused.
func (c *cmds) register(reg *bot.Registry, all ...command) error {
	cs := make([]bot.Command, len(all))
	for i, cm := range all {
		if !cm.For.declared() {
			return fmt.Errorf("command %q: say who may run it (needs, roles or everyone)", cm.Name)
		}
		c.gates[cm.Name], cs[i] = cm.For, cm.Command
	}
	return reg.Register(cs...)
}

type cmds struct {
	Deps
	// gates are who may run each command, by name.
	gates map[string]gate
}

// Arguments many commands share.
var (
	accountArg = bot.Arg{Name: "account", Kind: bot.Account, Required: true, Help: "slug, name or the start of a name"}
	shareArg   = bot.Arg{Name: "share", Kind: bot.Flag, Help: "post the answer for the whole channel"}
)

// resolveAccount finds an account by slug, exact name or unambiguous
// prefix, comparing folded text (suggest.Fold: full-width and half-width
// forms alike, any case; suggest.Key: katakana and hiragana alike). The
// slug hit, by far the common case, is one primary-key read.
func (c *cmds) resolveAccount(ctx context.Context, query string) (store.Account, error) {
	q := suggest.Fold(strings.TrimSpace(query))
	if q == "" {
		return store.Account{}, bot.UsageRefusal(bot.MissingAccount, nil)
	}
	// No account has a longer name: answer at once, without a search.
	if n := utf8.RuneCountInString(q); n > store.MaxName {
		return store.Account{}, bot.Refusal("accounts.name_too_long", i18n.Data{"Given": n, "Max": store.MaxName})
	}
	for _, slug := range slices.Compact([]string{q, store.Slugify(q)}) {
		a, err := c.Store.Account(ctx, slug)
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Account{}, err
		}
	}
	rows, err := c.Store.AccountRows(ctx)
	if err != nil {
		return store.Account{}, err
	}
	// Names match by suggest.Key, katakana and hiragana alike; where the
	// same start is written in both, the kana the user typed wins.
	key := suggest.Kana(q)
	var matches, same []store.AccountRow
	for _, r := range rows {
		name := suggest.Fold(r.Name)
		if name == q {
			return c.Store.Account(ctx, r.Slug)
		}
		if strings.HasPrefix(name, q) || strings.HasPrefix(r.Slug, q) {
			same = append(same, r)
		}
		if strings.HasPrefix(suggest.Kana(name), key) || strings.HasPrefix(suggest.Kana(r.Slug), key) {
			matches = append(matches, r)
		}
	}
	if len(same) > 0 {
		matches = same
	}
	switch len(matches) {
	case 1:
		return c.Store.Account(ctx, matches[0].Slug)
	case 0:
		names := make([]string, 0, 2*len(rows))
		for _, r := range rows {
			names = append(names, r.Name)
		}
		if near := suggest.Closest(query, names, 3); len(near) > 0 {
			return store.Account{}, bot.Refusal("accounts.no_match_near", i18n.Data{"Query": query, "Names": i18n.List(near)})
		}
		return store.Account{}, bot.Refusal("accounts.no_match", i18n.Data{"Query": query})
	}
	slices.SortFunc(matches, func(a, b store.AccountRow) int { return strings.Compare(a.Name, b.Name) })
	names := make([]string, 0, 5)
	for _, m := range matches[:min(5, len(matches))] {
		names = append(names, fmt.Sprintf("%s (%s)", m.Name, m.Slug))
	}
	data := i18n.Data{"Query": query, "Count": len(matches), "Names": i18n.List(names), "More": len(matches) - len(names)}
	if len(matches) > len(names) {
		return store.Account{}, bot.Refusal("accounts.ambiguous_more", data)
	}
	return store.Account{}, bot.Refusal("accounts.ambiguous", data)
}

// memberName shows a member as "Aiko Tanaka (@aiko)", in l's language
// when there is none or the member is gone.
func (c *cmds) memberName(ctx context.Context, l *i18n.Localizer, id string) (string, error) {
	if id == "" {
		return l.T("member.nobody", nil), nil
	}
	m, err := c.Store.Member(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return l.T("member.gone", i18n.Data{"ID": id}), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (@%s)", m.Name, m.ID), nil
}

// handle strips the "@" people type before a member id.
func handle(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@")) }

func signed(d int) string {
	switch {
	case d > 0:
		return fmt.Sprintf("▲ +%d", d)
	case d < 0:
		return fmt.Sprintf("▼ %d", d)
	}
	return "= 0"
}

func freshness(l *i18n.Localizer, now time.Time, a store.Account) string {
	s := l.T("fresh.as_of", i18n.Data{"Time": stamp(l, now)})
	if !a.UpdatedAt.IsZero() {
		s += " · " + l.T("fresh.updated", i18n.Data{"Day": l.Date(a.UpdatedAt)})
	}
	return s
}

// stamp is a moment as the language writes it, in UTC: "2026-11-25 10:00 UTC".
func stamp(l *i18n.Localizer, t time.Time) string {
	return l.T("format.time", i18n.Data{"Date": l.Date(t), "Clock": t.UTC().Format("15:04 MST")})
}
