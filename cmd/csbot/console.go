package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store/demo"
)

func runConsole(ctx context.Context, e env, args []string) error {
	var seed bool
	var as string
	o, _, err := flags(e, "console", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&seed, "demo", false, "load the demo data first (safe to repeat)")
		fs.StringVar(&as, "as", "", "member id or @handle to act as (default: the first admin)")
	})
	if err != nil {
		return err
	}
	// Warnings only: the terminal is for the conversation.
	log := logger(e.stderr, slog.LevelWarn)
	a, err := openApp(ctx, o, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if seed {
		if _, err := demo.Seed(ctx, a.store, a.engine, a.engine.Now()); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	if _, err := a.engine.RefreshIfStale(ctx); err != nil {
		return fmt.Errorf("refresh health scores: %w", err)
	}
	me, err := a.member(ctx, as)
	if err != nil {
		return err
	}
	interactive := isTerminal(e.stdin)
	if interactive {
		fmt.Fprintf(e.stdout, "csbot console as %s (@%s) on %s. Type /cs help, or exit.\n", me.Name, me.ID, a.store.Backend())
	}
	return console.New(a.router, e.stdin, e.stdout, me.ID, interactive).Run(ctx)
}

func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
