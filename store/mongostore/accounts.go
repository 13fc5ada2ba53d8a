package mongostore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/csbot/csbot/store"
)

// casTries bounds the compare-and-swap rounds of one write: past it the
// caller is told the data changed under it and to try again.
const casTries = 8

// accountDoc is an account as written. Write names the write: a bulk
// compare-and-swap on MongoDB reports only how many documents matched, so
// after a short count a re-read tells which of the writes landed.
type accountDoc struct {
	store.Account `bson:",inline"`
	Write         string `bson:"write,omitempty"`
	// Pending is the record of the change this write made (see audit.go).
	Pending *store.AuditRecord `bson:"audit_pending,omitempty"`
}

// UpdateAccounts reads the named accounts, lets change edit each copy and
// writes them back, each with a compare-and-swap on its version: an account
// written by someone else in between is read again and changed again, up
// to casTries rounds, then the call fails with store.ErrConflict. Accounts
// that do not exist are created from a zero Account with the slug set when
// create is true, and skipped otherwise. change returns store.ErrNoChange
// to leave one account as it is; any other error from change stops everything before
// anything of that round is written. It returns the accounts as written.
//
// On MongoDB the filter on the version makes each write atomic; on the
// embedded store, whose filtered updates are not, the whole read-change-write
// runs under the accounts' casLock stripes (the embedded store serves one
// process).
func (s *Store) UpdateAccounts(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	slugs = slices.Compact(slices.Sorted(slices.Values(slugs)))
	defer s.casLock("accounts", slugs...)()
	written := make([]store.Account, 0, len(slugs))
	todo := slugs
	for range casTries {
		current, err := s.readAccounts(ctx, todo)
		if err != nil {
			return nil, err
		}
		write := rand.Text()
		next := make([]store.Account, 0, len(todo))
		models := make([]mongo.WriteModel, 0, len(todo))
		// recs are this round's audit records by slug; stale the records
		// still pending in the documents this round replaces.
		recs := make(map[string]store.AuditRecord, len(todo))
		var stale []store.AuditRecord
		for _, slug := range todo {
			old, found := current[slug]
			if !found && !create {
				continue
			}
			a := newAccount(slug)
			if found {
				a = old.Account.Clone()
				a.Version = max(a.Version, 1) // an embedded folder's accounts from before versions: stored, not new
			}
			if err := change(&a); errors.Is(err, store.ErrNoChange) {
				continue
			} else if err != nil {
				return nil, err
			}
			a.Slug, a.Version = slug, old.Version+1
			if err := a.Check(); err != nil {
				return nil, fmt.Errorf("save account %s: %w", slug, err)
			}
			next = append(next, a)
			before, err := newAccountFields()
			if found {
				before, err = fields(old.Account)
			}
			if err != nil {
				return nil, err
			}
			rec, err := newAuditRecord(ctx, store.AuditAccount, slug, a.Version, before, a)
			if err != nil {
				return nil, err
			}
			var pending *store.AuditRecord
			if len(rec.Changes) > 0 {
				recs[slug], pending = rec, pendingCopy(rec, !found)
			}
			if old.Pending != nil {
				r, err := complete(*old.Pending, old.Account)
				if err != nil {
					return nil, err
				}
				stale = append(stale, r)
			}
			if !found {
				// An insert, not an upsert: the embedded store writes a
				// batch of inserts in one transaction but each upsert in
				// its own (measured: most of an import's time), and an
				// insert that lost a race is a duplicate _id, not landed.
				models = append(models, mongo.NewInsertOneModel().SetDocument(accountDoc{a, write, pending}))
				continue
			}
			filter := s.casFilter(slug, bson.D{{Key: "version", Value: old.Version}})
			models = append(models, mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(accountDoc{a, write, pending}))
		}
		if err := s.recordStale(ctx, stale); err != nil {
			return nil, err
		}
		landed, err := s.writeAccounts(ctx, models)
		if err != nil {
			s.forgetAccounts(next)
			s.unrecorded.unsure()
			return nil, err
		}
		if landed < len(models) {
			// Some writes lost a race: keep the ones that landed.
			check, err := s.readAccounts(ctx, todo)
			if err != nil {
				s.forgetAccounts(next)
				s.unrecorded.unsure()
				return nil, err
			}
			todo = todo[:0]
			for _, a := range next {
				if check[a.Slug].Write == write {
					written = append(written, a)
				} else {
					todo = append(todo, a.Slug)
					delete(recs, a.Slug)
				}
			}
		} else {
			written, todo = append(written, next...), nil
		}
		s.recorded(ctx, slices.Collect(maps.Values(recs))...)
		if s.accountCache != nil {
			for _, a := range next {
				s.accountCache.wrote(&a)
			}
		}
		if len(todo) == 0 {
			return written, nil
		}
	}
	return nil, fmt.Errorf("write accounts %v: %w", todo, store.ErrConflict)
}

// writeAccounts runs compare-and-swap writes in batches of bulkBatch and
// counts those that matched or inserted. A lost insert race (a duplicate
// _id) counts as not landed.
func (s *Store) writeAccounts(ctx context.Context, models []mongo.WriteModel) (int, error) {
	landed := 0
	for start := 0; start < len(models); start += bulkBatch {
		part := models[start:min(start+bulkBatch, len(models))]
		res, err := s.accounts.BulkWrite(ctx, part, options.BulkWrite().SetOrdered(false))
		if onlyDuplicates(err) {
			err = nil
		}
		if err != nil {
			return landed, s.fail("write accounts", err)
		}
		if res != nil {
			landed += int(res.InsertedCount + res.MatchedCount + res.UpsertedCount)
		}
	}
	return landed, nil
}

// Accounts reads the named accounts at once, for bulk work such as an
// import: on MongoDB in one query, on FerretDB (whose only indexed lookup
// is one _id, so a query for many scans) by _id, from the embedded store's
// cache where it has them. Accounts that do not exist are left out of the map.
func (s *Store) Accounts(ctx context.Context, slugs []string) (map[string]store.Account, error) {
	docs, err := s.readAccounts(ctx, slugs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]store.Account, len(docs))
	for slug, d := range docs {
		out[slug] = d.Account
	}
	return out, nil
}

// readAccounts reads accounts by slug: from the embedded store's cache
// where it has them, else by _id (the embedded store's one indexed lookup)
// or, on an outside server, with byIDs.
func (s *Store) readAccounts(ctx context.Context, slugs []string) (map[string]accountDoc, error) {
	out := make(map[string]accountDoc, len(slugs))
	if s.embedded != nil {
		for _, slug := range slugs {
			a, err := s.Account(ctx, slug)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[slug] = accountDoc{Account: a}
		}
		return out, nil
	}
	docs, err := decodeByIDs[accountDoc](ctx, s, s.accounts, slugs)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.Slug] = d
	}
	return out, nil
}

// forgetAccounts drops accounts from the cache after a write that may or
// may not have happened.
func (s *Store) forgetAccounts(as []store.Account) {
	if s.accountCache == nil {
		return
	}
	slugs := make([]string, len(as))
	for i, a := range as {
		slugs[i] = a.Slug
	}
	s.accountCache.wrote(nil, slugs...)
}

// updateDoc is UpdateAccounts for one document of another collection: it
// reads document id into a T (a zero T with only id set when there is none,
// found false), lets change edit a copy and writes it back with a
// compare-and-swap on the version that ver points into, up to casTries
// rounds. An error from change, or a document that breaks a limit
// (store.ErrTooLong), is returned and nothing is written.
func updateDoc[T interface{ Check() error }](ctx context.Context, s *Store, c *mongo.Collection, id string, fresh func() T, clone func(T) T, ver func(*T) *int64, change func(doc *T, found bool) error) (T, error) {
	var zero T
	defer s.casLock(c.Name(), id)()
	for range casTries {
		old, pending, found, err := findPending(ctx, s, c, id, fresh)
		if err != nil {
			return zero, err
		}
		// The record of the write this one replaces goes in first.
		if pending != nil {
			if err := s.recordAudit(ctx, *pending); err != nil {
				return zero, err
			}
		}
		doc := clone(old)
		if err := change(&doc, found); err != nil {
			return zero, err
		}
		if err := doc.Check(); err != nil {
			return zero, fmt.Errorf("save %s %q: %w", c.Name(), id, err)
		}
		v := *ver(&old)
		*ver(&doc) = v + 1
		before, err := fields(old)
		if err != nil {
			return zero, err
		}
		rec, err := newAuditRecord(ctx, auditKinds[c.Name()], id, v+1, before, doc)
		if err != nil {
			return zero, err
		}
		var rp *store.AuditRecord
		if len(rec.Changes) > 0 {
			rp = pendingCopy(rec, false)
		}
		written, err := withPending(doc, rp)
		if err != nil {
			return zero, err
		}
		if !found {
			_, err := c.InsertOne(ctx, written)
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			if err != nil {
				s.unrecorded.unsure() // it may have landed
				return zero, s.fail("write "+c.Name(), err)
			}
			if rp != nil {
				s.recorded(ctx, rec)
			}
			return doc, nil
		}
		res, err := c.ReplaceOne(ctx, s.casFilter(id, bson.D{{Key: "version", Value: v}}), written)
		if err != nil {
			s.unrecorded.unsure()
			return zero, s.fail("write "+c.Name(), err)
		}
		if res.MatchedCount == 1 {
			if rp != nil {
				s.recorded(ctx, rec)
			}
			return doc, nil
		}
	}
	return zero, fmt.Errorf("write %s %q: %w", c.Name(), id, store.ErrConflict)
}

// findPending reads document id of c into a T (a fresh one, found false,
// when there is none) and the audit record still pending in it, if any.
func findPending[T any](ctx context.Context, s *Store, c *mongo.Collection, id string, fresh func() T) (T, *store.AuditRecord, bool, error) {
	doc := fresh()
	var raw bson.Raw
	err := s.findByID(ctx, c, id, &raw)
	if errors.Is(err, store.ErrNotFound) {
		return doc, nil, false, nil
	}
	if err != nil {
		return doc, nil, false, err
	}
	var p struct {
		Pending *store.AuditRecord `bson:"audit_pending"`
	}
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return doc, nil, false, fmt.Errorf("read %s %q: %w", c.Name(), id, err)
	}
	if err := bson.Unmarshal(raw, &p); err != nil {
		return doc, nil, false, fmt.Errorf("read %s %q: %w", c.Name(), id, err)
	}
	if p.Pending == nil {
		return doc, nil, true, nil
	}
	rec, err := complete(*p.Pending, raw)
	return doc, &rec, true, err
}
