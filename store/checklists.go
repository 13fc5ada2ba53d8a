package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
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
	a.Audit = append(a.Audit, AuditEntry{At: ms(at), By: by, Action: action, Item: item, Detail: detail})
}

// Assignment reads the checklist of a new hire. It does not scan.
func (s *Store) Assignment(ctx context.Context, newHire string) (Assignment, error) {
	var a Assignment
	err := s.findByID(ctx, s.checklists, newHire, &a)
	return a, err
}

// SaveAssignment replaces the new hire's checklist as a whole. Commands use
// UpdateAssignment, which does not lose a concurrent change.
func (s *Store) SaveAssignment(ctx context.Context, a Assignment) error {
	if a.NewHire == "" {
		return errors.New("save assignment: the new hire's id is required")
	}
	return s.replace(ctx, s.checklists, a.NewHire, a)
}

// ErrConflict is returned when a document kept changing under a
// read-modify-write.
var ErrConflict = errors.New("store: changed concurrently, try again")

// UpdateAssignment reads the new hire's checklist (a zero Assignment with
// NewHire set and Version 0 when there is none), lets change edit it, and
// writes it back only if nobody wrote it in between; a lost race reads again
// and re-decides, so two people ticking items at once both land in the
// items and the audit trail. An error from change is returned as is and
// nothing is written. It does not scan.
func (s *Store) UpdateAssignment(ctx context.Context, newHire string, change func(*Assignment) error) (Assignment, error) {
	if newHire == "" {
		return Assignment{}, errors.New("update assignment: the new hire's id is required")
	}
	defer s.casLock("checklists", newHire)()
	for range 20 {
		old, err := s.Assignment(ctx, newHire)
		exists := err == nil
		if errors.Is(err, ErrNotFound) {
			old, err = Assignment{NewHire: newHire}, nil
		}
		if err != nil {
			return old, err
		}
		a := old
		a.Items = slices.Clone(old.Items)
		a.Audit = slices.Clone(old.Audit)
		if err := change(&a); err != nil {
			return old, err
		}
		a.NewHire, a.Version = newHire, old.Version+1
		if !exists {
			_, err := s.checklists.InsertOne(ctx, a)
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			if err != nil {
				return old, s.fail("write checklists", err)
			}
			return a, nil
		}
		res, err := s.checklists.ReplaceOne(ctx, s.casFilter(newHire, bson.D{{Key: "version", Value: old.Version}}), a)
		if err != nil {
			return old, s.fail("write checklists", err)
		}
		if res.MatchedCount == 1 {
			return a, nil
		}
	}
	return Assignment{}, fmt.Errorf("write checklist of %s: %w", newHire, ErrConflict)
}

// Assignments lists every checklist. It scans the collection: for the
// nudge job and the mentor's and lead's team view (one document per new
// hire, so the collection stays small).
func (s *Store) Assignments(ctx context.Context) ([]Assignment, error) {
	out, err := all[Assignment](ctx, s, s.checklists)
	slices.SortFunc(out, func(a, b Assignment) int {
		switch {
		case a.NewHire < b.NewHire:
			return -1
		case a.NewHire > b.NewHire:
			return 1
		}
		return 0
	})
	return out, err
}
