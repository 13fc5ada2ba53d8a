package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
)

func (c *cmds) playbookCommand() command {
	pbArg := bot.Arg{Name: "playbook", Required: true, Help: "a playbook's name, e.g. save-plan"}
	return command{For: needs(access.Playbook, access.Health), Command: bot.Command{
		Name: "playbook",
		Subcommands: []bot.Subcommand{
			{Name: "list", Summary: "the playbooks in force and their steps", Handler: c.playbookList},
			{Name: "status", Args: []bot.Arg{accountArg, shareArg}, Summary: "what is due or next for an account", Handler: c.playbookStatusCmd},
			{Name: "start", Args: []bot.Arg{pbArg, accountArg}, Summary: "run a playbook for an account from today", Handler: c.playbookStartStop},
			{Name: "stop", Args: []bot.Arg{pbArg, accountArg}, Summary: "stop a playbook for an account", Handler: c.playbookStartStop},
		},
		Summary: "the playbooks in force; start or stop one for an account; what is due or next",
		Help: "Playbooks are YAML files (built in, overridable from CSBOT_PLAYBOOKS_DIR). Most apply by tier, band " +
			"or phase; manual ones (save-plan) only where someone started them. Due steps are sent as reminders by csbot serve.",
		Examples: []string{"/cs playbook list", "/cs playbook status acme", "/cs playbook start save-plan acme", "/cs playbook stop save-plan acme"},
	}}
}

var errNoPlaybooks = bot.Refusal("playbook.none_loaded", nil)

func (c *cmds) playbookList(_ context.Context, req *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, errNoPlaybooks
	}
	l := req.L()
	var sections []bot.Section
	for _, pb := range c.Playbooks.Playbooks {
		// The description is the playbook file's own text: in the member's
		// language when the file gives it, else in its author's.
		title := pb.Name + ": " + pb.Description.In(l.Lang())
		if pb.Disabled {
			title = l.T("playbook.disabled", i18n.Data{"Title": title})
		}
		lines := make([]string, len(pb.Steps))
		for i, st := range pb.Steps {
			lines[i] = l.T("playbook.step", i18n.Data{"Step": st.Name, "When": stepTiming(l, st), "To": recipient(l, st.To)})
		}
		sections = append(sections, bot.Section{Title: title, Lines: lines})
	}
	return bot.Reply{Title: l.T("playbook.list.title", nil), Sections: sections}, nil
}

// stepTiming says when a step falls due: "every 7d since the last touch",
// "-90d, -30d from renewal", "on signal red-band".
func stepTiming(l *i18n.Localizer, st playbooks.Step) string {
	switch st.Timing() {
	case playbooks.TimingCadence:
		every := st.Every.String()
		if st.Every%(24*time.Hour) == 0 {
			every = l.T("playbook.days", i18n.Data{"N": int(st.Every / (24 * time.Hour))})
		}
		return l.T("playbook.every", i18n.Data{"Every": every})
	case playbooks.TimingAnchor:
		offsets := make(i18n.List, len(st.Offsets))
		for i, o := range st.Offsets {
			offsets[i] = l.T("playbook.days", i18n.Data{"N": fmt.Sprintf("%+d", o)})
		}
		return l.T("playbook.anchored", i18n.Data{"Offsets": offsets, "Anchor": l.T("playbook.anchor."+st.Anchor, nil)})
	case playbooks.TimingSignal:
		return l.T("playbook.signal", i18n.Data{"Signal": st.Signal})
	}
	return l.T("playbook.never", nil)
}

// recipient names whom a step goes to: owner, lead or ops.
func recipient(l *i18n.Localizer, to string) string { return l.T("playbook.to."+to, nil) }

func (c *cmds) playbookStatusCmd(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, errNoPlaybooks
	}
	a, err := c.accountFor(ctx, req.Member, access.Health, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	r := c.playbookStatus(req.L(), a)
	r.Share = req.Has("share")
	return r, nil
}

func (c *cmds) playbookStartStop(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, errNoPlaybooks
	}
	name := req.Arg("playbook")
	pb, ok := c.Playbooks.Lookup(strings.ToLower(name))
	if !ok || pb.Disabled {
		return bot.Reply{}, bot.Refusal("playbook.unknown", i18n.Data{"Name": name})
	}
	a, err := c.accountFor(ctx, req.Member, access.Playbook, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	return c.startStop(ctx, req.L(), req.Member, req.Sub == "start", pb, a)
}

// startStop records that a playbook runs, or no longer runs, for an account.
func (c *cmds) startStop(ctx context.Context, l *i18n.Localizer, me store.Member, start bool, pb playbooks.Playbook, a store.Account) (bot.Reply, error) {
	var already *bot.Reply
	a, err := c.Health.Update(ctx, a.Slug, func(a *store.Account) error {
		already = nil
		since, running := a.Started(pb.Name)
		switch {
		case start && running:
			already = &bot.Reply{Title: l.T("playbook.already.title", nil),
				Text: l.T("playbook.already", i18n.Data{"Playbook": pb.Name, "Account": a.Name, "Day": l.Date(since)})}
			return errUnchanged
		case !start && !running:
			return bot.Refusal("playbook.not_started", i18n.Data{"Playbook": pb.Name, "Account": a.Name})
		case start:
			a.Playbooks = append(a.Playbooks, store.ActivePlaybook{Name: pb.Name, Started: c.Health.Now().UTC(), By: me.ID})
		default:
			a.Playbooks = slices.DeleteFunc(a.Playbooks, func(p store.ActivePlaybook) bool { return p.Name == pb.Name })
		}
		return nil
	})
	if already != nil {
		return *already, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	data := i18n.Data{"Playbook": pb.Name, "Account": a.Name}
	if !start {
		return bot.Reply{Title: l.T("playbook.stopped.title", nil), Text: l.T("playbook.stopped", data)}, nil
	}
	r := c.playbookStatus(l, a)
	r.Title, r.Text = l.T("playbook.started.title", nil), l.T("playbook.started", data)
	return r, nil
}

// playbookStatus lists the steps due now and the next dated ones.
func (c *cmds) playbookStatus(l *i18n.Localizer, a store.Account) bot.Reply {
	now := c.Health.Now()
	as := c.Health.Assess(a)
	var due []string
	for _, d := range c.Playbooks.DueSteps(a, as, now, nil) {
		due = append(due, l.T("playbook.status.due", i18n.Data{"Playbook": d.Playbook, "Step": d.Step, "Day": l.Date(d.DueAt), "To": recipient(l, d.To)}))
	}
	type next struct {
		at   time.Time
		line string
	}
	var upcoming []next
	for _, pb := range c.Playbooks.Playbooks {
		if _, started := a.Started(pb.Name); !started && !applies(pb, a, as.Band) {
			continue
		}
		for _, st := range pb.Steps {
			if !st.When.Matches(a.Tier, as.Band, a.Phase) {
				continue
			}
			if at, ok := nextDate(pb.Name, st, a, now); ok {
				upcoming = append(upcoming, next{at, l.T("playbook.status.next", i18n.Data{"Playbook": pb.Name, "Step": st.Name, "Day": l.Date(at), "To": recipient(l, st.To)})})
			}
		}
	}
	slices.SortFunc(upcoming, func(x, y next) int { return x.at.Compare(y.at) })
	lines := make([]string, 0, 10)
	for _, u := range upcoming[:min(10, len(upcoming))] {
		lines = append(lines, u.line)
	}
	if len(due) == 0 {
		due = []string{l.T("playbook.status.nothing_due", nil)}
	}
	if len(lines) == 0 {
		lines = []string{l.T("playbook.status.no_next", nil)}
	}
	var active []string
	for _, p := range a.Playbooks {
		active = append(active, l.T("playbook.status.started_by", i18n.Data{"Playbook": p.Name, "Day": l.Date(p.Started), "By": p.By}))
	}
	for _, pb := range c.Playbooks.Playbooks {
		if _, started := a.Started(pb.Name); !started && applies(pb, a, as.Band) {
			active = append(active, l.T("playbook.status.applies", i18n.Data{"Playbook": pb.Name}))
		}
	}
	return bot.Reply{
		Title: l.T("playbook.status.title", i18n.Data{"Account": a.Name}),
		Band:  as.Band,
		Sections: []bot.Section{{Title: l.T("playbook.status.active", nil), Lines: active},
			{Title: l.T("playbook.status.due_now", nil), Lines: due}, {Title: l.T("playbook.status.next_title", nil), Lines: lines}},
		Footer: freshness(l, now, a),
	}
}

// applies reports whether a playbook runs for an account without being started.
func applies(pb playbooks.Playbook, a store.Account, band string) bool {
	return !pb.Disabled && !pb.Manual && pb.When.Matches(a.Tier, band, a.Phase)
}

// nextDate is when a step next falls due after now: the next cadence after
// the last touch, or the next anchored day. Signals have no date.
func nextDate(pbName string, st playbooks.Step, a store.Account, now time.Time) (time.Time, bool) {
	switch st.Timing() {
	case playbooks.TimingCadence:
		if a.LastTouch.IsZero() {
			return time.Time{}, false
		}
		at := a.LastTouch.Add(st.Every)
		return at, at.After(now)
	case playbooks.TimingAnchor:
		anchor := a.Renewal
		switch st.Anchor {
		case playbooks.AnchorPhaseStart:
			anchor = a.PhaseStart
		case playbooks.AnchorStarted:
			anchor, _ = a.Started(pbName)
		}
		if anchor.IsZero() {
			return time.Time{}, false
		}
		for _, off := range slices.Sorted(slices.Values(st.Offsets)) {
			if at := store.UTCDay(anchor).AddDate(0, 0, off); at.After(now) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}
