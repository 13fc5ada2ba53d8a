package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store/demo"
)

func runConsole(ctx context.Context, e env, args []string) error {
	var seed bool
	var as string
	o, words, err := flags(e, "console", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&seed, "demo", false, "load the demo data first (safe to repeat); --demo ja names it in Japanese")
		fs.StringVar(&as, "as", "", "member id or @handle to act as (default: the first admin)")
	})
	if err != nil {
		return err
	}
	if !seed && len(words) > 0 {
		return usageError{fmt.Errorf("console: unexpected %q (the Japanese demo is --demo ja)", words[0])}
	}
	lang, err := demoLang(words)
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
		if _, err := demo.SeedIn(ctx, a.store, a.engine, lang, a.engine.Now()); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	// The day's first start rescores the book: minutes at 100,000 accounts,
	// so it shows its progress (nothing for a small book: a line waits 3 s,
	// and a bar is cleared when done).
	m := e.meter("refresh", "accounts", 0, false)
	err = a.refreshIfStale(ctx, m.Set)
	m.Finish()
	if err != nil {
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

// demoLang is the language of the demo the words after --demo or `seed
// demo` ask for: none is English, "ja" Japanese.
func demoLang(words []string) (string, error) {
	switch {
	case len(words) == 0:
		return demo.English, nil
	case len(words) == 1 && slices.Contains(demo.Languages, words[0]):
		return words[0], nil
	}
	return "", usageError{fmt.Errorf("demo in %q: the demo speaks %s", strings.Join(words, " "), strings.Join(demo.Languages, " or "))}
}
