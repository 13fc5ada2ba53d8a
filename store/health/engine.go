package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/csbot/csbot/store"
)

// Repo is what the engine needs of the store.
type Repo interface {
	Member(ctx context.Context, id string) (store.Member, error)
	Members(ctx context.Context) ([]store.Member, error)
	SaveAccount(ctx context.Context, a store.Account, row store.AccountRow) error
	PutAccounts(ctx context.Context, as []store.Account) error
	EachAccount(ctx context.Context, fn func(store.Account) error) error
	SaveHistories(ctx context.Context, hs map[string]store.History) error
	AddSnapshots(ctx context.Context, snaps []store.Snapshot) error
	PutRows(ctx context.Context, rows []store.AccountRow) error
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	Snapshot(ctx context.Context, slug string, day time.Time) (store.Snapshot, error)
}

// Engine scores accounts and keeps their history, snapshots and index rows
// in step with every write.
type Engine struct {
	repo Repo
	cfg  Config
	now  func() time.Time
	// weights is cfg.Version(), worked out once.
	weights string
}

// NewEngine returns an engine; now is the clock (time.Now outside tests).
func NewEngine(repo Repo, cfg Config, now func() time.Time) *Engine {
	return &Engine{repo: repo, cfg: cfg, now: now, weights: cfg.Version()}
}

// Config returns the weights and thresholds in use.
func (e *Engine) Config() Config { return e.cfg }

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.now() }

// Assessment is everything a reply says about an account's health.
type Assessment struct {
	Result
	Trend Trend
	Risks []store.Risk
	// History is the account's history under the weights in force, before
	// today's score: the trend and risks read it, and saving records today's
	// score into it. It starts over when the weights changed (see current).
	History store.History
}

// Assess scores an account now, using its stored history for the trend.
func (e *Engine) Assess(a store.Account) Assessment {
	now := e.now()
	r := e.cfg.Score(a, now)
	r.Weights = e.weights
	a.History = e.current(a.History, now)
	t := TrendOf(a.History, now, r.Score, 30)
	return Assessment{Result: r, Trend: t, Risks: e.cfg.Risks(a, r, now), History: a.History}
}

// current returns the history today's score extends: h when the weights in
// force made it, else a new one restarted today, since scores of other
// weights don't compare. A history from before versions were recorded is
// taken as made by the weights in force.
func (e *Engine) current(h store.History, now time.Time) store.History {
	switch h.Weights {
	case e.weights:
		return h
	case "":
		h.Weights = e.weights
		return h
	}
	return store.History{Weights: e.weights, Restarted: store.Day(now)}
}

// Save scores the account, records today's score and writes the account
// with its index row and today's snapshot.
func (e *Engine) Save(ctx context.Context, a store.Account) error {
	team := ""
	if a.Owner != "" {
		owner, err := e.repo.Member(ctx, a.Owner)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		team = owner.Team
	}
	as := e.Assess(a)
	now := e.now()
	if as.Score >= 0 {
		a.History = as.History.Record(now, as.Score)
	}
	a.UpdatedAt = now.UTC()
	if err := e.repo.SaveAccount(ctx, a, Row(a, as, team)); err != nil {
		return fmt.Errorf("save account %s: %w", a.Slug, err)
	}
	if as.Score < 0 {
		return nil
	}
	return e.repo.AddSnapshots(ctx, []store.Snapshot{snapshot(a.Slug, now, as.Result)})
}

const refreshedKey = "health-refreshed"

// Refresh rescores every account for today: history, snapshot and index
// row. It reads the whole accounts collection, so it runs in the background
// (nightly, after imports, and when the console starts on a stale day).
// Unlike SaveAll it writes only the histories of the account documents, so
// that it cannot undo an edit made while it ran.
func (e *Engine) Refresh(ctx context.Context) (int, error) {
	teamOf, err := e.teams(ctx)
	if err != nil {
		return 0, err
	}
	var accounts []store.Account
	if err := e.repo.EachAccount(ctx, func(a store.Account) error {
		accounts = append(accounts, a)
		return nil
	}); err != nil {
		return 0, err
	}
	sc := e.scoreAll(teamOf, accounts)
	if err := e.repo.SaveHistories(ctx, sc.histories); err != nil {
		return 0, err
	}
	if err := sc.saveDerived(ctx, e.repo); err != nil {
		return 0, err
	}
	return len(accounts), e.repo.SetMeta(ctx, refreshedKey, store.Day(sc.now))
}

// SaveAll does for a set of accounts what Save does for one, in bulk:
// scores each, records today's score and writes the accounts whole with
// their index rows and today's snapshots. Ingest uses it to rescore the
// accounts a batch changed.
func (e *Engine) SaveAll(ctx context.Context, accounts []store.Account) error {
	if len(accounts) == 0 {
		return nil
	}
	teamOf, err := e.teams(ctx)
	if err != nil {
		return err
	}
	sc := e.scoreAll(teamOf, accounts)
	if err := e.repo.PutAccounts(ctx, sc.accounts); err != nil {
		return fmt.Errorf("save %d accounts: %w", len(accounts), err)
	}
	return sc.saveDerived(ctx, e.repo)
}

// scored is a set of accounts rescored for today.
type scored struct {
	now time.Time
	// accounts carry today's score in their history and now as update time.
	accounts []store.Account
	// histories are those of the accounts that had a score.
	histories map[string]store.History
	snaps     []store.Snapshot
	rows      []store.AccountRow
}

// teams maps each member to their team.
func (e *Engine) teams(ctx context.Context) (map[string]string, error) {
	members, err := e.repo.Members(ctx)
	if err != nil {
		return nil, err
	}
	teamOf := make(map[string]string, len(members))
	for _, m := range members {
		teamOf[m.ID] = m.Team
	}
	return teamOf, nil
}

func (e *Engine) scoreAll(teamOf map[string]string, accounts []store.Account) scored {
	now := e.now()
	sc := scored{now: now, accounts: make([]store.Account, 0, len(accounts)), histories: map[string]store.History{}, rows: make([]store.AccountRow, 0, len(accounts))}
	for _, a := range accounts {
		as := e.Assess(a)
		if as.Score >= 0 {
			a.History = as.History.Record(now, as.Score)
			sc.histories[a.Slug] = a.History
			sc.snaps = append(sc.snaps, snapshot(a.Slug, now, as.Result))
		}
		a.UpdatedAt = now.UTC()
		sc.accounts = append(sc.accounts, a)
		sc.rows = append(sc.rows, Row(a, as, teamOf[a.Owner]))
	}
	return sc
}

// saveDerived writes the snapshots and index rows.
func (sc scored) saveDerived(ctx context.Context, repo Repo) error {
	if err := repo.AddSnapshots(ctx, sc.snaps); err != nil {
		return err
	}
	return repo.PutRows(ctx, sc.rows)
}

// RefreshIfStale refreshes when no refresh has run today.
func (e *Engine) RefreshIfStale(ctx context.Context) (bool, error) {
	day, err := e.repo.Meta(ctx, refreshedKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if day == store.Day(e.now()) {
		return false, nil
	}
	_, err = e.Refresh(ctx)
	return err == nil, err
}

func snapshot(slug string, now time.Time, r Result) store.Snapshot {
	comps := make(map[string]int, len(r.Components))
	for _, c := range r.Components {
		comps[c.Name] = c.Score
	}
	return store.Snapshot{ID: store.SnapshotID(slug, now), Account: slug, Date: store.Day(now), Score: r.Score, Band: r.Band, Components: comps, Weights: r.Weights}
}

// Row is the account's line in list views.
func Row(a store.Account, as Assessment, team string) store.AccountRow {
	row := store.AccountRow{
		Slug: a.Slug, Name: a.Name, Tier: a.Tier, Region: a.Region, Segment: a.Segment,
		Owner: a.Owner, Team: team, ARR: a.ARR, Phase: a.Phase,
		Score: as.Score, Band: as.Band, Delta30: as.Trend.Delta30, Risks: as.Risks,
	}
	if !a.Renewal.IsZero() {
		row.Renewal = store.Day(a.Renewal)
	}
	row.OnboardStart, row.OnboardLastDue, row.OnboardDone = onboardingDays(a)
	return row
}

// onboardingDays sums up the milestones for KPIs. Onboarding began on the
// phase start while the account is in onboarding; once it has moved on, the
// phase start is the next phase's, so the earliest milestone date stands in.
func onboardingDays(a store.Account) (start, lastDue, done string) {
	if len(a.Milestones) == 0 {
		return "", "", ""
	}
	first, due, last, open := a.Milestones[0].Due, time.Time{}, time.Time{}, false
	for _, m := range a.Milestones {
		first, due = minTime(first, m.Due), maxTime(due, m.Due)
		if m.Done == nil {
			open = true
			continue
		}
		first, last = minTime(first, *m.Done), maxTime(last, *m.Done)
	}
	if a.Phase == store.PhaseOnboarding && !a.PhaseStart.IsZero() {
		first = a.PhaseStart
	}
	if !open {
		done = store.Day(last)
	}
	return store.Day(first), store.Day(due), done
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
