package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/csbot/csbot/store/mongostore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Stderr, os.Getenv, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// serveGCPercent is csbot serve's garbage-collector target when GOGC is
// unset; the in-process endpoint runs tuned the same way.
const serveGCPercent = 150

func run(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "", "csbot's /slack/commands URL; empty = start csbot and a bare handler in this process")
	secret := fs.String("secret", getenv("SLACK_SIGNING_SECRET"), "Slack signing secret of the target (SLACK_SIGNING_SECRET)")
	user := fs.String("user", "U0BULK0", "Slack user id the commands come from (must be a linked member)")
	text := fs.String("text", "health account-00042", "command text after /cs, with --url")
	expect := fs.String("expect", "", "text every answer must contain, with --url (e.g. the account name)")
	concurrency := fs.Int("concurrency", 50, "clients sending at once")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	accounts := fs.Int("accounts", 10000, "synthetic accounts, without --url")
	mongoURI := fs.String("mongodb-uri", getenv("MONGODB_URI"), "without --url: the MongoDB server to load, in a throwaway database (MONGODB_URI); empty = an embedded store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *concurrency < 1 || *concurrency > 1000 || *duration <= 0 || *duration > 10*time.Minute {
		return errors.New("--concurrency must be 1..1000 and --duration at most 10m")
	}
	cfg := Config{Secret: *secret, Concurrency: *concurrency, Duration: *duration}
	if *target != "" {
		if *secret == "" {
			return errors.New("--secret (or SLACK_SIGNING_SECRET) is needed to sign requests")
		}
		cfg.URL, cfg.Expect = *target, *expect
		cfg.Form = func(int) url.Values {
			return url.Values{"command": {"/cs"}, "text": {*text}, "user_id": {*user}, "channel_id": {"C0LOAD"}, "response_url": {"http://127.0.0.1:1/unused"}}
		}
		res, err := Run(ctx, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", *target, res)
		return nil
	}
	dir, err := os.MkdirTemp("", "csbot-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	scfg := mongostore.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)}
	where := "an embedded store"
	if *mongoURI != "" {
		scfg.URI, scfg.Database = *mongoURI, "csbot_loadtest_"+strings.ToLower(rand.Text()[:8])
		where = "database " + scfg.Database + " on MONGODB_URI (dropped at the end)"
	}
	fmt.Fprintf(stdout, "setting up %d accounts in %s (about a minute for 10,000)...\n", *accounts, where)
	t, err := Setup(ctx, scfg, *accounts)
	if err != nil {
		return err
	}
	defer t.Close()
	if getenv("GOGC") == "" {
		// The endpoint runs tuned as csbot serve is; the set-up (seeding
		// the book, which serve does not do) ran with Go's default.
		debug.SetGCPercent(serveGCPercent)
	}
	cfg.Secret, cfg.Form = t.Secret, t.Form(LoadUser)
	var results []Result
	for _, c := range []struct{ name, url, expect string }{
		{"bare handler (signature check only)", t.BareURL, ""},
		{"csbot /cs health <account>", t.FullURL, "· health"},
	} {
		cfg.URL, cfg.Expect = c.url, c.expect
		res, err := Run(ctx, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s:\n  %s\n", c.name, res)
		results = append(results, res)
	}
	if results[0].P50 > 0 {
		fmt.Fprintf(stdout, "p50 ratio csbot/bare: %.1fx\n", float64(results[1].P50)/float64(results[0].P50))
	}
	if mb, ok := ResidentMB(); ok {
		fmt.Fprintf(stdout, "resident memory after the load: %.0f MB (this process: csbot's endpoint and the load generator)\n", mb)
	}
	return nil
}
