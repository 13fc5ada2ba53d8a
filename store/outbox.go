package store

import (
	"errors"
	"strings"
	"time"
)

// Outbox statuses.
const (
	StatusPending = "pending"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// OutboxItem is one outgoing message.
type OutboxItem struct {
	// ID is OutboxID(Kind, Playbook, Step, Account, Recipient, Due) unless the
	// caller sets another deterministic id.
	ID        string    `bson:"_id"`
	Kind      string    `bson:"kind"` // "reminder", "digest", ...
	Playbook  string    `bson:"playbook"`
	Step      string    `bson:"step"`
	Account   string    `bson:"account"`
	Recipient string    `bson:"recipient"` // member id or "#channel"
	Due       time.Time `bson:"due"`
	// Payload is the message as the caller marshalled it (JSON of a bot.Reply).
	Payload string `bson:"payload"`

	Status string `bson:"status"` // StatusPending, StatusSending, StatusSent or StatusFailed
	// Attempts counts claims, i.e. send attempts begun: a send that crashed
	// half-way counts too.
	Attempts int `bson:"attempts"`
	// NextTry is when a pending or failed item may be sent (again); zero
	// means at once.
	NextTry   time.Time `bson:"nextTry"`
	LastError string    `bson:"lastError,omitempty"`
	// Final is set by MarkFailed on the last allowed attempt: the item is
	// not retried and OutboxFailed lists it.
	Final bool `bson:"final"`
	// Owner is the replica that claimed the item last; while Status is
	// StatusSending it holds the item from ClaimedAt until ClaimedUntil.
	Owner        string    `bson:"owner"`
	ClaimedAt    time.Time `bson:"claimedAt"`
	ClaimedUntil time.Time `bson:"claimedUntil"`
	// PartsSent counts the parts of the message (a long digest is several
	// chat messages) that the platform accepted, in order: a retry sends
	// only the rest.
	PartsSent int `bson:"partsSent"`
	// Unsure, when set, is the start of an attempt that may have posted
	// part PartsSent without anyone learning so (a crash, or a network
	// failure after the request left). A retry first looks for that part
	// on platforms that allow it. Recording a part clears it.
	Unsure    time.Time `bson:"unsure"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
	SentAt    time.Time `bson:"sentAt"`
}

// OutboxID names an outgoing message by what it is, so that producing it
// again yields the same id: kind/playbook/step/account/recipient/due date,
// e.g. "reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25". The due
// date is Due's calendar day in UTC (as Day), so the same instant names the
// same message whatever its time zone; two messages of the same step to the
// same recipient on one UTC day share an id (the second is not sent). "/"
// and "%" inside a part are escaped, so different parts never collide.
func OutboxID(kind, playbook, step, account, recipient string, due time.Time) string {
	parts := []string{kind, playbook, step, account, recipient}
	for i, p := range parts {
		parts[i] = idEscaper.Replace(p)
	}
	return strings.Join(parts, "/") + "/" + Day(due)
}

var idEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

// ErrNotOwner is returned when an outbox item or a job lock is no longer
// held by the caller: another replica took it over after the lease expired,
// or it was already marked sent, failed or unlocked.
var ErrNotOwner = errors.New("store: not held by this owner")

// ErrOutcomeUnknown is wrapped by a send error when the message may have
// reached the platform anyway: the request left but no answer came back
// (connection reset, timeout, 5xx). MarkFailed then sets Unsure.
var ErrOutcomeUnknown = errors.New("outcome unknown: the platform may have accepted the message")

// Claimable says whether an item may be claimed for sending at now: pending
// and due, held by a sender whose lease has expired, or failed but not
// finally and due for another try.
func (it OutboxItem) Claimable(now time.Time) bool {
	switch it.Status {
	case StatusPending:
		return !it.NextTry.After(now)
	case StatusSending:
		return !it.ClaimedUntil.After(now)
	case StatusFailed:
		return !it.Final && !it.NextTry.After(now)
	}
	return false
}

// Millis is t in UTC to the millisecond, as BSON stores it, so a value
// read back compares equal to the one written.
func Millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
