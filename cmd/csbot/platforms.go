package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
)

// runTeams configures Microsoft Teams: `csbot teams webhook TEAM URL` stores
// the Workflows webhook that team's digests and reminders are posted to.
func runTeams(ctx context.Context, e env, args []string) error {
	o, rest, err := flags(e, "teams", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 3 || rest[0] != "webhook" {
		return usageError{errors.New("teams what? `csbot teams webhook TEAM URL` (URL from the channel's Workflows > Post to a channel when a webhook request is received)")}
	}
	team, raw := rest[1], rest[2]
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		// The URL carries a signature: never echo it back.
		return usageError{errors.New("teams webhook: the URL must be the https:// address the Workflows template showed")}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.store.Team(ctx, team)
	if errors.Is(err, store.ErrNotFound) {
		return unknownTeam(ctx, a.store, team)
	}
	if err != nil {
		return err
	}
	t.TeamsWebhook = u.String()
	if err := a.store.SaveTeam(ctx, t); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "team %s (%s): Teams digests and reminders now go to the Workflows webhook on %s\n", t.ID, t.Name, u.Host)
	return nil
}

func unknownTeam(ctx context.Context, st *store.Store, id string) error {
	teams, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	if near := suggest.Closest(id, ids, 2); len(near) > 0 {
		return fmt.Errorf("no team %q; did you mean %q?", id, near[0])
	}
	return fmt.Errorf("no team %q; `/cs team list` shows the teams, `/cs team set` creates one", id)
}
