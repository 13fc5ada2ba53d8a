package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/csbot/csbot/internal/progress"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/importer"
	"github.com/csbot/csbot/store/ingest"
)

func runSeed(ctx context.Context, e env, args []string) error {
	var (
		accounts int
		quiet    bool
	)
	o, rest, err := flags(e, "seed", args, func(fs *flag.FlagSet) {
		fs.IntVar(&accounts, "accounts", 0, "seed demo: a synthetic book of this many accounts instead of the demo data")
		fs.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	})
	if err != nil {
		return err
	}
	if accounts < 0 || accounts > 0 && (len(rest) == 0 || rest[0] != "demo") {
		return usageError{errors.New("--accounts N goes with `csbot seed demo`, N > 0")}
	}
	if len(rest) == 0 || rest[0] != "demo" && rest[0] != "admin" {
		return usageError{errors.New("seed what? `csbot seed demo [ja]` or `csbot seed admin ID \"Full Name\"`")}
	}
	lang := demo.English
	if rest[0] == "demo" {
		if lang, err = demoLang(rest[1:]); err != nil {
			return err
		}
	}
	if rest[0] == "admin" && (len(rest) != 3 || store.Slugify(rest[1]) != rest[1] || strings.TrimSpace(rest[2]) == "") {
		return usageError{errors.New(`seed admin needs an id (lowercase letters, digits, '-') and a name: csbot seed admin ops "Rin Ito"`)}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	if rest[0] == "admin" {
		if members, err := a.store.Members(ctx); err != nil {
			return err
		} else if len(members) > 0 {
			return errors.New("seed admin: the store already has members; an admin adds more with `/cs team member ID name:... roles:admin`")
		}
		m := store.Member{ID: rest[1], Name: rest[2], Roles: []store.Role{store.RoleAdmin}}
		if err := a.store.SaveMember(ctx, m); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "admin @%s (%s) saved; try `csbot console --as %s`\n", m.ID, m.Name, m.ID)
		return nil
	}
	if accounts > 0 {
		return seedBook(ctx, e, a, accounts, quiet)
	}
	res, err := demo.SeedIn(ctx, a.store, a.engine, lang, a.engine.Now())
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if res.Skipped {
		fmt.Fprintln(e.stdout, "demo data already loaded; nothing changed")
		return nil
	}
	fmt.Fprintf(e.stdout, "demo data loaded: %d teams, %d members, %d accounts, %d health snapshots\n", res.Teams, res.Members, res.Accounts, res.Snapshots)
	return nil
}

// importCache is the account cache of `csbot import` and `csbot seed
// --accounts`: a few batches, so that memory does not grow with the book.
const importCache = 2000

// seedBook writes a synthetic book of n accounts (demo.SeedBook).
func seedBook(ctx context.Context, e env, a *app, n int, quiet bool) error {
	a.store.LimitAccountCache(importCache)
	m := e.meter("seed", "accounts", n, quiet)
	var rescore *progress.Meter // the second phase's, from its first batch
	rescoring := false
	err := demo.SeedBook(ctx, a.store, a.engine, n, a.engine.Now(), m.Set, func(done int) {
		if !rescoring {
			m.Finish()
			rescore, rescoring = e.meter("rescore", "accounts", n, quiet), true
		}
		rescore.Set(done)
	})
	m.Finish()
	rescore.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "synthetic book loaded: %d accounts owned by %s, admin @ops\n", n, strings.Join(demo.BulkCSMs, ", "))
	return nil
}

// meter reports the progress of long work on stderr: a bar on a terminal,
// a line every few seconds otherwise, nothing with --quiet.
func (e env) meter(what, unit string, total int, quiet bool) *progress.Meter {
	return progress.New(e.stderr, what, unit, total, progress.Options{Terminal: isTerminal(e.stderr), Quiet: quiet})
}

func runImport(ctx context.Context, e env, args []string) error {
	var (
		dryRun, quiet bool
		encName       string
	)
	o, rest, err := flags(e, "import", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "check every row and report; write nothing")
		fs.BoolVar(&quiet, "quiet", false, "no progress on stderr")
		fs.StringVar(&encName, "encoding", "", "the file's encoding: utf-8, shift_jis or euc-jp (default: detected)")
	})
	if err != nil {
		return err
	}
	enc, err := importer.ParseEncoding(encName)
	if err != nil {
		return usageError{err}
	}
	if len(rest) != 2 {
		return usageError{errors.New("import what? `csbot import accounts|metrics|nps|csat|responses|tickets|touches|churn FILE` (CSV with a header row, or JSON)")}
	}
	kind, survey, err := ingest.ParseKind(rest[0])
	if err != nil {
		return usageError{err}
	}
	f, err := os.Open(rest[1])
	if err != nil {
		return fmt.Errorf("read import file: %w", err)
	}
	defer f.Close()
	// What the import changes is audited as the import's, by file.
	ctx = store.WithActor(ctx, store.Actor{Name: "import", Channel: rest[1]})
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	if kind != ingest.Accounts {
		data, err := io.ReadAll(f)
		if err != nil {
			return fmt.Errorf("read import file: %w", err)
		}
		return importEvents(ctx, e, a, ingest.Batch{Kind: kind, Survey: survey, DryRun: dryRun}, rest[1], data, enc)
	}
	batch := a.engine.Batch()
	var saver importer.Saver = batch
	if dryRun {
		saver = importer.DryRun(a.store)
	}
	a.store.LimitAccountCache(importCache)
	m := e.meter("import", "rows", 0, quiet)
	rep, err := importer.Import(ctx, a.store, saver, rest[1], f, enc, func(done, total int) {
		if done == 0 {
			m.Total(total)
		}
		m.Set(done)
	})
	m.Finish()
	// The index rows of what was written, even when the import stopped.
	if ferr := batch.Flush(context.WithoutCancel(ctx)); ferr != nil && err == nil {
		err = fmt.Errorf("write the account index: %w (the next health refresh rebuilds it)", ferr)
	}
	if err != nil {
		return err
	}
	for _, re := range rep.Errors {
		fmt.Fprintf(e.stdout, "%s: %v\n", rest[1], re)
	}
	fmt.Fprintf(e.stdout, "%d created, %d updated, %d unchanged, %d rejected\n", rep.Created, rep.Updated, rep.Unchanged, len(rep.Errors))
	if dryRun {
		fmt.Fprintln(e.stdout, "dry run: nothing was written")
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d rows rejected; fix them and import again (good rows were saved, re-importing them changes nothing)", len(rep.Errors))
	}
	return nil
}

// importEvents imports usage, survey answers, tickets, touches or revenue
// events through the same validation as the ingest API.
func importEvents(ctx context.Context, e env, a *app, b ingest.Batch, name string, data []byte, enc importer.Encoding) error {
	items, err := ingest.ReadFile(b.Kind, name, data, enc)
	if err != nil {
		return err
	}
	b.Items = items
	res, err := ingest.New(a.store, a.engine, a.log).Ingest(ctx, b)
	if err != nil {
		return err
	}
	for _, ie := range res.Errors {
		fmt.Fprintf(e.stdout, "%s: %v\n", name, ie)
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", name, res.Message)
	if res.Rejected > 0 {
		return fmt.Errorf("%d rows rejected; fix them and import again (re-importing the good rows changes nothing)", res.Rejected)
	}
	return nil
}
