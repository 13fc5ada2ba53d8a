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

func (c *cmds) playbookCommand() bot.Command {
	pbArg := bot.Arg{Name: "playbook", Required: true, Help: "a playbook's name, e.g. save-plan"}
	return bot.Command{
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
	}
}

var errNoPlaybooks = bot.Errorf("No playbooks are loaded in this csbot.")

func (c *cmds) playbookList(context.Context, *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, errNoPlaybooks
	}
	var sections []bot.Section
	for _, pb := range c.Playbooks.Playbooks {
		title := pb.Name + ": " + pb.Description
		if pb.Disabled {
			title += " (disabled)"
		}
		lines := make([]string, len(pb.Steps))
		for i, st := range pb.Steps {
			lines[i] = fmt.Sprintf("%s: %s, to %s", st.Name, st.Describe(), st.To)
		}
		sections = append(sections, bot.Section{Title: title, Lines: lines})
	}
	return bot.Reply{Title: "Playbooks", Sections: sections}, nil
}

func (c *cmds) playbookStatusCmd(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, errNoPlaybooks
	}
	a, err := c.accountFor(ctx, req.Member, access.Health, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	r := c.playbookStatus(a)
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
		return bot.Reply{}, bot.Errorf("There is no playbook '%s'. `/cs playbook list` shows them.", name)
	}
	a, err := c.accountFor(ctx, req.Member, access.Playbook, req.Arg("account"))
	if err != nil {
		return bot.Reply{}, err
	}
	return c.startStop(ctx, req.Member, req.Sub == "start", pb, a)
}

// startStop records that a playbook runs, or no longer runs, for an account.
func (c *cmds) startStop(ctx context.Context, me store.Member, start bool, pb playbooks.Playbook, a store.Account) (bot.Reply, error) {
	var already *bot.Reply
	a, err := c.Health.Update(ctx, a.Slug, func(a *store.Account) error {
		already = nil
		since, running := a.Started(pb.Name)
		switch {
		case start && running:
			already = &bot.Reply{Title: "Already running", Text: fmt.Sprintf("%s has run for %s since %s.", pb.Name, a.Name, store.Day(since))}
			return errUnchanged
		case !start && !running:
			return bot.Errorf("%s was not started for %s.", pb.Name, a.Name)
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
	if !start {
		return bot.Reply{Title: "Playbook stopped", Text: fmt.Sprintf("%s no longer runs for %s.", pb.Name, a.Name)}, nil
	}
	r := c.playbookStatus(a)
	r.Title, r.Text = "Playbook started", fmt.Sprintf("%s runs for %s from today.", pb.Name, a.Name)
	return r, nil
}

// playbookStatus lists the steps due now and the next dated ones.
func (c *cmds) playbookStatus(a store.Account) bot.Reply {
	now := c.Health.Now()
	as := c.Health.Assess(a)
	var due []string
	for _, d := range c.Playbooks.DueSteps(a, as, now, nil) {
		due = append(due, fmt.Sprintf("%s / %s: due since %s, to %s", d.Playbook, d.Step, store.Day(d.DueAt), d.To))
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
				upcoming = append(upcoming, next{at, fmt.Sprintf("%s / %s: %s, to %s", pb.Name, st.Name, store.Day(at), st.To)})
			}
		}
	}
	slices.SortFunc(upcoming, func(x, y next) int { return x.at.Compare(y.at) })
	lines := make([]string, 0, 10)
	for _, u := range upcoming[:min(10, len(upcoming))] {
		lines = append(lines, u.line)
	}
	if len(due) == 0 {
		due = []string{"Nothing due now."}
	}
	if len(lines) == 0 {
		lines = []string{"No dated step ahead."}
	}
	var active []string
	for _, p := range a.Playbooks {
		active = append(active, fmt.Sprintf("%s: started %s by @%s", p.Name, store.Day(p.Started), p.By))
	}
	for _, pb := range c.Playbooks.Playbooks {
		if _, started := a.Started(pb.Name); !started && applies(pb, a, as.Band) {
			active = append(active, pb.Name+": applies by tier, band or phase")
		}
	}
	return bot.Reply{
		Title:    a.Name + " · playbooks",
		Band:     as.Band,
		Sections: []bot.Section{{Title: "Active", Lines: active}, {Title: "Due now", Lines: due}, {Title: "Next", Lines: lines}},
		Footer:   freshness(i18n.English, now, a),
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
