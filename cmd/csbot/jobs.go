package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/playbooks/checklists"
	"github.com/csbot/csbot/store"
)

// healthRefresh is the nightly refresh's job name.
const healthRefresh = "health-refresh"

// refreshIfStale runs the day's health refresh that serve or the console
// runs at start when the nightly job has not, telling done its progress;
// the audit trail names the job, as when it runs on time.
func (a *app) refreshIfStale(ctx context.Context, done func(int)) error {
	_, err := a.engine.RefreshIfStale(store.WithActor(ctx, playbooks.JobActor(healthRefresh)), done)
	return err
}

// jobs is every periodic behaviour of csbot serve, in one table.
func (a *app) jobs(delivery *playbooks.Delivery, loc *time.Location, log *slog.Logger) []playbooks.Job {
	// Wall-clock schedules, not intervals from each process's start: every
	// replica then aims at the same minute, and the run's lock document
	// lets one of them do it.
	every15 := gocron.CronJob("*/15 * * * *", false)
	return []playbooks.Job{
		{Name: healthRefresh, When: gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(0, 5, 0))), Run: func(ctx context.Context) error {
			_, err := a.engine.Refresh(ctx)
			return err
		}},
		{Name: "reminder-sweep", When: every15, Run: func(ctx context.Context) error {
			now := a.engine.Now()
			msgs, err := playbooks.Reminders(ctx, a.playbooks, a.store, a.engine, now, a.org.Locale)
			if err != nil {
				return err
			}
			n, err := playbooks.Queue(ctx, a.store, msgs, now)
			for _, m := range msgs {
				if m.Recipient == "" {
					log.Warn("reminder has nobody to go to", "playbook", m.Playbook, "step", m.Step, "to", m.To, "account", m.Dues[0].Account)
				}
			}
			log.Info("reminders queued", "new", n, "due", len(msgs))
			return err
		}},
		{Name: "churn-digest", When: every15, Run: func(ctx context.Context) error {
			return playbooks.QueueDigests(ctx, a.store, a.schedule, a.engine.Now(), a.org)
		}},
		{Name: "checklist-nudges", When: every15, Run: func(ctx context.Context) error {
			return a.queueChecklistNudges(ctx, loc, a.engine.Now(), log)
		}},
		{Name: "exec-summary", When: gocron.WeeklyJob(1, gocron.NewWeekdays(time.Monday), gocron.NewAtTimes(gocron.NewAtTime(9, 0, 0))),
			Run: func(ctx context.Context) error {
				return playbooks.QueueSummaries(ctx, a.store, a.engine.Now().In(loc), a.org)
			}},
		{Name: "prune", When: gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(3, 30, 0))), Run: func(ctx context.Context) error {
			return a.prune(ctx, a.engine.Now())
		}},
		{Name: "outbox-delivery", When: gocron.CronJob("* * * * *", false), Run: func(ctx context.Context) error {
			_, err := delivery.Run(ctx, a.engine.Now())
			return err
		}},
	}
}

// delivery sends the outbox; closing draining stops it starting more sends.
func (a *app) delivery(send playbooks.Sender, draining <-chan struct{}, log *slog.Logger) *playbooks.Delivery {
	host, _ := os.Hostname()
	return &playbooks.Delivery{Store: a.store, Send: send, Owner: fmt.Sprintf("%s/%d", host, os.Getpid()),
		Log: log, Schedule: a.schedule, Observe: a.metrics.observeDelivery, Draining: draining}
}

// queueChecklistNudges queues the mentor checklists' nudges due at now
// (Monday "what's next", mentors' weekly summaries, overdue alerts); their
// outbox ids make a re-run a no-op.
func (a *app) queueChecklistNudges(ctx context.Context, loc *time.Location, now time.Time, log *slog.Logger) error {
	as, err := a.store.Assignments(ctx)
	if err != nil || len(as) == 0 {
		return err
	}
	members, err := a.store.Members(ctx)
	if err != nil {
		return err
	}
	teams, err := a.store.Teams(ctx)
	if err != nil {
		return err
	}
	ns := checklists.Nudges(a.checklists, as, members, teams, now, loc, a.org.Locale)
	n, err := checklists.Queue(ctx, a.store, ns, now)
	log.Info("checklist nudges queued", "new", n, "due", len(ns))
	return err
}

// prune deletes what is past its retention (outbound.Prune: sent messages
// and claims; playbooks.PruneLocks: job-run locks; the audit trail's
// records older than CSBOT_AUDIT_RETENTION_DAYS) and sweeps the audit
// records a crash left pending.
func (a *app) prune(ctx context.Context, now time.Time) error {
	return errors.Join(outbound.Prune(ctx, a.store, now), playbooks.PruneLocks(ctx, a.store, now), a.sweepAudit(ctx), a.pruneAudit(ctx))
}

// pruneAudit deletes the audit records past their retention.
func (a *app) pruneAudit(ctx context.Context) error {
	n, err := a.store.PruneAudit(ctx)
	if err != nil {
		return fmt.Errorf("prune audit: %w", err)
	}
	a.log.InfoContext(ctx, "audit pruned", "deleted", n)
	return nil
}

// sweepAudit copies into the audit trail the records a crash left pending
// in their documents; it runs nightly, and at start on MongoDB.
func (a *app) sweepAudit(ctx context.Context) error {
	n, err := a.store.SweepAudit(ctx)
	if err != nil {
		return fmt.Errorf("sweep audit: %w", err)
	}
	a.log.DebugContext(ctx, "audit swept", "pending", n)
	return nil
}

func runRemind(ctx context.Context, e env, args []string) error {
	var dry bool
	var at string
	o, _, err := flags(e, "remind", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "print what the reminder sweep would send, send nothing")
		fs.StringVar(&at, "at", "", "pretend it is this time (RFC 3339 or YYYY-MM-DD); default now")
	})
	if err != nil {
		return err
	}
	if !dry {
		return usageError{errors.New("remind: only --dry-run is supported here; csbot serve sends reminders")}
	}
	now, err := parseAt(at)
	if err != nil {
		return usageError{err}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	msgs, err := playbooks.Reminders(ctx, a.playbooks, a.store, a.engine, now, a.org.Locale)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		to := m.Recipient
		if to == "" {
			to = "(nobody: no " + m.To + " for this account)"
		}
		fmt.Fprintf(e.stdout, "-> @%s  [%s / %s]\n%s\n\n", to, m.Playbook, m.Step, m.Text)
	}
	fmt.Fprintf(e.stdout, "%d reminders due at %s\n", len(msgs), now.Format(time.RFC3339))
	return nil
}

func runDigest(ctx context.Context, e env, args []string) error {
	var dry bool
	var lead, date string
	o, _, err := flags(e, "digest", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "print the digests, send nothing")
		fs.StringVar(&lead, "lead", "", "only this lead's digest")
		fs.StringVar(&date, "date", "", "the digest of this day (YYYY-MM-DD); default today in each lead's time zone")
	})
	if err != nil {
		return err
	}
	if !dry {
		return usageError{errors.New("digest: only --dry-run is supported here; csbot serve sends digests")}
	}
	a, err := openApp(ctx, o, logger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer a.Close()
	var ds []playbooks.Digest
	if date != "" {
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return usageError{fmt.Errorf("digest: --date %q: use YYYY-MM-DD", date)}
		}
		ds, err = playbooks.DigestsOn(ctx, a.store, date, a.org, lead)
	} else {
		loc, _ := time.LoadLocation(o.TZ)
		ds, err = playbooks.Digests(ctx, a.store, a.engine.Now().In(loc), a.org, lead)
	}
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintf(e.stdout, "-> @%s\n%s\n\n", d.Lead.ID, console.Render(d.Reply))
	}
	fmt.Fprintf(e.stdout, "%d digests\n", len(ds))
	return nil
}

func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(9 * time.Hour), nil
	}
	return time.Time{}, fmt.Errorf("--at %q: use RFC 3339 (2026-12-01T09:00:00+09:00) or YYYY-MM-DD", s)
}
