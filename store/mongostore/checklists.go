package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/csbot/csbot/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Assignment reads the checklist of a new hire. It does not scan.
func (s *Store) Assignment(ctx context.Context, newHire string) (store.Assignment, error) {
	var a store.Assignment
	err := s.findByID(ctx, s.checklists, newHire, &a)
	return a, err
}

// SaveAssignment replaces the new hire's checklist as a whole. Commands use
// UpdateAssignment, which does not lose a concurrent change.
func (s *Store) SaveAssignment(ctx context.Context, a store.Assignment) error {
	if a.NewHire == "" {
		return errors.New("save assignment: the new hire's id is required")
	}
	if err := a.Check(); err != nil {
		return fmt.Errorf("save checklist of %s: %w", a.NewHire, err)
	}
	return s.replace(ctx, s.checklists, a.NewHire, a)
}

// UpdateAssignment reads the new hire's checklist (a zero Assignment with
// NewHire set and Version 0 when there is none), lets change edit it, and
// writes it back only if nobody wrote it in between; a lost race reads again
// and re-decides, so two people ticking items at once both land in the
// items and the audit trail. An error from change is returned as is and
// nothing is written. It does not scan.
func (s *Store) UpdateAssignment(ctx context.Context, newHire string, change func(*store.Assignment) error) (store.Assignment, error) {
	if newHire == "" {
		return store.Assignment{}, errors.New("update assignment: the new hire's id is required")
	}
	defer s.casLock("checklists", newHire)()
	for range 20 {
		old, err := s.Assignment(ctx, newHire)
		exists := err == nil
		if errors.Is(err, store.ErrNotFound) {
			old, err = store.Assignment{NewHire: newHire}, nil
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
		if err := a.Check(); err != nil {
			return old, fmt.Errorf("save checklist of %s: %w", newHire, err)
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
	return store.Assignment{}, fmt.Errorf("write checklist of %s: %w", newHire, store.ErrConflict)
}

// Assignments lists every checklist. It scans the collection: for the
// nudge job and the mentor's and lead's team view (one document per new
// hire, so the collection stays small).
func (s *Store) Assignments(ctx context.Context) ([]store.Assignment, error) {
	out, err := all[store.Assignment](ctx, s, s.checklists)
	slices.SortFunc(out, func(a, b store.Assignment) int {
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
