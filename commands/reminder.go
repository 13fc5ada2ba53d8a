package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
)

func (c *cmds) reminderCommand() command {
	return command{For: needs(access.Reminder), Command: bot.Command{
		Name: "reminder",
		Subcommands: []bot.Subcommand{
			{Name: "done", Args: []bot.Arg{reminderArg}, Summary: "mark a reminder done and log it on the timeline", Handler: c.reminder},
			{Name: "snooze", Args: []bot.Arg{{Name: "for", Kind: bot.Duration, Required: true, Choices: []string{"1d", "1w"}, Help: "how long to wait"}, reminderArg},
				Summary: "remind again later", Handler: c.reminder},
		},
		Summary: "mark a playbook reminder done (logged on the timeline) or snooze it",
		Help:    "The Done and Snooze buttons under a reminder run these; the id is the reminder's.",
		Examples: []string{
			"/cs reminder done reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25",
			"/cs reminder snooze 1w reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25",
		},
	}}
}

var reminderArg = bot.Arg{Name: "id", Required: true, Help: "the reminder's id"}

func (c *cmds) reminder(ctx context.Context, req *bot.Request) (bot.Reply, error) {
	if req.Sub == "snooze" {
		return c.reminderSnooze(ctx, req.L(), req.Member, req.Arg("id"), req.Duration("for"))
	}
	return c.reminderDone(ctx, req.L(), req.Member, req.Arg("id"))
}

// ownReminder loads a reminder the member may act on: their own, or any for admins.
func (c *cmds) ownReminder(ctx context.Context, me store.Member, id string) (store.OutboxItem, error) {
	it, err := c.Store.Outbox(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && it.Kind != "reminder" {
		return it, bot.Refusal("reminder.unknown", i18n.Data{"ID": id})
	}
	if err != nil {
		return it, err
	}
	return it, c.allow(ctx, me, access.Reminder, it.Recipient, "access.reminder_of", i18n.Data{"ID": it.Recipient}, it.Recipient)
}

func (c *cmds) reminderDone(ctx context.Context, l *i18n.Localizer, me store.Member, id string) (bot.Reply, error) {
	it, err := c.ownReminder(ctx, me, id)
	if err != nil {
		return bot.Reply{}, err
	}
	step := strings.ReplaceAll(it.Step, "-", " ")
	doneID := playbooks.DoneClaim(id)
	if done, err := c.Store.Claimed(ctx, doneID); err != nil {
		return bot.Reply{}, err
	} else if done {
		return bot.Reply{Title: l.T("reminder.already_done.title", nil), Text: l.T("reminder.already_done", i18n.Data{"Step": step})}, nil
	}
	r := bot.Reply{Title: l.T("reminder.done.title", nil), Text: l.T("reminder.done_list", i18n.Data{"Step": step})}
	if it.Account != "batch" {
		a, err := c.Store.Account(ctx, it.Account)
		if err != nil {
			return bot.Reply{}, err
		}
		now := c.Health.Now().UTC()
		// The touch's id is the reminder's: a retry or a double click logs it
		// once. Its text is timeline data, read by everyone: kept in English.
		touch := store.Touch{ID: doneID, Account: a.Slug, Kind: "note", Author: me.ID, Text: fmt.Sprintf("Done: %s (playbook %s)", step, it.Playbook), At: now}
		if err := c.Store.AddTouch(ctx, touch); err != nil {
			return bot.Reply{}, err
		}
		if a, err = c.Health.Update(ctx, a.Slug, func(a *store.Account) error {
			a.LastTouch = store.Later(a.LastTouch, now)
			return nil
		}); err != nil {
			return bot.Reply{}, err
		}
		r.Text = l.T("reminder.done", i18n.Data{"Step": step, "Account": a.Name})
	}
	// Recorded last, so a failure above leaves the reminder open to retry;
	// delivery skips snoozed copies of a reminder marked done.
	if _, err := c.Store.Claim(ctx, doneID, c.Health.Now()); err != nil {
		return bot.Reply{}, err
	}
	return r, nil
}

func (c *cmds) reminderSnooze(ctx context.Context, l *i18n.Localizer, me store.Member, id string, d time.Duration) (bot.Reply, error) {
	it, err := c.ownReminder(ctx, me, id)
	if err != nil {
		return bot.Reply{}, err
	}
	again, err := outbound.MessageOf(it)
	if err != nil {
		return bot.Reply{}, err
	}
	now := c.Health.Now()
	until := now.Add(d)
	base, _, _ := strings.Cut(it.ID, playbooks.SnoozedSuffix)
	again.ID = base + playbooks.SnoozedSuffix + store.Day(now)
	again.NotBefore, again.Created = until, now
	created, err := outbound.Enqueue(ctx, c.Store, again)
	if err != nil {
		return bot.Reply{}, err
	}
	if !created {
		return bot.Reply{Title: l.T("reminder.already_snoozed.title", nil), Text: l.T("reminder.already_snoozed", nil)}, nil
	}
	return bot.Reply{Title: l.T("reminder.snoozed.title", nil), Text: l.T("reminder.snoozed", i18n.Data{"Time": stamp(l, until)})}, nil
}
