package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

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
	o, rest, err := flags(e, "import", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 2 || rest[0] != "accounts" {
		return usageError{errors.New("import what? `csbot import accounts FILE` (CSV with a header row, or JSON)")}
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
	rep, err := importer.ImportAccounts(ctx, a.store, a.engine, rest[1], data)
	if err != nil {
		return err
	}
	for _, re := range rep.Errors {
		fmt.Fprintf(e.stdout, "%s: %v\n", rest[1], re)
	}
	fmt.Fprintf(e.stdout, "%d created, %d updated, %d unchanged, %d rejected\n", rep.Created, rep.Updated, rep.Unchanged, len(rep.Errors))
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d rows rejected; fix them and import again (good rows were saved, re-importing them changes nothing)", len(rep.Errors))
	}
	return nil
}
