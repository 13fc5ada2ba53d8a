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
	EachAccount(ctx context.Context, fn func(store.Account) error) error
	SaveHistories(ctx context.Context, hs map[string]store.History) error
	SaveSnapshots(ctx context.Context, snaps []store.Snapshot) error
	PutRows(ctx context.Context, rows []store.AccountRow) error
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// Engine scores accounts and keeps their history, snapshots and index rows
// in step with every write.
type Engine struct {
	repo Repo
	cfg  Config
	now  func() time.Time
}

// NewEngine returns an engine; now is the clock (time.Now outside tests).
func NewEngine(repo Repo, cfg Config, now func() time.Time) *Engine {
	return &Engine{repo: repo, cfg: cfg, now: now}
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
}

// Assess scores an account now, using its stored history for the trend.
func (e *Engine) Assess(a store.Account) Assessment {
	now := e.now()
	r := e.cfg.Score(a, now)
	t := TrendOf(a.History, now, r.Score, 30)
	return Assessment{Result: r, Trend: t, Risks: e.cfg.Risks(a, r, now)}
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
		a.History = a.History.Record(now, as.Score)
	}
	a.UpdatedAt = now.UTC()
	if err := e.repo.SaveAccount(ctx, a, Row(a, as, team)); err != nil {
		return fmt.Errorf("save account %s: %w", a.Slug, err)
	}
	if as.Score < 0 {
		return nil
	}
	return e.repo.SaveSnapshots(ctx, []store.Snapshot{snapshot(a.Slug, now, as.Result)})
}

const refreshedKey = "health-refreshed"

// Refresh rescores every account for today: history, snapshot and index
// row. It reads the whole accounts collection, so it runs in the background
// (nightly, after imports, and when the console starts on a stale day).
func (e *Engine) Refresh(ctx context.Context) (int, error) {
	members, err := e.repo.Members(ctx)
	if err != nil {
		return 0, err
	}
	teamOf := map[string]string{}
	for _, m := range members {
		teamOf[m.ID] = m.Team
	}
	var accounts []store.Account
	if err := e.repo.EachAccount(ctx, func(a store.Account) error {
		accounts = append(accounts, a)
		return nil
	}); err != nil {
		return 0, err
	}
	now := e.now()
	histories := map[string]store.History{}
	var snaps []store.Snapshot
	rows := make([]store.AccountRow, 0, len(accounts))
	for _, a := range accounts {
		as := e.Assess(a)
		if as.Score >= 0 {
			a.History = a.History.Record(now, as.Score)
			histories[a.Slug] = a.History
			snaps = append(snaps, snapshot(a.Slug, now, as.Result))
		}
		rows = append(rows, Row(a, as, teamOf[a.Owner]))
	}
	if err := e.repo.SaveHistories(ctx, histories); err != nil {
		return 0, err
	}
	if err := e.repo.SaveSnapshots(ctx, snaps); err != nil {
		return 0, err
	}
	if err := e.repo.PutRows(ctx, rows); err != nil {
		return 0, err
	}
	return len(accounts), e.repo.SetMeta(ctx, refreshedKey, store.Day(now))
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
	return store.Snapshot{ID: store.SnapshotID(slug, now), Account: slug, Date: store.Day(now), Score: r.Score, Band: r.Band, Components: comps}
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
	return row
}
