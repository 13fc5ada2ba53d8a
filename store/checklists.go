package store

import (
	"errors"
	"slices"
	"time"
)

// Assignment is a new hire's onboarding checklist: the template, the mentor,
// the start date and what happened to each item. Its _id is the new hire's
// member id, so each new hire has one active checklist and every read is a
// primary-key lookup. The audit trail lives inside the document, so an item
// and the record of who ticked it are written together (there are no
// transactions).
type Assignment struct {
	NewHire  string `bson:"_id"`
	Template string `bson:"template"`
	Mentor   string `bson:"mentor,omitempty"`
	// Start is the calendar date (YYYY-MM-DD) the due offsets count from.
	Start      string    `bson:"start"`
	AssignedBy string    `bson:"assigned_by"`
	AssignedAt time.Time `bson:"assigned_at"`
	// Items holds the state of the items anyone touched, by item key; an
	// item not listed is open.
	Items []ItemState `bson:"items,omitempty"`
	// Audit is append-only: who did what and when, oldest first.
	Audit     []AuditEntry `bson:"audit,omitempty"`
	UpdatedAt time.Time    `bson:"updated_at"`
	// Version counts writes; UpdateAssignment uses it to detect a
	// concurrent change.
	Version int64 `bson:"version"`
}

// ItemState is what happened to one checklist item.
type ItemState struct {
	Key        string    `bson:"key"`
	DoneAt     time.Time `bson:"done_at,omitempty"`
	DoneBy     string    `bson:"done_by,omitempty"`
	Evidence   string    `bson:"evidence,omitempty"`
	VerifiedAt time.Time `bson:"verified_at,omitempty"`
	VerifiedBy string    `bson:"verified_by,omitempty"`
}

// Done reports whether the item was marked done.
func (s ItemState) Done() bool { return !s.DoneAt.IsZero() }

// Verified reports whether the mentor (or a lead or admin) signed it off.
func (s ItemState) Verified() bool { return !s.VerifiedAt.IsZero() }

// AuditEntry is one line of an assignment's audit trail.
type AuditEntry struct {
	At     time.Time `bson:"at"`
	By     string    `bson:"by"`
	Action string    `bson:"action"` // assign, reassign, done, verify, help
	Item   string    `bson:"item,omitempty"`
	Detail string    `bson:"detail,omitempty"`
}

// State returns the state of the item with the given key.
func (a Assignment) State(key string) ItemState {
	for _, s := range a.Items {
		if s.Key == key {
			return s
		}
	}
	return ItemState{Key: key}
}

// SetState records the state of an item.
func (a *Assignment) SetState(s ItemState) {
	i := slices.IndexFunc(a.Items, func(x ItemState) bool { return x.Key == s.Key })
	if i < 0 {
		a.Items = append(a.Items, s)
		return
	}
	a.Items[i] = s
}

// Record appends an entry to the audit trail.
func (a *Assignment) Record(at time.Time, by, action, item, detail string) {
	a.Audit = append(a.Audit, AuditEntry{At: Millis(at), By: by, Action: action, Item: item, Detail: detail})
}

// ErrConflict is returned when a document kept changing under a
// read-modify-write.
var ErrConflict = errors.New("store: changed concurrently, try again")
