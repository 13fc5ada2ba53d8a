package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/csbot/csbot/ingest"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/importer"
)

func runSeed(ctx context.Context, e env, args []string) error {
	o, rest, err := flags(e, "seed", args, nil)
	if err != nil {
		return err
	}
	if len(rest) == 0 || rest[0] != "demo" && rest[0] != "admin" {
		return usageError{errors.New("seed what? `csbot seed demo` or `csbot seed admin ID \"Full Name\"`")}
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
	res, err := demo.Seed(ctx, a.store, a.engine, a.engine.Now())
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

func runImport(ctx context.Context, e env, args []string) error {
	var dryRun bool
	o, rest, err := flags(e, "import", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dryRun, "dry-run", false, "check every row and report; write nothing")
	})
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return usageError{errors.New("import what? `csbot import accounts|metrics|nps|csat|responses|tickets|touches|churn FILE` (CSV with a header row, or JSON)")}
	}
	kind, survey, err := ingest.ParseKind(rest[0])
	if err != nil {
		return usageError{err}
	}
	data, err := os.ReadFile(rest[1])
	if err != nil {
		return fmt.Errorf("read import file: %w", err)
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	if kind != ingest.Accounts {
		return importEvents(ctx, e, a, ingest.Batch{Kind: kind, Survey: survey, DryRun: dryRun}, rest[1], data)
	}
	var saver importer.Saver = a.engine
	if dryRun {
		saver = importer.DryRun
	}
	rep, err := importer.ImportAccounts(ctx, a.store, saver, rest[1], data)
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
func importEvents(ctx context.Context, e env, a *app, b ingest.Batch, name string, data []byte) error {
	items, err := ingest.ReadFile(b.Kind, name, data)
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
