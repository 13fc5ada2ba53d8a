package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
)

func (c *cmds) playbookCommand() bot.Command {
	return bot.Command{
		Name:    "playbook",
		Usage:   "list | status <account>",
		Summary: "the playbooks in force, and which steps are due or next for an account",
		Help: "Playbooks are YAML files (built in, overridable from CSBOT_PLAYBOOKS_DIR). " +
			"Due steps are sent as reminders by csbot serve.",
		Examples: []string{"/cs playbook list", "/cs playbook status acme"},
		Handler:  c.playbook,
	}
}

func (c *cmds) playbook(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if c.Playbooks == nil {
		return bot.Reply{}, bot.Errorf("No playbooks are loaded in this csbot.")
	}
	sub := ""
	if len(req.Args) > 0 {
		sub = strings.ToLower(req.Args[0])
	}
	switch sub {
	case "list":
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
	case "status":
		req.Args = req.Args[1:]
		a, share, err := c.accountArg(ctx, req)
		if err != nil {
			return bot.Reply{}, err
		}
		r := c.playbookStatus(a)
		r.Share = share
		return r, nil
	}
	return bot.Reply{}, bot.UsageErrorf("Say `list` or `status <account>`.")
}

// playbookStatus lists the steps due now and the next dated ones.
func (c *cmds) playbookStatus(a store.Account) bot.Reply {
	now := c.Health.Now()
	as := c.Health.Assess(a)
	var due []string
	for _, d := range c.Playbooks.DueSteps(a, as, now) {
		due = append(due, fmt.Sprintf("%s / %s: due since %s, to %s", d.Playbook, d.Step, store.Day(d.DueAt), d.To))
	}
	type next struct {
		at   time.Time
		line string
	}
	var upcoming []next
	for _, pb := range c.Playbooks.Playbooks {
		if pb.Disabled || !pb.When.Matches(a.Tier, as.Band, a.Phase) {
			continue
		}
		for _, st := range pb.Steps {
			if !st.When.Matches(a.Tier, as.Band, a.Phase) {
				continue
			}
			if at, ok := nextDate(st, a, now); ok {
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
	return bot.Reply{
		Title:    a.Name + " · playbooks",
		Band:     as.Band,
		Sections: []bot.Section{{Title: "Due now", Lines: due}, {Title: "Next", Lines: lines}},
		Footer:   freshness(now, a),
	}
}

// nextDate is when a step next falls due after now: the next cadence after
// the last touch, or the next anchored day. Signals have no date.
func nextDate(st playbooks.Step, a store.Account, now time.Time) (time.Time, bool) {
	switch st.Timing() {
	case playbooks.TimingCadence:
		if a.LastTouch.IsZero() {
			return time.Time{}, false
		}
		at := a.LastTouch.Add(st.Every)
		return at, at.After(now)
	case playbooks.TimingAnchor:
		anchor := a.Renewal
		if st.Anchor == playbooks.AnchorPhaseStart {
			anchor = a.PhaseStart
		}
		if anchor.IsZero() {
			return time.Time{}, false
		}
		for _, off := range slices.Sorted(slices.Values(st.Offsets)) {
			if at := truncDay(anchor).AddDate(0, 0, off); at.After(now) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}
