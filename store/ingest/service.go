package ingest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/importer"
)

// Service validates batches and applies them, for the API and for
// `csbot import`: the ledger first, then the account fields health reads,
// derived from the ledger, then a rescore of the accounts that changed.
type Service struct {
	st  Store
	eng *health.Engine
	log *slog.Logger
	// mu applies one batch at a time, so two batches never derive the same
	// account from the same stale read and lose each other's fields.
	mu sync.Mutex
	// applyMu makes one pass of ApplyPending at a time, and keeps passes
	// away from an accounts import, which merges into stored accounts.
	applyMu sync.Mutex
	// background is set while Run applies pending accounts; kick wakes it.
	background atomic.Bool
	kick       chan struct{}
	// owner names this service in the store-wide batch lease.
	owner string
}

// Store is what ingest reads and writes: the event ledger, the pending
// accounts, the batch lease, and accounts and members as an import checks
// them.
type Store interface {
	importer.AccountReader
	importer.MemberLister
	Account(ctx context.Context, slug string) (store.Account, error)
	AccountRows(ctx context.Context) ([]store.AccountRow, error)
	AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
	Pending(ctx context.Context) ([]store.PendingAccount, error)
	PutPending(ctx context.Context, accounts []store.Account) error
	ClearPending(ctx context.Context, applied []store.PendingAccount) error
	PutUsage(ctx context.Context, rows []store.Usage) ([]store.Usage, error)
	PutResponses(ctx context.Context, rs []store.Response) ([]store.Response, error)
	PutTickets(ctx context.Context, ts []store.Ticket) ([]store.Ticket, error)
	Tickets(ctx context.Context) ([]store.Ticket, error)
	PutTouches(ctx context.Context, ts []store.Touch) ([]store.Touch, error)
	PutRevenue(ctx context.Context, evs []store.RevenueEvent) ([]store.RevenueEvent, error)
	RevenueEvents(ctx context.Context) ([]store.RevenueEvent, error)
}

// New returns a service writing to st and rescoring through eng.
func New(st Store, eng *health.Engine, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
	return &Service{st: st, eng: eng, log: log, kick: make(chan struct{}, 1), owner: owner}
}

// batchLeaseTTL bounds how long a batch may hold the store-wide batch
// lease; a batch of MaxItems takes about a second.
const batchLeaseTTL = 2 * time.Minute

// batchLease makes batches one at a time across processes too (replicas
// on MongoDB, `csbot import` beside `csbot serve`), as mu does within one:
// two batches deriving the same account from the same stale copy would
// lose one's fields. It waits for the lease as long as ctx allows.
func (s *Service) batchLease(ctx context.Context) (release func(), err error) {
	retry := time.NewTicker(50 * time.Millisecond)
	defer retry.Stop()
	for {
		held, err := s.st.AcquireLease(ctx, "ingest-batch", s.owner, batchLeaseTTL, time.Now())
		if err != nil {
			return nil, err
		}
		if held {
			return func() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if err := s.st.ReleaseLease(rctx, "ingest-batch", s.owner); err != nil {
					s.log.Warn("release the ingest batch lease; it expires by itself", "err", err)
				}
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("another csbot is applying a batch: %w", ctx.Err())
		case <-retry.C:
		}
	}
}

// applyChunk is how many pending accounts one step of ApplyPending writes:
// a batch's worth, since each step also rewrites the account index's 32
// shards (1.4 s a step on the embedded store; 14 s for 10,000 accounts in
// steps of 1,000).
const applyChunk = MaxItems

// Run applies pending accounts in the background until ctx is done: at
// start (what a stopped csbot left), after each batch, and every minute.
// While it runs, Ingest answers once a batch is in the ledger and its
// accounts' new fields are pending, and leaves the rescoring to Run.
func (s *Service) Run(ctx context.Context) {
	s.background.Store(true)
	defer s.background.Store(false)
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		if n, err := s.ApplyPending(ctx); err != nil {
			s.log.Error("apply ingested changes; they stay pending and are retried", "applied", n, "err", err)
		} else if n > 0 {
			s.log.Info("ingested changes applied", "accounts", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-tick.C:
		}
	}
}

// ApplyPending rescores and writes the pending accounts, a chunk at a
// time, then clears them, and returns how many it applied. Each pending
// account lends its derived fields to the account as stored now (an edit
// made meanwhile stays). A change that arrives for an account while it is
// being applied stays pending for the next pass; a pass cut short is redone
// whole (writing an account twice is harmless), since clearing rewrites
// every pending document and is done once.
func (s *Service) ApplyPending(ctx context.Context) (int, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	pend, err := s.st.Pending(ctx)
	if err != nil || len(pend) == 0 {
		return 0, err
	}
	for start := 0; start < len(pend); start += applyChunk {
		chunk := pend[start:min(start+applyChunk, len(pend))]
		bySlug := make(map[string]store.Account, len(chunk))
		slugs := make([]string, 0, len(chunk))
		for _, p := range chunk {
			bySlug[p.Account.Slug] = p.Account
			slugs = append(slugs, p.Account.Slug)
		}
		// Only the derived fields come from the pending copy: the rest of
		// the account is as stored when written, so later edits stay.
		// Accounts deleted since are skipped.
		if _, err := s.eng.UpdateAll(ctx, slugs, false, func(a *store.Account) error {
			*a = withDerived(*a, bySlug[a.Slug])
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if err := s.st.ClearPending(ctx, pend); err != nil {
		return 0, err
	}
	return len(pend), nil
}

// settle hands the accounts a batch changed to the rescoring: pending in
// the store first, so that nothing is lost, then applied at once, or by
// Run when it is running.
func (s *Service) settle(ctx context.Context, accounts []store.Account) error {
	if len(accounts) == 0 {
		return nil
	}
	if err := s.st.PutPending(ctx, accounts); err != nil {
		return err
	}
	if s.background.Load() {
		select {
		case s.kick <- struct{}{}:
		default: // a pass is already due
		}
		return nil
	}
	_, err := s.ApplyPending(ctx)
	return err
}

// Batch is one batch of items of a kind.
type Batch struct {
	Kind Kind
	// Survey is the survey kind of responses that name none (nps, csat).
	Survey string
	Items  []Item
	// DryRun validates without writing; Accepted then counts the valid items.
	DryRun bool
}

// Result is what became of a batch. Items with errors were skipped; the
// others were applied, each whole: Accepted of them were new or changed
// something, Unchanged were identical re-sends.
type Result struct {
	Kind      Kind `json:"kind"`
	Accepted  int  `json:"accepted"`
	Unchanged int  `json:"unchanged"`
	Rejected  int  `json:"rejected"`
	// Rescored counts the accounts whose health was recomputed.
	Rescored int `json:"rescored"`
	// Pending says the rescoring of those accounts runs in the background
	// (csbot serve): their health shows the new data within seconds.
	Pending bool        `json:"rescoring_pending,omitempty"`
	DryRun  bool        `json:"dry_run,omitempty"`
	Errors  []ItemError `json:"errors"`
	Message string      `json:"message"`
}

// ItemError is what is wrong with one item; the item changed nothing.
type ItemError struct {
	// Index is the item's 0-based position in the batch.
	Index int `json:"index"`
	// Line is where a CSV record starts; 0 for JSON.
	Line    int    `json:"line,omitempty"`
	ID      string `json:"id,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (e ItemError) Error() string {
	where := fmt.Sprintf("items[%d]", e.Index)
	if e.Line > 0 {
		where = fmt.Sprintf("line %d", e.Line)
	}
	if e.ID != "" {
		where += " (" + e.ID + ")"
	}
	if e.Field != "" {
		return where + ": " + e.Field + ": " + e.Message
	}
	return where + ": " + e.Message
}

// Ingest validates every item of b and applies the good ones. It fails
// only when the batch cannot be applied at all (the store is down); the
// error then says so and a re-send is safe.
func (s *Service) Ingest(ctx context.Context, b Batch) (Result, error) {
	if len(b.Items) > MaxItems {
		return Result{}, requestErr("%d items, more than %d: split the batch", len(b.Items), MaxItems)
	}
	if !b.DryRun {
		s.mu.Lock()
		defer s.mu.Unlock()
		release, err := s.batchLease(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("ingest %s: %w (nothing was written: re-send the batch)", b.Kind, err)
		}
		defer release()
	}
	start := time.Now()
	var (
		res Result
		err error
	)
	switch b.Kind {
	case Accounts:
		res, err = s.accounts(ctx, b)
	case Usage:
		res, err = run(ctx, s, usageSpec, b, s.applyUsage)
	case Responses:
		res, err = run(ctx, s, responseSpec, b, s.applyResponses)
	case Tickets:
		res, err = run(ctx, s, ticketSpec, b, s.applyTickets)
	case Touches:
		res, err = run(ctx, s, touchSpec, b, s.applyTouches)
	case Revenue:
		res, err = run(ctx, s, revenueSpec, b, s.applyRevenue)
	default:
		return Result{}, fmt.Errorf("ingest: unknown kind %q", b.Kind)
	}
	if err != nil {
		return Result{}, fmt.Errorf("ingest %s: %w (nothing is lost: re-send the batch)", b.Kind, err)
	}
	res.Kind, res.DryRun = b.Kind, b.DryRun
	res.summarise()
	s.log.Info("ingested", "kind", b.Kind, "accepted", res.Accepted, "unchanged", res.Unchanged, "rejected", res.Rejected, "rescored", res.Rescored, "dry_run", b.DryRun, "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

func (r *Result) summarise() {
	if r.Errors == nil {
		r.Errors = []ItemError{}
	}
	seen := map[int]bool{}
	for _, e := range r.Errors {
		seen[e.Index] = true
	}
	r.Rejected = len(seen)
	switch {
	case r.DryRun:
		r.Message = fmt.Sprintf("dry run: %d valid, %d refused; nothing was written", r.Accepted, r.Rejected)
	case r.Rejected == 0:
		r.Message = fmt.Sprintf("%d applied, %d unchanged", r.Accepted, r.Unchanged)
	default:
		r.Message = fmt.Sprintf("%d applied, %d unchanged; %d refused and skipped (see errors): fix them and send them again, re-sending the others changes nothing", r.Accepted, r.Unchanged, r.Rejected)
	}
	if r.Pending {
		r.Message += fmt.Sprintf("; the health of %d accounts is being recomputed in the background", r.Rescored)
	}
}

// applyFunc writes valid items and derives the account fields they feed.
// It returns how many items were new or different and the accounts whose
// fields changed, to be rescored and saved.
type applyFunc[T any] func(ctx context.Context, items []T, accounts map[string]store.Account) (changed int, touched []store.Account, err error)

// run validates and applies a batch of one event kind.
func run[T any](ctx context.Context, s *Service, sp *spec[T], b Batch, apply applyFunc[T]) (Result, error) {
	c := checkCtx{now: s.eng.Now(), survey: b.Survey}
	var res Result
	var valid []T
	known := accountLookup{s: s, accounts: map[string]store.Account{}}
	for i, it := range b.Items {
		v, errs := sp.parse(it, c)
		if len(errs) == 0 {
			msg, err := known.check(ctx, sp.acct(v))
			if err != nil {
				return res, err
			}
			if msg != "" {
				errs = []ItemError{{Field: "account", Message: msg}}
			}
		}
		for _, e := range errs {
			e.Index, e.Line, e.ID = i, it.Line, sp.id(v)
			res.Errors = append(res.Errors, e)
		}
		if len(errs) == 0 {
			valid = append(valid, v)
		}
	}
	if b.DryRun {
		res.Accepted = len(valid)
		return res, nil
	}
	changed, touched, err := apply(ctx, valid, known.accounts)
	if err != nil {
		return res, err
	}
	if err := s.settle(ctx, touched); err != nil {
		return res, err
	}
	res.Accepted, res.Unchanged, res.Rescored = changed, len(valid)-changed, len(touched)
	res.Pending = len(touched) > 0 && s.background.Load()
	return res, nil
}

// accountLookup reads each account of a batch once, its pending copy when
// it has one, and explains unknown ones.
type accountLookup struct {
	s        *Service
	accounts map[string]store.Account
	pending  map[string]store.Account // nil until the first lookup
	unknown  map[string]string
	slugs    []string // every slug, read on the first unknown account
}

// maxSuggested bounds the unknown accounts that get a did-you-mean: each
// compares against every slug, and a file of wrong slugs needs no more.
const maxSuggested = 50

// check returns why slug is not an account, or "".
func (l *accountLookup) check(ctx context.Context, slug string) (string, error) {
	if _, ok := l.accounts[slug]; ok {
		return "", nil
	}
	if msg, ok := l.unknown[slug]; ok {
		return msg, nil
	}
	if l.pending == nil {
		pend, err := l.s.st.Pending(ctx)
		if err != nil {
			return "", err
		}
		l.pending = make(map[string]store.Account, len(pend))
		for _, p := range pend {
			l.pending[p.Account.Slug] = p.Account
		}
	}
	if a, ok := l.pending[slug]; ok {
		l.accounts[slug] = a
		return "", nil
	}
	a, err := l.s.st.Account(ctx, slug)
	if err == nil {
		l.accounts[slug] = a
		return "", nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if l.unknown == nil {
		rows, err := l.s.st.AccountRows(ctx)
		if err != nil {
			return "", err
		}
		l.unknown = map[string]string{}
		for _, r := range rows {
			l.slugs = append(l.slugs, r.Slug)
		}
	}
	msg := fmt.Sprintf("no account %q; import it first (csbot import accounts, POST /api/v1/accounts)", slug)
	if len(l.unknown) < maxSuggested {
		if near := suggest.Closest(slug, l.slugs, 3); len(near) > 0 {
			msg = fmt.Sprintf("no account %q (did you mean %s?)", slug, strings.Join(near, ", "))
		}
	}
	l.unknown[slug] = msg
	return msg, nil
}

// accounts upserts accounts through package importer, the same validation
// and merge as `csbot import accounts`, and rescores them in bulk.
func (s *Service) accounts(ctx context.Context, b Batch) (Result, error) {
	raws := make([]json.RawMessage, len(b.Items))
	for i, it := range b.Items {
		if it.raw == nil {
			return Result{}, requestErr("accounts come as JSON objects")
		}
		raws[i] = it.raw
	}
	arr, err := json.Marshal(raws)
	if err != nil {
		return Result{}, err
	}
	if !b.DryRun {
		// The importer merges into stored accounts: apply pending changes
		// first, and let no pass run until the import is written.
		if _, err := s.ApplyPending(ctx); err != nil {
			return Result{}, err
		}
		s.applyMu.Lock()
		defer s.applyMu.Unlock()
	}
	var saver importer.Saver = s.eng
	if b.DryRun {
		saver = importer.DryRun(s.st)
	}
	rep, err := importer.ImportAccounts(ctx, s.st, saver, "items.json", arr)
	if err != nil {
		return Result{}, err
	}
	res := Result{Accepted: rep.Created + rep.Updated, Unchanged: rep.Unchanged}
	for _, re := range rep.Errors {
		e := ItemError{Index: re.Line - 1, ID: re.Slug, Message: re.Reason}
		if name, rest, ok := strings.Cut(re.Reason, ": "); ok && slices.Contains(fieldNames(Accounts), name) {
			e.Field, e.Message = name, rest
		}
		res.Errors = append(res.Errors, e)
	}
	if b.DryRun {
		res.Accepted += res.Unchanged
		res.Unchanged = 0
		return res, nil
	}
	res.Rescored = rep.Created + rep.Updated
	return res, nil
}
