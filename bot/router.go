package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// MaxInput is the longest command text accepted, in bytes.
const MaxInput = 4096

// Directory finds the member behind a chat user.
type Directory interface {
	MemberByIdentity(ctx context.Context, platform, userID string) (store.Member, error)
}

// Router turns a line of chat text into a command run and a reply. Every
// platform goes through it, so they all parse, authorise and fail alike.
type Router struct {
	reg *Registry
	dir Directory
	log *slog.Logger
	// observe, when set, is told of every command handled, for metrics.
	observe func(command, platform, outcome string, took time.Duration)
	// limits, when set, caps each member's commands (LimitPerMember).
	limits *limiter
	// locale is the deployment's language (CSBOT_LOCALE); "" is i18n.Default.
	locale string
}

// OnHandled sets a function told of every command handled: its name
// ("none" when no command matched), the platform, "ok" or "error" (a
// refusal or a failure), and how long it took. Set it before serving.
func (rt *Router) OnHandled(fn func(command, platform, outcome string, took time.Duration)) {
	rt.observe = fn
}

// NewRouter returns a router over the registry's commands.
func NewRouter(reg *Registry, dir Directory, log *slog.Logger) *Router {
	return &Router{reg: reg, dir: dir, log: log}
}

// Registry returns the commands the router serves.
func (rt *Router) Registry() *Registry { return rt.reg }

// Call is a command whose arguments a platform's form already separated
// (Discord's options): values by argument name, as typed.
type Call struct {
	Command, Sub string
	Args         map[string]string
}

// Handle runs one command typed by a chat user. text may start with "/cs"
// or a bot mention already stripped by the adapter. It never panics and
// always returns a reply to show.
func (rt *Router) Handle(ctx context.Context, platform, userID, text string) Reply {
	if len(text) > MaxInput {
		l := i18n.For(rt.lang(ctx, ""))
		r := errorReply(l.T("router.too_long", i18n.Data{"Bytes": len(text)}))
		rt.record("none", platform, r, time.Now())
		return r
	}
	text = strings.TrimSpace(text)
	for _, prefix := range []string{"/cs", "cs"} {
		if rest, ok := strings.CutPrefix(text, prefix); ok && (rest == "" || rest[0] == ' ') {
			text = strings.TrimSpace(rest)
			break
		}
	}
	name, rest, ok := CutWord(text)
	if !ok {
		name = "help"
	}
	return rt.serve(ctx, platform, userID, name, func(cmd Command) (string, map[string]string, error) {
		sub, rest, err := subcommand(cmd, rest)
		if err != nil {
			return "", nil, err
		}
		args, err := parseArgs(argsOf(cmd, sub), rest)
		return sub.Name, args, err
	})
}

// HandleCall runs a command whose arguments came separated, checking them
// as Handle checks typed ones.
func (rt *Router) HandleCall(ctx context.Context, platform, userID string, call Call) Reply {
	return rt.serve(ctx, platform, userID, call.Command, func(cmd Command) (string, map[string]string, error) {
		sub, ok := cmd.Subcommand(call.Sub)
		if len(cmd.Subcommands) == 0 && call.Sub != "" || len(cmd.Subcommands) > 0 && !ok {
			return "", nil, fmt.Errorf("%w: /cs %s has no subcommand %q", errStaleCall, cmd.Name, call.Sub)
		}
		args, err := checkValues(argsOf(cmd, sub), call.Args)
		return sub.Name, args, err
	})
}

// errStaleCall marks a call naming what the command no longer has: the
// platform registered an older grammar.
var errStaleCall = errors.New("csbot's commands changed since this platform learned them")

// subcommand cuts the subcommand's name off the arguments of cmd; the
// zero Subcommand for a command without.
func subcommand(cmd Command, rest string) (Subcommand, string, error) {
	if len(cmd.Subcommands) == 0 {
		return Subcommand{}, rest, nil
	}
	word, after, ok := CutWord(rest)
	if !ok {
		if s, ok := cmd.Subcommand(cmd.Default); ok {
			return s, "", nil
		}
		alts := make([]string, len(cmd.Subcommands))
		for i, s := range cmd.Subcommands {
			alts[i] = "`" + strings.TrimSpace(s.Name+" "+ArgsUsage(s.Args)) + "`"
		}
		last := len(alts) - 1
		return Subcommand{}, "", UsageRefusal("args.which_sub", i18n.Data{"Alts": i18n.List(alts[:last]), "Last": alts[last]})
	}
	s, ok := cmd.Subcommand(word)
	if !ok {
		return Subcommand{}, "", UsageRefusal("args.no_sub", i18n.Data{"Command": cmd.Name, "Word": word})
	}
	return s, after, nil
}

func argsOf(cmd Command, sub Subcommand) []Arg {
	if len(cmd.Subcommands) > 0 {
		return sub.Args
	}
	return cmd.Args
}

// serve identifies the asker, finds the command called name, has parse
// read its subcommand and arguments, and runs its handler.
func (rt *Router) serve(ctx context.Context, platform, userID, name string, parse func(Command) (string, map[string]string, error)) (reply Reply) {
	// One request: the store checks its caches once (see store.WithScope).
	ctx = store.WithScope(ctx)
	// label is the command's registered name: metric labels never carry
	// what users typed.
	l := i18n.For(rt.lang(ctx, ""))
	running, label, start := l.T("router.your_command", nil), "none", time.Now()
	defer func() {
		if p := recover(); p != nil {
			rt.log.Error("command panicked", "command", running, "platform", platform, "panic", p, "stack", string(debug.Stack()))
			reply = errorReply(l.T("router.panic", i18n.Data{"Command": running}))
		}
		rt.record(label, platform, reply, start)
	}()
	member, err := rt.dir.MemberByIdentity(ctx, platform, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errorReply(l.T("router.not_registered", nil))
	case err != nil:
		return rt.failure(ctx, l, "identify user", err)
	}
	lang := rt.lang(ctx, member.Locale)
	l = i18n.For(lang)
	if wait, ok := rt.limits.allow(member.ID, time.Now()); !ok {
		return rt.limits.tooFast(l, wait)
	}
	cmd, found := rt.reg.Lookup(name)
	if !found {
		if near, ok := rt.reg.Closest(name); ok {
			r := errorReply(l.T("router.unknown_did_you_mean", i18n.Data{"Name": name, "Near": near.Name}))
			r.Sections = []Section{{Title: near.UsageLine(), Lines: []string{near.SummaryIn(l)}}}
			return r
		}
		return errorReply(l.T("router.unknown_see_help", i18n.Data{"Name": name}))
	}
	label = cmd.Name
	// Whatever the command changes is audited as the member's, from here,
	// with the platform and channel it was typed in.
	ctx = store.WithActor(ctx, store.Actor{Name: member.ID, Platform: platform, Channel: ChannelOf(ctx), ChannelName: ChannelNameOf(ctx)})
	ctx = i18n.NewContext(ctx, l)
	sub, args, err := parse(cmd)
	switch {
	case errors.Is(err, errStaleCall):
		rt.log.WarnContext(ctx, "stale command", "platform", platform, "err", err)
		return errorReply(l.T("router.stale", i18n.Data{"Err": err.Error()}))
	case err == nil:
		running = strings.TrimSpace("/cs " + cmd.Name + " " + sub)
		h := cmd.Handler
		if s, ok := cmd.Subcommand(sub); ok && s.Handler != nil {
			h = s.Handler
		}
		reply, err = h(ctx, &Request{Platform: platform, UserID: userID, Member: member, Command: cmd.Name, Sub: sub, Locale: lang, args: args})
		if err == nil {
			return reply
		}
	}
	if ue, ok := AsUserError(err); ok {
		r := errorReply(ue.In(l))
		if ue.Usage {
			r.Fields = append(r.Fields, Field{Name: l.T("router.usage", nil), Value: cmd.SubUsageLine(sub)})
		}
		return r
	}
	return rt.failure(ctx, l, cmd.Name, err)
}

// record tells the observer of a command handled.
func (rt *Router) record(label, platform string, r Reply, start time.Time) {
	if rt.observe == nil {
		return
	}
	outcome := "ok"
	if r.Error {
		outcome = "error"
	}
	rt.observe(label, platform, outcome, time.Since(start))
}

func (rt *Router) failure(ctx context.Context, l *i18n.Localizer, what string, err error) Reply {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		rt.log.WarnContext(ctx, "store unavailable", "during", what, "err", err)
		return Unavailable(l)
	}
	if tl := (*store.TooLongError)(nil); errors.As(err, &tl) {
		return errorReply(l.T("router.not_saved", i18n.Data{"Err": tl.Error()}))
	}
	if errors.Is(err, store.ErrConflict) {
		rt.log.WarnContext(ctx, "write conflict", "during", what, "err", err)
		return errorReply(l.T("router.conflict", nil))
	}
	rt.log.ErrorContext(ctx, "command failed", "during", what, "err", err)
	return errorReply(l.T("router.failed", i18n.Data{"What": what}))
}

// Unavailable is the answer to a request csbot could not serve for want of
// its database, in l's language.
func Unavailable(l *i18n.Localizer) Reply { return errorReply(l.T("router.unavailable", nil)) }

func errorReply(msg string) Reply {
	return Reply{Text: msg, Error: true}
}
