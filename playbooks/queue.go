package playbooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
)

// QueueStore is what the digest and summary jobs read and queue into.
type QueueStore interface {
	DigestStore
	outbound.Enqueuer
}

// QueueDigests queues each lead's digest once on a business day at the
// lead's digest time (Schedule.DigestDue) and records it; the outbox
// delivers it like any message, in each lead's language (org's locale, the
// deployment's CSBOT_LOCALE, for leads who chose none). Only the digests
// due are built.
func QueueDigests(ctx context.Context, st QueueStore, s *Schedule, now time.Time, org i18n.Org) error {
	ds, err := buildDigests(ctx, st, org, "", dateAt(now.In(s.Fallback())), func(lead store.Member) bool {
		return s.DigestDue(lead, now)
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range ds {
		day, _ := time.Parse(time.DateOnly, d.Date)
		// The team is the digest's step: a lead of two teams gets two.
		m := outbound.Message{Kind: "digest", Playbook: "churn-risk", Step: d.Team.ID, Recipient: d.Lead.ID,
			Due: day, Reply: d.Reply, Created: now}
		if _, err := outbound.Enqueue(ctx, st, m); err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", d.Lead.ID, err))
			continue
		}
		errs = append(errs, RecordDigest(ctx, st, d))
	}
	return errors.Join(errs...)
}

// QueueSummaries queues the weekly summary for every executive, in their
// language (their locale, else the org's, CSBOT_LOCALE) with amounts in
// the org's currency. now is in the default
// time zone: the summary's id is that local day, so the start-up catch-up
// and the Monday run cannot both send it.
func QueueSummaries(ctx context.Context, st QueueStore, now time.Time, org i18n.Org) error {
	rows, err := st.AccountRows(ctx)
	if err != nil {
		return err
	}
	teams, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	members, err := st.Members(ctx)
	if err != nil {
		return err
	}
	replies := map[string]bot.Reply{} // by language
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var errs []error
	for _, m := range members {
		if !m.Has(store.RoleExec) {
			continue
		}
		l := org.For(m.Locale)
		reply, ok := replies[l.Lang()]
		if !ok {
			reply = WeeklySummary(l, rows, teams, now)
			replies[l.Lang()] = reply
		}
		_, err := outbound.Enqueue(ctx, st, outbound.Message{Kind: "summary", Playbook: "weekly", Recipient: m.ID,
			Due: day, Reply: reply, Created: now})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// KeepLocks is how long a job run's lock document is kept.
const KeepLocks = 7 * 24 * time.Hour

// LockPruner is the store's pruning of job-run locks.
type LockPruner interface {
	PruneLocks(ctx context.Context, before time.Time) (int64, error)
}

// PruneLocks deletes the job-run locks older than KeepLocks.
func PruneLocks(ctx context.Context, st LockPruner, now time.Time) error {
	_, err := st.PruneLocks(ctx, now.Add(-KeepLocks))
	return err
}
