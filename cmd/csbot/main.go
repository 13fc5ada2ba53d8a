// Command csbot is a chat-ops bot for customer-success teams. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

const usage = `csbot: customer success in chat

Usage:
  csbot console [--demo [ja]] [--as MEMBER]           chat with the bot in the terminal; --demo ja
                                                       loads the demo with Japanese names
  csbot serve                                          run the bot: HTTP endpoints and scheduler
  csbot seed demo [ja] [--accounts N] [--quiet]        load demo teams, members and accounts (in
                                                       Japanese with ja), or a synthetic book of N accounts
  csbot seed admin ID "Full Name"                      create the first admin
  csbot import KIND FILE [--dry-run] [--quiet]         import from CSV or JSON; KIND is accounts, metrics,
                                                       nps, csat, responses, tickets, touches or churn
  csbot remind --dry-run [--at TIME]                   print the reminders due
  csbot digest --dry-run [--lead ID] [--date DAY]      print the leads' churn-risk digests
  csbot discord register [--guild ID]                  register /cs and its subcommands with Discord
  csbot teams webhook TEAM URL [CHANNEL]               post TEAM's digests and reminders to a Teams channel
  csbot doctor                                         check the configuration and every dependency
  csbot audit export --since DAY                       print the audit trail from DAY on as JSON lines
  csbot version                                        print the version

Every command takes --data DIR, --mongodb URI and --config FILE, before or
after its words; the environment variables in README.md set the same.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "csbot: %v\n\n%s", err, usage)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "csbot: %v\n", err)
		os.Exit(1)
	}
}

type usageError struct{ error }

// env is what run needs from the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{errors.New("which command?")}
	}
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	args, err := commonFlagsLast(e, args)
	if err != nil {
		return err
	}
	name, args := args[0], args[1:]
	switch name {
	case "console":
		return runConsole(ctx, e, args)
	case "serve":
		return runServe(ctx, e, args)
	case "seed":
		return runSeed(ctx, e, args)
	case "import":
		return runImport(ctx, e, args)
	case "remind":
		return runRemind(ctx, e, args)
	case "digest":
		return runDigest(ctx, e, args)
	case "discord":
		return runDiscord(ctx, e, args)
	case "teams":
		return runTeams(ctx, e, args)
	case "doctor":
		return runDoctor(ctx, e, args)
	case "audit":
		return runAudit(ctx, e, args)
	case "version":
		fmt.Fprintln(stdout, "csbot", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %q", name)}
}

// commonFlagsLast moves the options every command takes from before the
// command to its end (csbot --data DIR import ... reads as csbot import ...
// --data DIR), as the usage says every command takes them; one given on
// both sides is the one after the command.
func commonFlagsLast(e env, args []string) ([]string, error) {
	if !strings.HasPrefix(args[0], "-") || slices.Contains([]string{"-h", "-help", "--help"}, args[0]) {
		return args, nil
	}
	fs := commonFlags(e, "csbot", &overrides{})
	fs.SetOutput(io.Discard) // the error names the flag; main prints the usage
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return []string{"help"}, nil
	} else if err != nil {
		return nil, usageError{fmt.Errorf("%w (before the command, only --data, --mongodb and --config)", err)}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return nil, usageError{errors.New("which command?")}
	}
	return append(slices.Clip(rest), args[:len(args)-len(rest)]...), nil
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "dev"
	}
	return v + " (" + bi.GoVersion + ")"
}

// flags parses the options common to every command plus extra ones.
func flags(e env, name string, args []string, extra func(fs *flag.FlagSet)) (options, []string, error) {
	var cli overrides
	fs := commonFlags(e, name, &cli)
	if extra != nil {
		extra(fs)
	}
	// Flags may come before, between or after the words of the command.
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return options{}, nil, usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		words = append(words, fs.Arg(0))
		args = fs.Args()[1:]
	}
	o := loadOptions(e.getenv, cli)
	if err := o.Validate(); err != nil {
		return o, nil, fmt.Errorf("configuration: %w", err)
	}
	return o, words, nil
}

// commonFlags are the flags every command takes.
func commonFlags(e env, name string, cli *overrides) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&cli.DataDir, "data", "", "folder of the embedded store (CSBOT_DATA_DIR)")
	fs.StringVar(&cli.MongoURI, "mongodb", "", "MongoDB connection string (MONGODB_URI); empty = embedded store")
	fs.StringVar(&cli.ConfigFile, "config", "", "YAML configuration file (CSBOT_CONFIG); the environment overrides it")
	return fs
}

func logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// serverLogger writes text on a terminal and JSON elsewhere (a container's
// log collector), unless CSBOT_LOG_FORMAT says which.
func (o options) serverLogger(w io.Writer) *slog.Logger {
	if o.LogFormat == "json" || o.LogFormat == "" && !isTerminal(w) {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return logger(w, slog.LevelInfo)
}
