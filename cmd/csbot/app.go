package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
)

// app is the wired program: store, health engine and command router.
type app struct {
	store      *mongostore.Store
	engine     *health.Engine
	playbooks  *playbooks.Set
	checklists *checklists.Set
	schedule   *playbooks.Schedule
	router     *bot.Router
	metrics    *metrics
	log        *slog.Logger
	// org is the language of messages to members who chose none
	// (CSBOT_LOCALE) and the currency of amounts.
	org i18n.Org
	// readiness lists the chat adapters /readyz checks; draining is set
	// once shutdown begins.
	readiness []platform
	draining  atomic.Bool
}

func openApp(ctx context.Context, o options, log *slog.Logger) (*app, error) {
	st, err := mongostore.Open(ctx, mongostore.Config{URI: o.MongoURI, DataDir: o.DataDir, Database: o.Database, Logger: log,
		AuditRetention: time.Duration(o.AuditRetentionDays) * 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	set, err := playbooks.Load(o.PlaybooksDir)
	if err != nil {
		_ = st.Close(ctx)
		return nil, err
	}
	lists, err := checklists.Load(o.ChecklistsDir)
	if err != nil {
		_ = st.Close(ctx)
		return nil, err
	}
	sched, err := o.schedule()
	if err != nil {
		_ = st.Close(ctx)
		return nil, err
	}
	engine := health.NewEngine(st, o.Health, time.Now)
	tz, _ := time.LoadLocation(o.TZ) // validated with the options
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{Store: st, Health: engine, Playbooks: set, Checklists: lists, TZ: tz, Access: &o.Access, Currency: o.Currency}); err != nil {
		_ = st.Close(ctx)
		return nil, err
	}
	m := newMetrics()
	st.OnError(m.observeStoreError)
	router := bot.NewRouter(reg, st, log)
	router.OnHandled(m.observeCommand)
	router.SetLocale(o.Locale)
	return &app{store: st, engine: engine, playbooks: set, checklists: lists, schedule: sched, router: router, metrics: m, log: log, org: i18n.Org{Locale: o.Locale, Currency: o.Currency}}, nil
}

func (a *app) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.store.Close(ctx); err != nil {
		a.log.Warn("close store", "err", err)
	}
}

// member finds who the console acts as: the given id or handle, else the
// first admin by id.
func (a *app) member(ctx context.Context, as string) (store.Member, error) {
	if as != "" {
		m, err := a.store.Member(ctx, strings.ToLower(strings.TrimPrefix(as, "@")))
		if errors.Is(err, store.ErrNotFound) {
			return store.Member{}, fmt.Errorf("--as %s: no such member; `csbot console --demo` has demo members, or add one with `/cs team member`", as)
		}
		return m, err
	}
	members, err := a.store.Members(ctx)
	if err != nil {
		return store.Member{}, err
	}
	slices.SortFunc(members, func(x, y store.Member) int { return strings.Compare(x.ID, y.ID) })
	for _, m := range members {
		if m.Has(store.RoleAdmin) {
			return m, nil
		}
	}
	return store.Member{}, errors.New("no admin yet: run `csbot console --demo` for demo data, or `csbot seed admin <id> <name>` to create the first admin")
}
