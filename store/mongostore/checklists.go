package mongostore

import (
	"context"
	"errors"
	"slices"

	"github.com/csbot/csbot/store"
)

// Assignment reads the checklist of a new hire. It does not scan.
func (s *Store) Assignment(ctx context.Context, newHire string) (store.Assignment, error) {
	var a store.Assignment
	err := s.findByID(ctx, s.checklists, newHire, &a)
	return a, err
}

// SaveAssignment writes the new hire's checklist as given, for seeding;
// commands use UpdateAssignment, which does not lose a concurrent change.
func (s *Store) SaveAssignment(ctx context.Context, a store.Assignment) error {
	_, err := s.UpdateAssignment(ctx, a.NewHire, func(cur *store.Assignment) error {
		v := cur.Version
		*cur = a
		cur.Version = v
		return nil
	})
	return err
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
	return updateDoc(ctx, s, s.checklists, newHire,
		func() store.Assignment { return store.Assignment{NewHire: newHire} },
		func(a store.Assignment) store.Assignment {
			a.Items, a.Audit = slices.Clone(a.Items), slices.Clone(a.Audit)
			return a
		},
		func(a *store.Assignment) *int64 { return &a.Version },
		func(a *store.Assignment, _ bool) error {
			err := change(a)
			a.NewHire = newHire
			return err
		})
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
