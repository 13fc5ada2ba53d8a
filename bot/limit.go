package bot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"golang.org/x/time/rate"
)

// Limit is how many commands one member may run: a burst of Commands,
// refilled evenly over Per. The zero Limit is no limit.
type Limit struct {
	Commands int
	Per      time.Duration
}

// DefaultLimit is csbot serve's limit unless CSBOT_COMMAND_LIMIT says
// otherwise: far above anyone typing, well below a script.
var DefaultLimit = Limit{Commands: 10, Per: 10 * time.Second}

// String writes the limit as ParseLimit reads it.
func (l Limit) String() string {
	if l.Commands == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", l.Commands, l.Per)
}

// ParseLimit reads "10/10s" (ten commands per ten seconds) or "off".
func ParseLimit(s string) (Limit, error) {
	if s = strings.TrimSpace(s); s == "off" || s == "0" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	commands, err := strconv.Atoi(strings.TrimSpace(n))
	d, derr := time.ParseDuration(strings.TrimSpace(per))
	if !ok || err != nil || derr != nil || commands < 1 || d <= 0 {
		return Limit{}, errors.New("want commands per duration, e.g. 10/10s, or off")
	}
	return Limit{Commands: commands, Per: d}, nil
}

// limiter keeps one token bucket per member. Members are registered by
// admins, so the map stays as small as the team.
type limiter struct {
	limit   Limit
	mu      sync.Mutex
	members map[string]*rate.Limiter
}

// LimitPerMember caps how many commands each member may run (see Limit);
// a command over the limit is answered with when to try again and runs
// nothing. Set it before serving; the zero Limit turns the cap off.
func (rt *Router) LimitPerMember(l Limit) {
	rt.limits = nil
	if l.Commands > 0 {
		rt.limits = &limiter{limit: l, members: map[string]*rate.Limiter{}}
	}
}

// allow takes a token of member's bucket, or says how long until one is
// there; a nil limiter allows everything.
func (l *limiter) allow(member string, now time.Time) (time.Duration, bool) {
	if l == nil {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.members[member]
	if !ok {
		b = rate.NewLimiter(rate.Every(l.limit.Per/time.Duration(l.limit.Commands)), l.limit.Commands)
		l.members[member] = b
	}
	r := b.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait, false
	}
	return 0, true
}

// tooFast is the answer to a command over the limit.
func (l *limiter) tooFast(loc *i18n.Localizer, wait time.Duration) Reply {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return errorReply(loc.T("router.too_fast", i18n.Data{"Commands": l.limit.Commands, "Per": l.limit.Per, "Secs": secs}))
}
