package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

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

// Handle runs one command typed by a chat user. text may start with "/cs"
// or a bot mention already stripped by the adapter. It never panics and
// always returns a reply to show.
func (rt *Router) Handle(ctx context.Context, platform, userID, text string) (reply Reply) {
	// One request: the store checks its caches once (see store.WithScope).
	ctx = store.WithScope(ctx)
	// label is the command's registered name: metric labels never carry
	// what users typed.
	running, label, start := "your command", "none", time.Now()
	defer func() {
		if p := recover(); p != nil {
			rt.log.Error("command panicked", "command", running, "platform", platform, "panic", p, "stack", string(debug.Stack()))
			reply = errorReply(fmt.Sprintf("Something went wrong running `%s`. It has been logged; try again, or tell a csbot admin if it keeps happening.", running))
		}
		if rt.observe != nil {
			outcome := "ok"
			if reply.Error {
				outcome = "error"
			}
			rt.observe(label, platform, outcome, time.Since(start))
		}
	}()
	if len(text) > MaxInput {
		return errorReply(fmt.Sprintf("That message is too long (%d bytes); csbot reads at most 4 KiB. Shorten it and try again.", len(text)))
	}
	text = strings.TrimSpace(text)
	for _, prefix := range []string{"/cs", "cs"} {
		if rest, ok := strings.CutPrefix(text, prefix); ok && (rest == "" || rest[0] == ' ') {
			text = strings.TrimSpace(rest)
			break
		}
	}
	member, err := rt.dir.MemberByIdentity(ctx, platform, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errorReply("You are not registered with csbot yet, so it cannot show you customer data. Ask a csbot admin to add you with `/cs team member`.")
	case err != nil:
		return rt.failure(ctx, "identify user", err)
	}
	if wait, ok := rt.limits.allow(member.ID, time.Now()); !ok {
		return rt.limits.tooFast(wait)
	}
	name, rest, ok := CutWord(text)
	if !ok {
		name = "help"
	}
	cmd, found := rt.reg.Lookup(name)
	if !found {
		msg := fmt.Sprintf("There is no command `%s`.", name)
		if near, ok := rt.reg.Closest(name); ok {
			r := errorReply(msg + " Did you mean `" + near.Name + "`?")
			r.Sections = []Section{{Title: near.UsageLine(), Lines: []string{near.Summary}}}
			return r
		}
		return errorReply(msg + " Type `/cs help` to see what csbot can do.")
	}
	req := &Request{Platform: platform, UserID: userID, Member: member, Command: cmd.Name, Args: Tokenize(rest), Text: rest}
	running, label = "/cs "+cmd.Name, cmd.Name
	reply, err = cmd.Handler(ctx, req)
	if err == nil {
		return reply
	}
	if ue, ok := AsUserError(err); ok {
		r := errorReply(ue.Msg)
		if ue.Usage {
			r.Fields = append(r.Fields, Field{Name: "Usage", Value: cmd.UsageLine()})
		}
		return r
	}
	return rt.failure(ctx, cmd.Name, err)
}

func (rt *Router) failure(ctx context.Context, what string, err error) Reply {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		rt.log.WarnContext(ctx, "store unavailable", "during", what, "err", err)
		return errorReply("csbot cannot reach its database right now, try again in a minute.")
	}
	if tl := (*store.TooLongError)(nil); errors.As(err, &tl) {
		return errorReply(fmt.Sprintf("Nothing was saved: %s.", tl))
	}
	if errors.Is(err, store.ErrConflict) {
		rt.log.WarnContext(ctx, "write conflict", "during", what, "err", err)
		return errorReply("Someone else changed this at the same moment and csbot could not apply your change on top after several tries; nothing was changed. Try again.")
	}
	rt.log.ErrorContext(ctx, "command failed", "during", what, "err", err)
	return errorReply(fmt.Sprintf("Something went wrong (%s). It has been logged; try again, or tell a csbot admin if it keeps happening.", what))
}

func errorReply(msg string) Reply {
	return Reply{Text: msg, Error: true}
}
