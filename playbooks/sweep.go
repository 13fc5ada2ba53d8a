package playbooks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// SweepStore is what the reminder sweep reads and queues into.
type SweepStore interface {
	EachRows(ctx context.Context, fn func([]store.AccountRow) error) error
	Accounts(ctx context.Context, slugs []string) (map[string]store.Account, error)
	Members(ctx context.Context) ([]store.Member, error)
	Teams(ctx context.Context) ([]store.Team, error)
	Enqueue(ctx context.Context, it store.OutboxItem) (bool, error)
}

// Assessor scores an account (*health.Engine).
type Assessor interface {
	Assess(a store.Account) health.Assessment
}

// readBatch is how many accounts the sweep reads at a time when their rows
// do not suffice.
const readBatch = 500

// Reminders finds every due step at now and collates them into messages,
// each with the member it goes to, written in that member's language (their
// locale, else locale: CSBOT_LOCALE). It reads the account index a shard
// at a time: a row scored on now's day carries what the steps need
// (store.SweepFacts), so only the accounts of other rows (rows of another
// day, or from before the facts were kept) are read, readBatch at a time,
// and assessed at now.
// Accounts are rescored on every write and nightly, so most rows are of
// the day; an account whose row is missing (a write interrupted before its
// row, until the next refresh) is missing from the sweep, as from the other
// list views.
func Reminders(ctx context.Context, set *Set, st SweepStore, as Assessor, now time.Time, locale string) ([]Message, error) {
	resolve, localeOf, err := resolver(ctx, st)
	if err != nil {
		return nil, err
	}
	c := set.collator(resolve)
	// A localizer per member locale, not per step: resolving a locale
	// parses language tags (with making the localizer, a third of the
	// sweep's time before i18n.For kept one per language).
	localizers := map[string]*i18n.Localizer{}
	due := func(a store.Account, assessed health.Assessment) {
		lang := func(to string) *i18n.Localizer {
			loc := localeOf(resolve(Due{To: to, Owner: a.Owner}))
			l, ok := localizers[loc]
			if !ok {
				l = i18n.For(i18n.Resolve(loc, locale))
				localizers[loc] = l
			}
			return l
		}
		for _, d := range set.DueSteps(a, assessed, now, lang) {
			c.add(d)
		}
	}
	var stale []string
	err = st.EachRows(ctx, func(rows []store.AccountRow) error {
		for _, r := range rows {
			a, assessed, ok := fromRow(r, now)
			if !ok {
				stale = append(stale, r.Slug)
				continue
			}
			due(a, assessed)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reminder sweep: %w", err)
	}
	for start := 0; start < len(stale); start += readBatch {
		slugs := stale[start:min(start+readBatch, len(stale))]
		accounts, err := st.Accounts(ctx, slugs)
		if err != nil {
			return nil, fmt.Errorf("reminder sweep: %w", err)
		}
		for _, slug := range slugs {
			if a, ok := accounts[slug]; ok {
				due(a, as.Assess(a))
			}
		}
	}
	return c.messages(), nil
}

// fromRow is the account and assessment a row of now's day stands for: the
// fields DueSteps reads. False when the row's facts are of another day, or
// not kept.
func fromRow(r store.AccountRow, now time.Time) (store.Account, health.Assessment, bool) {
	f := r.Sweep
	if f == nil || f.Day != store.Day(now) {
		return store.Account{}, health.Assessment{}, false
	}
	a := store.Account{Slug: r.Slug, Name: r.Name, Tier: r.Tier, Segment: r.Segment, Region: r.Region, ARR: r.ARR,
		Phase: r.Phase, PhaseStart: f.PhaseStart, Owner: r.Owner, Seats: f.Seats, ActiveUsers: f.ActiveUsers,
		NPSDate: f.NPSDate, LastTouch: f.LastTouch, Milestones: f.Open, Playbooks: f.Playbooks}
	if f.NPS >= 0 {
		a.NPS = &f.NPS
	}
	if r.Renewal != "" {
		renewal, err := time.Parse(time.DateOnly, r.Renewal)
		if err != nil {
			return store.Account{}, health.Assessment{}, false
		}
		a.Renewal = renewal
	}
	return a, health.Assessment{Result: health.Result{Score: r.Score, Band: r.Band}, Risks: r.Risks}, true
}

// resolver names the member a due step goes to: the owner, the owner's team
// lead (or personal lead), or the first ops member. "" when nobody fits.
// localeOf is a member's locale.
func resolver(ctx context.Context, st SweepStore) (resolve func(Due) string, localeOf func(id string) string, err error) {
	members, err := st.Members(ctx)
	if err != nil {
		return nil, nil, err
	}
	teams, err := st.Teams(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]store.Member{}
	ops := ""
	slices.SortFunc(members, func(a, b store.Member) int { return strings.Compare(a.ID, b.ID) })
	for _, m := range members {
		byID[m.ID] = m
		if ops == "" && m.Has(store.RoleOps) {
			ops = m.ID
		}
	}
	leadOf := map[string]string{}
	for _, t := range teams {
		leadOf[t.ID] = t.Lead
	}
	return func(d Due) string {
		switch d.To {
		case ToOwner:
			return d.Owner
		case ToLead:
			owner := byID[d.Owner]
			if l := leadOf[owner.Team]; l != "" {
				return l
			}
			return owner.Lead
		}
		return ops
	}, func(id string) string { return byID[id].Locale }, nil
}

// Queue writes the messages to the outbox under ids made of what they are
// about, so a re-run of the sweep, or the same sweep on a second replica,
// queues nothing twice. It returns how many were new.
func Queue(ctx context.Context, st SweepStore, msgs []Message, now time.Time) (int, error) {
	n := 0
	for _, m := range msgs {
		if m.Recipient == "" {
			continue // nobody to tell: Collate's caller logs these
		}
		account, due := m.Dues[0].Account, m.Dues[0].DueAt
		if m.Batch {
			account, due = "batch", now // a batch goes out once a day
		}
		msg := outbound.Message{Kind: "reminder", Playbook: m.Playbook, Step: m.Step, Account: account,
			Recipient: m.Recipient, Due: due, Created: now}
		msg.Reply = reminderReply(m, msg.OutboxID())
		created, err := outbound.Enqueue(ctx, st, msg)
		if err != nil {
			return n, fmt.Errorf("queue reminder: %w", err)
		}
		if created {
			n++
		}
	}
	return n, nil
}

// reminderReply is the message of a reminder whose outbox id is id, with
// buttons to mark it done or snooze it, in the recipient's language.
func reminderReply(m Message, id string) bot.Reply {
	l := i18n.For(m.Lang)
	r := bot.Reply{Title: l.T("remind.title", i18n.Data{"Step": strings.ReplaceAll(m.Step, "-", " ")}), Text: m.Text,
		Footer: l.T("remind.footer", i18n.Data{"Playbook": m.Playbook})}
	if !m.Batch {
		r.Buttons = append(r.Buttons, bot.Button{ID: "health", Label: l.T("remind.open_health", nil), Value: "health " + m.Dues[0].Account})
	}
	r.Buttons = append(r.Buttons,
		bot.Button{ID: "reminder-done", Label: l.T("remind.done", nil), Value: "reminder done " + id},
		bot.Button{ID: "reminder-snooze-1d", Label: l.T("remind.snooze_day", nil), Value: "reminder snooze 1d " + id},
		bot.Button{ID: "reminder-snooze-1w", Label: l.T("remind.snooze_week", nil), Value: "reminder snooze 1w " + id})
	return r
}

// OutboxStore is what delivery needs of the store.
type OutboxStore interface {
	OutboxDue(ctx context.Context, now time.Time) ([]store.OutboxItem, error)
	ClaimForSend(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (store.OutboxItem, bool, error)
	MarkSent(ctx context.Context, id, owner string, now time.Time) error
	MarkPartSent(ctx context.Context, id, owner string, parts int, now time.Time) error
	MarkFailed(ctx context.Context, id, owner string, now time.Time, err error, maxAttempts int, backoff func(int) time.Duration) (bool, error)
	Member(ctx context.Context, id string) (store.Member, error)
	// Claimed tells whether a reminder was marked done (see DoneClaim).
	Claimed(ctx context.Context, id string) (bool, error)
}

// DoneClaim is the claim `/cs reminder done` records for a reminder; it
// covers the reminder's snoozed copies too, which then are not sent.
func DoneClaim(id string) string {
	base, _, _ := strings.Cut(id, SnoozedSuffix)
	return "reminder-done/" + base
}

// SnoozedSuffix joins a reminder's id and the day it was snoozed.
const SnoozedSuffix = "/snoozed-"

// Sender delivers a reply to a member through one of the chat adapters and
// says which platform it used (for the metrics), also when it failed.
type Sender func(ctx context.Context, to bot.Destination, r bot.Reply) (platform string, err error)

// Delivery sends what the outbox holds.
type Delivery struct {
	Store OutboxStore
	Send  Sender
	// Owner names this replica in the outbox's claims.
	Owner string
	// Lease is how long a claim holds an item (zero: DefaultLease). A send
	// must end within it, or another replica may send the item too.
	Lease time.Duration
	Log   *slog.Logger
	// Schedule holds everything but digests until the recipient's send
	// window on a business day; until then it waits in the outbox. Nil
	// sends at any time.
	Schedule *Schedule
	// Observe, when set, counts each delivery by kind, platform ("none"
	// when nothing was sent) and outcome (sent, retry, failed, skipped).
	Observe func(kind, platform, outcome string)
	// Draining, once closed, stops a run from starting more sends (shutdown);
	// a send already started finishes, with ctx bounding how long it may take.
	Draining <-chan struct{}
}

func (d *Delivery) observe(kind, platform, outcome string) {
	if d.Observe != nil {
		d.Observe(kind, platform, outcome)
	}
}

func (d *Delivery) draining() bool {
	select {
	case <-d.Draining:
		return true
	default:
		return false
	}
}

// DefaultLease outlasts the longest send (maxSend in cmd/csbot, 4 minutes).
const DefaultLease = 5 * time.Minute

// MaxAttempts bounds how often a message is tried before it stays failed.
const MaxAttempts = 5

func backoff(attempt int) time.Duration { return time.Duration(1<<min(attempt, 8)) * time.Minute }

// Run sends every due outbox item whose recipient is inside their window:
// claim, send part by part recording each, mark sent; a failed send is
// retried with backoff and after MaxAttempts left failed. A crash between
// claim and mark leaves the claim's lease to expire, and the parts not
// recorded are sent on a later run. It returns how many messages went out.
func (d *Delivery) Run(ctx context.Context, now time.Time) (int, error) {
	items, err := d.Store.OutboxDue(ctx, now)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	start := time.Now()
	for _, it := range items {
		if ctx.Err() != nil || d.draining() {
			break // shutting down: what is left waits for the next run
		}
		// Each claim's lease starts when the item's turn comes, not at the
		// start of a run that rate limits may make long.
		ok, err := d.deliver(ctx, it, now.Add(time.Since(start)))
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

func (d *Delivery) deliver(ctx context.Context, it store.OutboxItem, now time.Time) (bool, error) {
	if it.Kind != "digest" && !d.inWindow(ctx, it.Recipient, now) {
		return false, nil
	}
	it, won, err := d.Store.ClaimForSend(ctx, it.ID, d.Owner, now, cmp.Or(d.Lease, DefaultLease))
	if err != nil || !won {
		return false, err
	}
	// Once claimed, record the outcome even if shutdown cancels ctx, or the
	// item would be sent again when its lease runs out.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if it.Kind == "reminder" {
		if done, err := d.Store.Claimed(ctx, DoneClaim(it.ID)); err != nil {
			return false, err
		} else if done {
			d.observe(it.Kind, "none", "skipped")
			return false, d.Store.MarkSent(mctx, it.ID, d.Owner, now)
		}
	}
	m, err := outbound.MessageOf(it)
	if err != nil {
		d.Log.Error("unreadable outbox payload", "id", it.ID, "err", err)
		d.observe(it.Kind, "none", "failed")
		_, ferr := d.Store.MarkFailed(mctx, it.ID, d.Owner, now, err, 1, backoff)
		return false, errors.Join(err, ferr)
	}
	progress := &bot.Outbox{ID: it.ID, Sent: it.PartsSent, Unsure: it.Unsure,
		Posted: func(ctx context.Context, n int) error {
			// The part is out: record it even if shutdown cancels ctx.
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return d.Store.MarkPartSent(pctx, it.ID, d.Owner, n, now)
		}}
	platform, err := d.Send(ctx, bot.Destination{Member: it.Recipient, Outbox: progress}, m.Reply)
	if err != nil {
		final, ferr := d.Store.MarkFailed(mctx, it.ID, d.Owner, now, err, MaxAttempts, backoff)
		d.Log.Warn("delivery failed", "id", it.ID, "platform", platform, "attempt", it.Attempts, "final", final, "err", err)
		d.observe(it.Kind, platform, map[bool]string{true: "failed", false: "retry"}[final])
		return false, ferr
	}
	d.observe(it.Kind, platform, "sent")
	return true, d.Store.MarkSent(mctx, it.ID, d.Owner, now)
}

// inWindow reports whether now is inside the member's send window on one
// of their business days.
func (d *Delivery) inWindow(ctx context.Context, member string, now time.Time) bool {
	if d.Schedule == nil {
		return true
	}
	m, err := d.Store.Member(ctx, member)
	if err != nil {
		m = store.Member{ID: member} // unknown: the organisation's times and time zone
	}
	return !d.Schedule.NextSend(m, now).After(now)
}
