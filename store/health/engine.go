package health

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/csbot/csbot/store"
)

// Repo is what the engine needs of the store.
type Repo interface {
	Member(ctx context.Context, id string) (store.Member, error)
	Members(ctx context.Context) ([]store.Member, error)
	UpdateAccounts(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error)
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

// Update reads the account, lets change edit it, rescores it (today's
// score into its history) and writes it back with a compare-and-swap on its
// version, then its index row and today's snapshot: a change decided on a
// copy someone else wrote meanwhile is made again on the new copy, so no
// concurrent change is lost. It returns the account as written. An error
// from change is returned as is and nothing is written; a missing account
// is store.ErrNotFound.
func (e *Engine) Update(ctx context.Context, slug string, change func(*store.Account) error) (store.Account, error) {
	as, err := e.UpdateAll(ctx, []string{slug}, false, change)
	if err != nil {
		return store.Account{}, err
	}
	if len(as) == 0 {
		return store.Account{}, fmt.Errorf("account %q: %w", slug, store.ErrNotFound)
	}
	return as[0], nil
}

// UpdateAll does for many accounts what Update does for one, in bulk:
// ingest and imports use it. With create, accounts that do not exist are
// made from a zero Account with the slug set; without, they are skipped.
func (e *Engine) UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	return e.updateAll(ctx, slugs, create, change, e.repo.PutRows)
}

func (e *Engine) updateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error, putRows func(context.Context, []store.AccountRow) error) ([]store.Account, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	teamOf, err := e.teams(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	// A lost race runs change again: the last run of each account is the
	// one written.
	derived := make(map[string]scored, len(slugs))
	written, err := e.repo.UpdateAccounts(ctx, slugs, create, func(a *store.Account) error {
		if err := change(a); err != nil {
			return err
		}
		sc := e.score(now, teamOf, *a)
		*a = sc.account
		derived[a.Slug] = sc
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save %s: %w", accountsNamed(slugs), err)
	}
	var snaps []store.Snapshot
	rows := make([]store.AccountRow, 0, len(written))
	for _, a := range written {
		sc := derived[a.Slug]
		sc.row.Version = a.Version
		rows = append(rows, sc.row)
		if sc.snap != nil {
			snaps = append(snaps, *sc.snap)
		}
	}
	if err := e.repo.AddSnapshots(ctx, snaps); err != nil {
		return nil, err
	}
	return written, putRows(ctx, rows)
}

// Batch returns a writer for a long run of UpdateAll calls (an import):
// each call writes its accounts and snapshots at once, but their index
// rows wait until Flush, or until batchRows of them wait, and then go in
// one merge. The index keeps a book in 32 shard documents, so writing rows
// per call of 500 accounts would rewrite every shard once per call, a cost
// that grows with the book. Rows not yet flushed come back with the next
// health refresh; Flush even after an error.
func (e *Engine) Batch() *Batch { return &Batch{e: e, rows: map[string]store.AccountRow{}} }

// batchRows bounds the rows a Batch holds (about 200 bytes each).
const batchRows = 20000

// Batch is the Engine's UpdateAll with the index rows held back.
type Batch struct {
	e    *Engine
	rows map[string]store.AccountRow
}

// UpdateAll is Engine.UpdateAll, holding the rows back.
func (b *Batch) UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	return b.e.updateAll(ctx, slugs, create, change, b.hold)
}

// hold keeps rows back, flushing once batchRows of them wait.
func (b *Batch) hold(ctx context.Context, rows []store.AccountRow) error {
	for _, r := range rows {
		b.rows[r.Slug] = r
	}
	if len(b.rows) >= batchRows {
		return b.Flush(ctx)
	}
	return nil
}

// Flush writes the rows held back.
func (b *Batch) Flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	rows := slices.Collect(maps.Values(b.rows))
	if err := b.e.repo.PutRows(ctx, rows); err != nil {
		return err
	}
	clear(b.rows)
	return nil
}

// Put writes accounts as given (their versions aside), rescored, creating
// those that do not exist: for seeding a book, such as the demo data. It
// overwrites what is stored, so use Update for a change to live data.
func (e *Engine) Put(ctx context.Context, accounts ...store.Account) error {
	bySlug := make(map[string]store.Account, len(accounts))
	slugs := make([]string, 0, len(accounts))
	for _, a := range accounts {
		bySlug[a.Slug] = a
		slugs = append(slugs, a.Slug)
	}
	_, err := e.UpdateAll(ctx, slugs, true, func(a *store.Account) error {
		v := a.Version
		*a = bySlug[a.Slug].Clone()
		a.Version = v
		return nil
	})
	return err
}

func accountsNamed(slugs []string) string {
	if len(slugs) == 1 {
		return "account " + slugs[0]
	}
	return fmt.Sprintf("%d accounts", len(slugs))
}

const refreshedKey = "health-refreshed"

// refreshBatch is how many accounts Refresh scores and writes at a time, so
// that its memory is one batch and the index rows a Batch holds back, not
// the book (a refresh of 100,000 accounts held at once peaked near 1 GB).
const refreshBatch = 1000

// Refresh rescores every account for today: history, snapshot and index
// row. It reads the whole accounts collection, so it runs in the background
// (nightly, after imports, and when the console starts on a stale day).
// It streams the accounts refreshBatch at a time, writing each batch before
// reading on, and merges the index rows as a Batch does. It writes only the
// histories of the account documents (a field update), so that it cannot
// undo an edit made while it ran.
func (e *Engine) Refresh(ctx context.Context) (int, error) { return e.RefreshEach(ctx, nil) }

// RefreshEach is Refresh telling done, when not nil, how many accounts are
// rescored after each batch: a long rescoring shows its progress.
func (e *Engine) RefreshEach(ctx context.Context, done func(n int)) (int, error) {
	teamOf, err := e.teams(ctx)
	if err != nil {
		return 0, err
	}
	now := e.now()
	b := e.Batch()
	n := 0
	part := make([]store.Account, 0, refreshBatch)
	write := func() error {
		err := e.refreshPart(ctx, now, teamOf, part, b)
		n += len(part)
		part = part[:0]
		if err == nil && done != nil {
			done(n)
		}
		return err
	}
	err = e.repo.EachAccount(ctx, func(a store.Account) error {
		if part = append(part, a); len(part) < refreshBatch {
			return nil
		}
		return write()
	})
	if err == nil {
		err = write()
	}
	if err = errors.Join(err, b.Flush(ctx)); err != nil {
		return 0, fmt.Errorf("refresh health: %w", err)
	}
	return n, e.repo.SetMeta(ctx, refreshedKey, store.Day(now))
}

// refreshPart rescores a batch of Refresh: histories, snapshots, then the
// index rows into b.
func (e *Engine) refreshPart(ctx context.Context, now time.Time, teamOf map[string]string, accounts []store.Account, b *Batch) error {
	if len(accounts) == 0 {
		return nil
	}
	histories := make(map[string]store.History, len(accounts))
	rows := make([]store.AccountRow, 0, len(accounts))
	var snaps []store.Snapshot
	for _, a := range accounts {
		sc := e.score(now, teamOf, a)
		if sc.snap != nil {
			histories[a.Slug] = sc.account.History
			snaps = append(snaps, *sc.snap)
			sc.row.Version++ // SaveHistories bumps the version
		}
		rows = append(rows, sc.row)
	}
	if err := e.repo.SaveHistories(ctx, histories); err != nil {
		return err
	}
	if err := e.repo.AddSnapshots(ctx, snaps); err != nil {
		return err
	}
	return b.hold(ctx, rows)
}

// scored is an account rescored for today: with today's score in its
// history and today as its update time, its index row, and today's
// snapshot when it has a score.
type scored struct {
	account store.Account
	row     store.AccountRow
	snap    *store.Snapshot
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

func (e *Engine) score(now time.Time, teamOf map[string]string, a store.Account) scored {
	as := e.Assess(a)
	var sc scored
	if as.Score >= 0 {
		a.History = as.History.Record(now, as.Score)
		snap := snapshot(a.Slug, now, as.Result)
		sc.snap = &snap
	}
	a.UpdatedAt = now.UTC()
	sc.account, sc.row = a, Row(a, as, teamOf[a.Owner])
	sc.row.Version = a.Version
	sc.row.Sweep = sweepFacts(a, now)
	return sc
}

// RefreshIfStale refreshes when no refresh has run today, telling done,
// when not nil, its progress as RefreshEach does.
func (e *Engine) RefreshIfStale(ctx context.Context, done func(n int)) (bool, error) {
	day, err := e.repo.Meta(ctx, refreshedKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if day == store.Day(e.now()) {
		return false, nil
	}
	_, err = e.RefreshEach(ctx, done)
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
		Score: as.Score, Band: as.Band, Risks: as.Risks,
	}
	if !a.Renewal.IsZero() {
		row.Renewal = store.Day(a.Renewal)
	}
	row.OnboardStart, row.OnboardLastDue, row.OnboardDone = onboardingDays(a)
	return row
}

// sweepFacts are the account's facts the reminder sweep reads from its row,
// with now's day as the day of the row's assessment.
func sweepFacts(a store.Account, now time.Time) *store.SweepFacts {
	f := &store.SweepFacts{Day: store.Day(now), PhaseStart: a.PhaseStart, LastTouch: a.LastTouch, NPSDate: a.NPSDate,
		Seats: a.Seats, ActiveUsers: a.ActiveUsers, NPS: -1, Playbooks: a.Playbooks}
	if a.NPS != nil {
		f.NPS = *a.NPS
	}
	for _, m := range a.Milestones {
		if m.Done == nil {
			f.Open = append(f.Open, m)
		}
	}
	return f
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
		first, due = store.Earlier(first, m.Due), store.Later(due, m.Due)
		if m.Done == nil {
			open = true
			continue
		}
		first, last = store.Earlier(first, *m.Done), store.Later(last, *m.Done)
	}
	if a.Phase == store.PhaseOnboarding && !a.PhaseStart.IsZero() {
		first = a.PhaseStart
	}
	if !open {
		done = store.Day(last)
	}
	return store.Day(first), store.Day(due), done
}
