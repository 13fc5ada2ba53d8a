package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/discord"
	"github.com/csbot/csbot/bot/teams"
	"github.com/csbot/csbot/commands"
	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
)

// runDiscord registers /cs with Discord: `csbot discord register [--guild ID]`.
// It overwrites the application's commands, so running it again is safe.
func runDiscord(ctx context.Context, e env, args []string) error {
	var guild string
	o, rest, err := flags(e, "discord", args, func(fs *flag.FlagSet) {
		fs.StringVar(&guild, "guild", "", "register in this server only (shown at once); default: globally (may take an hour)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "register" {
		return usageError{errors.New("discord what? `csbot discord register [--guild ID]`")}
	}
	// The command list is data: no store is needed to describe it.
	reg := bot.NewRegistry()
	if err := commands.Register(reg, commands.Deps{}); err != nil {
		return err
	}
	n, err := discord.Register(ctx, o.Discord.config(), reg, guild)
	if err != nil {
		return err
	}
	where := "globally (Discord may take up to an hour to show it)"
	if guild != "" {
		where = "in server " + guild
	}
	fmt.Fprintf(e.stdout, "registered /cs with %d subcommands %s\n", n, where)
	return nil
}

// runTeams configures Microsoft Teams: `csbot teams webhook TEAM URL
// [CHANNEL]` stores the Workflows webhook that team's digests, reminders
// and slow answers are posted to, and the channel it posts into, whose
// mark then decides whether they show customer figures.
func runTeams(ctx context.Context, e env, args []string) error {
	o, rest, err := flags(e, "teams", args, nil)
	if err != nil {
		return err
	}
	if len(rest) < 3 || len(rest) > 4 || rest[0] != "webhook" {
		return usageError{errors.New("teams what? `csbot teams webhook TEAM URL [CHANNEL]` (URL from the channel's Workflows > Post to a channel when a webhook request is received; CHANNEL the channel's link, from ⋯ > Get link to channel)")}
	}
	team, raw := rest[1], rest[2]
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		// The URL carries a signature: never echo it back.
		return usageError{errors.New("teams webhook: the URL must be the https:// address the Workflows template showed")}
	}
	// Without a channel, the posts leave customer figures out: csbot
	// cannot tell where the webhook posts. A new webhook forgets the old
	// channel.
	channel := ""
	if len(rest) == 4 {
		if channel, err = teams.ParseChannel(rest[3]); err != nil {
			return usageError{fmt.Errorf("teams webhook: %w", err)}
		}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.store.UpdateTeam(ctx, team, func(t *store.Team, found bool) error {
		if !found {
			return store.ErrNotFound
		}
		t.TeamsWebhook, t.TeamsChannel = u.String(), channel
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return unknownTeam(ctx, a.store, team)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "team %s (%s): Teams digests and reminders now go to the Workflows webhook on %s\n", t.ID, t.Name, u.Host)
	if channel == "" {
		fmt.Fprintln(e.stdout, "Customer figures stay out of its posts; name its channel (its link, ⋯ > Get link to channel) and mark that channel internal (`@csbot channel internal`) to show them.")
	} else {
		fmt.Fprintf(e.stdout, "Its posts show customer figures only while %s is marked internal (`@csbot channel internal` there).\n", channel)
	}
	return nil
}

func unknownTeam(ctx context.Context, st *mongostore.Store, id string) error {
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
