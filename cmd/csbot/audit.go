package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"
)

// runAudit serves `csbot audit export --since DATE`: the audit trail from
// that day on (UTC), one JSON object a line, oldest first.
func runAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return usageError{errors.New("audit what? `csbot audit export --since YYYY-MM-DD`")}
	}
	var since string
	o, _, err := flags(e, "audit export", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&since, "since", "", "the first day to export (YYYY-MM-DD, UTC)")
	})
	if err != nil {
		return err
	}
	from, err := time.Parse(time.DateOnly, since)
	if err != nil {
		return usageError{fmt.Errorf("audit export: --since %q: use YYYY-MM-DD", since)}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	recs, err := a.store.Audit(ctx, "", "", from)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
	}
	return nil
}
