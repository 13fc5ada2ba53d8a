package mongostore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/csbot/csbot/store"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Pending accounts are ingested changes waiting to be rescored and written:
// an ingest batch derives the accounts' new fields from the ledger, keeps
// them here (a few packed documents, quick to write), and answers; a
// background pass then writes the accounts, their snapshots and index rows,
// which on the embedded store costs a few milliseconds per account. Kept in
// the store, nothing is lost if csbot stops in between: the next start
// applies what is left.
//
//	pending/<n>   accounts waiting, n = fnv32a(slug) % ledgerBuckets

// pendingEntry is a PendingAccount as stored: the account as BSON, which
// keeps what gob would drop (a pointer to zero: an NPS of 0, no open tickets).
type pendingEntry struct {
	Slug string
	Seq  int64
	Doc  []byte
}

var pendingKind = ledgerKind[pendingEntry]{
	name:  "pending",
	doc:   func(e pendingEntry) string { return bucket("pending", e.Slug) },
	key:   func(e pendingEntry) string { return e.Slug },
	same:  func(a, b pendingEntry) bool { return a.Seq == b.Seq },
	clean: func(e pendingEntry) pendingEntry { return e },
}

// pendingSeq numbers pending changes. It starts at the clock's
// nanoseconds, so numbers keep growing across restarts and two processes
// practically never share one.
var pendingSeq atomic.Int64

func init() { pendingSeq.Store(time.Now().UnixNano()) }

// PutPending records accounts to apply, replacing earlier pending copies.
func (s *Store) PutPending(ctx context.Context, accounts []store.Account) error {
	entries := make([]pendingEntry, len(accounts))
	for i, a := range accounts {
		doc, err := bson.Marshal(a)
		if err != nil {
			return fmt.Errorf("pending account %s: %w", a.Slug, err)
		}
		entries[i] = pendingEntry{Slug: a.Slug, Seq: pendingSeq.Add(1), Doc: doc}
	}
	_, err := putLedger(ctx, s, pendingKind, entries)
	return err
}

// Pending returns the accounts waiting, by slug.
func (s *Store) Pending(ctx context.Context) ([]store.PendingAccount, error) {
	entries, err := readLedger[pendingEntry](ctx, s, "pending accounts", bucketIDs("pending")...)
	if err != nil {
		return nil, err
	}
	out := make([]store.PendingAccount, len(entries))
	for i, e := range entries {
		if err := bson.Unmarshal(e.Doc, &out[i].Account); err != nil {
			return nil, fmt.Errorf("pending account %s: %w", e.Slug, err)
		}
		out[i].Seq = e.Seq
	}
	slices.SortFunc(out, func(a, b store.PendingAccount) int { return strings.Compare(a.Account.Slug, b.Account.Slug) })
	return out, nil
}

// ClearPending removes applied accounts, unless a newer change of the same
// account arrived meanwhile: that one stays for the next pass.
func (s *Store) ClearPending(ctx context.Context, applied []store.PendingAccount) error {
	byDoc := map[string]map[string]int64{}
	for _, p := range applied {
		id := bucket("pending", p.Account.Slug)
		if byDoc[id] == nil {
			byDoc[id] = map[string]int64{}
		}
		byDoc[id][p.Account.Slug] = p.Seq
	}
	for id, seqs := range byDoc {
		err := editLedger(ctx, s, pendingKind, id, func(items map[string]pendingEntry) bool {
			dropped := false
			for slug, seq := range seqs {
				if e, ok := items[slug]; ok && e.Seq == seq {
					delete(items, slug)
					dropped = true
				}
			}
			return dropped
		})
		if err != nil {
			return err
		}
	}
	return nil
}
