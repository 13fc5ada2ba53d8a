package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// Message is one message for the outbox: what it is, whom it goes to, when
// it is due and the reply it carries. Its id is made of what it is, so
// producing it again (a re-run, another replica) queues nothing new.
type Message struct {
	// Kind is "reminder", "digest", "summary", "checklist", ...
	Kind string
	// Playbook is the playbook, checklist template, digest or summary the
	// message comes from; Step the step within it.
	Playbook, Step string
	// Account is what the message is about: an account, a new hire,
	// "batch" for a day's batch of reminders, or nothing.
	Account string
	// Recipient is a member id.
	Recipient string
	// Due is when the message is due; its UTC day is part of the id.
	Due   time.Time
	Reply bot.Reply
	// NotBefore, when set, holds the message back until then (a snooze).
	NotBefore time.Time
	// Created is when the message was produced (zero: when it is queued).
	Created time.Time
	// ID, when set, is the id instead of the one made of the fields: a
	// snoozed copy of a reminder is named after the reminder.
	ID string
}

// OutboxID is the message's id: ID, else store.OutboxID of its fields,
// e.g. "reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25".
func (m Message) OutboxID() string {
	if m.ID != "" {
		return m.ID
	}
	return store.OutboxID(m.Kind, m.Playbook, m.Step, m.Account, m.Recipient, m.Due)
}

// Enqueuer is the outbox's store (mongostore.Store).
type Enqueuer interface {
	Enqueue(ctx context.Context, it store.OutboxItem) (bool, error)
}

// Enqueue queues m and reports whether it is new: a message with the same
// id queued, sent or pruned before is left alone (false, nil).
func Enqueue(ctx context.Context, st Enqueuer, m Message) (bool, error) {
	payload, err := json.Marshal(m.Reply)
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", m.OutboxID(), err)
	}
	created, err := st.Enqueue(ctx, store.OutboxItem{
		ID: m.OutboxID(), Kind: m.Kind, Playbook: m.Playbook, Step: m.Step, Account: m.Account,
		Recipient: m.Recipient, Due: m.Due, Payload: string(payload), NextTry: m.NotBefore, CreatedAt: m.Created,
	})
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", m.OutboxID(), err)
	}
	return created, nil
}

// MessageOf reads a queued item back as the message it was queued from.
func MessageOf(it store.OutboxItem) (Message, error) {
	m := Message{Kind: it.Kind, Playbook: it.Playbook, Step: it.Step, Account: it.Account, Recipient: it.Recipient,
		Due: it.Due, NotBefore: it.NextTry, Created: it.CreatedAt, ID: it.ID}
	if err := json.Unmarshal([]byte(it.Payload), &m.Reply); err != nil {
		return m, fmt.Errorf("unreadable payload of outbox item %s: %w", it.ID, err)
	}
	return m, nil
}

// Retention of what makes messages and events happen once. A pruned
// outbox item leaves its id behind (see mongostore's PruneOutbox), so the
// same message is never queued again.
const (
	// KeepSent is how long a sent message stays in the outbox.
	KeepSent = 90 * 24 * time.Hour
	// KeepClaims is how long a claim (a Slack event handled, a reminder
	// marked done) is kept.
	KeepClaims = 90 * 24 * time.Hour
)

// Pruner is the store's pruning of sent messages and claims.
type Pruner interface {
	PruneOutbox(ctx context.Context, sentBefore time.Time) (int64, error)
	PruneClaims(ctx context.Context, before time.Time) (int64, error)
}

// Prune deletes the messages sent and the claims made longer ago than
// their retention, which the embedded store cannot expire by itself (no
// TTL indexes).
func Prune(ctx context.Context, st Pruner, now time.Time) error {
	_, e1 := st.PruneOutbox(ctx, now.Add(-KeepSent))
	_, e2 := st.PruneClaims(ctx, now.Add(-KeepClaims))
	return errors.Join(e1, e2)
}
