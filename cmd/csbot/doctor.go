package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/csbot/csbot/bot/discord"
	slackbot "github.com/csbot/csbot/bot/slack"
	"github.com/csbot/csbot/bot/teams"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/mongostore/embedded"
)

// check is one line of `csbot doctor`: what was checked, what was found,
// and on failure what to do about it.
type check struct {
	name, detail, fix string
	err               error
}

// runDoctor checks the configuration and every dependency and prints a
// pass/fail list; any failure makes it exit 1.
func runDoctor(ctx context.Context, e env, args []string) error {
	var cli overrides
	if err := commonFlags(e, "doctor", &cli).Parse(args); err != nil {
		return usageError{err}
	}
	checks := doctorChecks(ctx, loadOptions(e.getenv, cli))
	failed := 0
	for _, c := range checks {
		if c.err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL %-12s %v\n     fix: %s\n", c.name, c.err, c.fix)
			continue
		}
		fmt.Fprintf(e.stdout, "ok   %-12s %s\n", c.name, c.detail)
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", failed, len(checks))
	}
	fmt.Fprintf(e.stdout, "all %d checks passed\n", len(checks))
	return nil
}

func doctorChecks(ctx context.Context, o options) []check {
	var out []check
	err := o.Validate()
	out = append(out, check{name: "config", detail: "environment and --config are valid", err: err,
		fix: "correct the settings named above (README: Configuration)"})

	// Before the store opens, since opening narrows the folder's mode.
	out = append(out, embeddedCheck(o))
	c := check{name: "store", fix: "check MONGODB_URI (reachable, credentials), or that CSBOT_DATA_DIR is writable"}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := mongostore.Open(sctx, mongostore.Config{URI: o.MongoURI, DataDir: o.DataDir, Database: o.Database, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		defer st.Close(context.WithoutCancel(ctx))
		c.detail = st.Backend() + ", database " + o.Database
	}
	if errors.Is(err, embedded.ErrInUse) {
		c.fix = "the embedded store serves one csbot process at a time: stop the one named above, or run both against MongoDB (MONGODB_URI)"
	}
	c.err = err
	out = append(out, c)
	if st != nil {
		out = append(out, memberZones(sctx, st))
	}

	_, err = playbooks.Load(o.PlaybooksDir)
	out = append(out, check{name: "playbooks", detail: "built-in playbooks" + orDir(o.PlaybooksDir), err: err,
		fix: "fix the file, line and field named above in CSBOT_PLAYBOOKS_DIR"})
	_, err = checklists.Load(o.ChecklistsDir)
	out = append(out, check{name: "checklists", detail: "built-in templates" + orDir(o.ChecklistsDir), err: err,
		fix: "fix the file, line and field named above in CSBOT_CHECKLISTS_DIR"})

	out = append(out, slackCheck(sctx, o), discordCheck(sctx, o))
	if st != nil {
		out = append(out, teamsCheck(sctx, o, st))
	}
	return out
}

// embeddedCheck reports how the embedded store can be reached: only
// through its Unix socket, in a folder no other user may enter.
func embeddedCheck(o options) check {
	c := check{name: "embedded"}
	if o.MongoURI != "" {
		c.detail = "not used: MONGODB_URI points csbot at MongoDB"
		return c
	}
	dir, sock, err := embedded.Paths(o.DataDir)
	if err != nil {
		c.err, c.fix = err, "set CSBOT_DATA_DIR to a shorter path"
		return c
	}
	c.detail = "listens on the Unix socket " + sock + " only, no TCP port; "
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.detail += "the data folder will be created with mode 0700"
	case err != nil:
		c.err, c.fix = err, "set CSBOT_DATA_DIR to a folder csbot's user can read"
	case !embedded.Private(info.Mode()):
		c.err = fmt.Errorf("data folder %s has mode %04o: other users can reach the store's socket or files", dir, info.Mode().Perm())
		c.fix = "chmod 700 " + dir + " (csbot also does this when it opens the store)"
	default:
		c.detail += fmt.Sprintf("data folder mode %04o", info.Mode().Perm())
	}
	return c
}

func slackCheck(ctx context.Context, o options) check {
	if !o.Slack.enabled() {
		return check{name: "slack", detail: "not configured (SLACK_SIGNING_SECRET or SLACK_APP_TOKEN turn it on)"}
	}
	c := check{name: "slack", fix: "check SLACK_BOT_TOKEN (OAuth & Permissions > Bot User OAuth Token) and that the app is installed"}
	bot, err := slackbot.NewClient(o.Slack.BotToken, o.Slack.APIURL, slackbot.WithLogger(slog.New(slog.DiscardHandler))).AuthTest(ctx)
	c.detail, c.err = "auth.test: bot user "+bot, err
	return c
}

func discordCheck(ctx context.Context, o options) check {
	if !o.Discord.enabled() {
		return check{name: "discord", detail: "not configured (DISCORD_PUBLIC_KEY or DISCORD_BOT_TOKEN turn it on)"}
	}
	c := check{name: "discord", fix: "check DISCORD_BOT_TOKEN (Developer Portal > Bot > Reset Token) and DISCORD_APP_ID (General Information)"}
	name, err := discord.CheckApplication(ctx, o.Discord.config())
	c.detail, c.err = "application "+name, err
	return c
}

// teamsCheck decodes the outgoing-webhook tokens and counts the teams that
// have a Workflows webhook for digests and reminders.
func teamsCheck(ctx context.Context, o options, st *mongostore.Store) check {
	if !o.Teams.enabled() {
		return check{name: "teams", detail: "not configured (TEAMS_WEBHOOK_SECRET turns it on)"}
	}
	c := check{name: "teams", fix: "paste each outgoing webhook's security token into TEAMS_WEBHOOK_SECRET, comma-separated (README: Connect to Microsoft Teams)"}
	keys, err := teams.ParseSecrets(o.Teams.WebhookSecret)
	if err != nil {
		c.err = err
		return c
	}
	ts, err := st.Teams(ctx)
	if err != nil {
		c.err = err
		return c
	}
	hooked := 0
	for _, t := range ts {
		if t.TeamsWebhook != "" {
			hooked++
		}
	}
	c.detail = fmt.Sprintf("%d outgoing-webhook token(s) decode; %d of %d teams have a Workflows webhook (`csbot teams webhook TEAM URL`)", len(keys), hooked, len(ts))
	return c
}

// memberZones checks that every member's time zone exists.
func memberZones(ctx context.Context, st *mongostore.Store) check {
	c := check{name: "time zones", fix: "set a valid zone with `/cs team member <id> tz:Asia/Tokyo`"}
	members, err := st.Members(ctx)
	if err != nil {
		c.err = err
		return c
	}
	var bad []error
	for _, m := range members {
		if m.TZ == "" {
			continue
		}
		if _, err := time.LoadLocation(m.TZ); err != nil {
			bad = append(bad, fmt.Errorf("@%s: %q is not a time zone", m.ID, m.TZ))
		}
	}
	c.err = errors.Join(bad...)
	c.detail = fmt.Sprintf("%d members' time zones are valid", len(members))
	return c
}

func orDir(dir string) string {
	if dir == "" {
		return ""
	}
	return " and " + dir
}
