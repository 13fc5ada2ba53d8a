package mongostore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/csbot/csbot/store"
)

// The audit trail. Every compare-and-swap write puts the record of its
// change inside the document it writes (audit_pending, replaced by each
// write), in the same atomic step, and right after inserts it into the
// audit collection under its deterministic _id. The embedded store has no
// transactions, so a crash may fall between the two: before a write
// replaces a pending record it inserts it first (on the embedded store, the
// records that may be missing: see unrecorded), and SweepAudit (nightly, at
// start on MongoDB, at the open of an unclosed embedded folder) copies
// every pending record left behind. A record inserted twice is a duplicate
// _id: no record is lost and none is doubled.

// pendingField is the field of a document holding its last change's record.
const pendingField = "audit_pending"

// auditKinds names the records of each audited collection.
var auditKinds = map[string]string{
	"accounts": store.AuditAccount, "members": store.AuditMember,
	"teams": store.AuditTeam, "checklists": store.AuditChecklist,
}

// unaudited are the fields every write changes: they tell nothing.
var unaudited = []string{"_id", "version", "updated_at", "write", pendingField}

// newAuditRecord compares two versions of a document field by field (its
// top-level fields as stored, before's given by fields) and records what
// changed, by the actor ctx carries.
func newAuditRecord(ctx context.Context, kind, id string, version int64, b map[string]string, after any) (store.AuditRecord, error) {
	a, err := fields(after)
	if err != nil {
		return store.AuditRecord{}, err
	}
	return store.AuditRecord{ID: store.AuditID(kind, id, version), Kind: kind, Subject: id, Version: version,
		Actor: store.ActorOf(ctx), At: time.Now().UTC().Truncate(time.Millisecond), Changes: changes(b, a)}, nil
}

// changes lists the audited fields whose values differ, by name.
func changes(before, after map[string]string) []store.FieldChange {
	keys := make([]string, 0, len(after)+len(before))
	for _, m := range []map[string]string{after, before} {
		for k := range m {
			if !slices.Contains(unaudited, k) && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	out := []store.FieldChange{}
	for _, k := range keys {
		if before[k] != after[k] {
			out = append(out, store.FieldChange{Field: k, Before: before[k], After: after[k]})
		}
	}
	return out
}

// fields is a document's top-level fields as relaxed extended JSON (plain
// numbers, dates as {"$date":"2026-11-25T10:00:00Z"}).
func fields(doc any) (map[string]string, error) {
	// One extended-JSON encoding of the whole document, cut into its
	// fields: a record compares two documents on every audited write.
	js, err := bson.MarshalExtJSON(doc, false, false)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = string(v)
	}
	return out, nil
}

// withPending is doc as written with its change's record inside.
func withPending(doc any, r *store.AuditRecord) (bson.D, error) {
	raw, err := bson.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	d = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == pendingField })
	if r != nil {
		d = append(d, bson.E{Key: pendingField, Value: r})
	}
	return d, nil
}

// recordAudit inserts records into the audit collection; one already
// there (the same _id) is left as it is.
func (s *Store) recordAudit(ctx context.Context, recs ...store.AuditRecord) error {
	docs := make([]auditDoc, len(recs))
	for i, r := range recs {
		docs[i] = auditDoc{r, r.Changes}
	}
	return insertNew(ctx, s, s.audit, docs)
}

// auditDoc is a record as the audit collection keeps it: its fields as one
// string. FerretDB stores a type schema beside every element of an array
// of documents, which made the record of a new account (a dozen fields)
// 2.7 KB, and its insert cost as much as the account's.
type auditDoc struct {
	store.AuditRecord `bson:",inline"`
	Changes           storedChanges `bson:"changes"`
}

// storedChanges is a record's fields as one JSON string; records stored
// as an array of documents, as they were first, read as well.
type storedChanges []store.FieldChange

func (c storedChanges) MarshalBSONValue() (byte, []byte, error) {
	js, err := json.Marshal([]store.FieldChange(c))
	if err != nil {
		return 0, nil, fmt.Errorf("audit: %w", err)
	}
	t, data, err := bson.MarshalValue(string(js))
	return byte(t), data, err
}

func (c *storedChanges) UnmarshalBSONValue(t byte, data []byte) error {
	if bson.Type(t) != bson.TypeString {
		return bson.UnmarshalValue(bson.Type(t), data, (*[]store.FieldChange)(c))
	}
	var js string
	if err := bson.UnmarshalValue(bson.TypeString, data, &js); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := json.Unmarshal([]byte(js), (*[]store.FieldChange)(c)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// recorded inserts the records of writes that landed. A failure is only
// logged: the change is made, and its record waits in the document for
// the next write or the sweep (and, on the embedded store, in unrecorded).
func (s *Store) recorded(ctx context.Context, recs ...store.AuditRecord) {
	if err := s.recordAudit(context.WithoutCancel(ctx), recs...); err != nil {
		s.log.WarnContext(ctx, "audit record left pending", "err", err)
		s.unrecorded.add(recs)
	}
}

// unrecorded is what the embedded store, which one process serves, needs
// to skip sweeps. The folder's last process either recorded every record
// it left pending or marked the folder to be swept at open, so from Open on
// a record pending in a document but missing from the audit collection is
// one whose insert failed here (failed), or one of a write that failed part
// way (doubts), until a sweep that began after that write.
type unrecorded struct {
	mu     sync.Mutex
	failed []store.AuditRecord
	// doubts counts the writes that failed part way; cleared is the count
	// when the last good sweep began.
	doubts, cleared int
}

func (u *unrecorded) add(recs []store.AuditRecord) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.failed = append(u.failed, recs...)
}

// unsure notes a write that failed part way (see doubts).
func (u *unrecorded) unsure() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.doubts++
}

// sweepStart is what a sweep takes at its start: the failed records, the
// doubts so far, and whether any of them is not cleared.
type sweepStart struct {
	failed []store.AuditRecord
	doubts int
	doubt  bool
}

// take returns the failed records, for a sweep or their insert.
func (u *unrecorded) take() sweepStart {
	u.mu.Lock()
	defer u.mu.Unlock()
	failed := u.failed
	u.failed = nil
	return sweepStart{failed, u.doubts, u.doubts != u.cleared}
}

// done records a sweep that found everything left before its start (its
// failed records inserted), or puts them back.
func (u *unrecorded) done(start sweepStart, ok bool) {
	if !ok {
		u.add(start.failed)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.cleared = max(u.cleared, start.doubts)
}

// recordStale inserts, before a write replaces them, the records pending
// in the documents it replaces (stale, as read). The embedded store reads
// accounts from its cache, without their pending records, and needs none
// of them but those that may be missing (see unrecorded and
// sweepBeforeOverwrite); MongoDB, which other processes write too, gets
// them all (most are duplicates, which the server skips).
func (s *Store) recordStale(ctx context.Context, stale []store.AuditRecord) error {
	if s.embedded != nil {
		return s.sweepBeforeOverwrite(ctx, nil)
	}
	return s.recordAudit(ctx, stale...)
}

// SweepAudit copies into the audit collection every record still pending
// in a document (a crash between a write and its record), and reports how
// many it found.
func (s *Store) SweepAudit(ctx context.Context) (int, error) {
	start := s.unrecorded.take()
	n, err := s.sweepAll(ctx, start.failed)
	s.unrecorded.done(start, err == nil)
	return n, err
}

// sweepAll inserts the records failed and those pending in every audited
// collection.
func (s *Store) sweepAll(ctx context.Context, failed []store.AuditRecord) (int, error) {
	if err := s.recordAudit(ctx, failed...); err != nil {
		return 0, err
	}
	n := 0
	for _, c := range []*mongo.Collection{s.accounts, s.members, s.teams, s.checklists} {
		k, err := s.sweepEvery(ctx, c)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// sweepBeforeOverwrite makes sure no record pending in a document is lost
// by a write that replaces it without reading it (SaveHistories of the
// accounts slugs; on the embedded store also UpdateAccounts, whose reads
// come from the cache, without pending records): on MongoDB, which other processes write too, it sweeps
// those accounts (by _id, indexed there, so that a refresh's every batch
// does not sweep the book); on the embedded store it inserts the records
// whose insert failed in this process, and sweeps only after a write that
// failed part way (see unrecorded). A sweep reads every document that
// holds a record, which after an import or a refresh is every account, and
// inserts each again (duplicates, one by one on the embedded store).
func (s *Store) sweepBeforeOverwrite(ctx context.Context, slugs []string) error {
	if s.embedded == nil {
		_, err := s.sweep(ctx, s.accounts, slugs)
		return err
	}
	start := s.unrecorded.take()
	if start.doubt {
		_, err := s.sweepAll(ctx, start.failed)
		s.unrecorded.done(start, err == nil)
		return err
	}
	err := s.recordAudit(ctx, start.failed...)
	if err != nil {
		s.unrecorded.add(start.failed)
	}
	return err
}

// sweep inserts the records pending in the documents of c named by ids
// (none for no ids); sweepEvery in every document of c. Every document
// keeps its last record, so a sweep inserts mostly duplicates, which cost
// nothing but the reading. Records past the retention are left out: every
// document keeps its last record however old, and the sweep must not bring
// back what PruneAudit deleted.
func (s *Store) sweep(ctx context.Context, c *mongo.Collection, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	docs, err := s.byIDs(ctx, c, ids)
	if err != nil {
		return 0, err
	}
	w := s.newSweeper(c)
	for _, doc := range docs {
		if err := w.take(ctx, doc); err != nil {
			return w.n, err
		}
	}
	return w.n, w.flush(ctx)
}

// sweepEvery is sweep over every document of c, read as a stream, with
// insertBatch records held at a time, so that sweeping a big book holds
// one batch.
func (s *Store) sweepEvery(ctx context.Context, c *mongo.Collection) (int, error) {
	w := s.newSweeper(c)
	// Every document keeps its last record, so a filter on the field
	// would leave out next to nothing; take skips those without one.
	if err := s.eachDoc(ctx, c, func(doc bson.Raw) error { return w.take(ctx, doc) }); err != nil {
		return w.n, fmt.Errorf("sweep audit: %w", err)
	}
	return w.n, w.flush(ctx)
}

// sweeper gathers the records pending in the documents of one collection
// and inserts them insertBatch at a time, counting those inserted.
type sweeper struct {
	s    *Store
	c    *mongo.Collection
	from time.Time
	recs []store.AuditRecord
	n    int
}

func (s *Store) newSweeper(c *mongo.Collection) *sweeper {
	return &sweeper{s: s, c: c, from: s.auditFrom(), recs: make([]store.AuditRecord, 0, insertBatch)}
}

// take keeps the record pending in doc, if any and within the retention.
func (w *sweeper) take(ctx context.Context, doc bson.Raw) error {
	var d struct {
		Pending *store.AuditRecord `bson:"audit_pending"`
	}
	if err := bson.Unmarshal(doc, &d); err != nil {
		return fmt.Errorf("read the record pending in a document of %s: %w", w.c.Name(), err)
	}
	if d.Pending == nil || d.Pending.At.Before(w.from) {
		return nil
	}
	rec, err := complete(*d.Pending, doc)
	if err != nil {
		return err
	}
	if w.recs = append(w.recs, rec); len(w.recs) == insertBatch {
		return w.flush(ctx)
	}
	return nil
}

// flush inserts the records kept.
func (w *sweeper) flush(ctx context.Context) error {
	err := w.s.recordAudit(ctx, w.recs...)
	w.n, w.recs = w.n+len(w.recs), w.recs[:0]
	return err
}

// auditFrom is the time of the oldest record the trail keeps (Config's
// AuditRetention); zero when it keeps every record.
func (s *Store) auditFrom() time.Time {
	if s.auditKeep <= 0 {
		return time.Time{}
	}
	return time.Now().UTC().Add(-s.auditKeep)
}

// PruneAudit deletes the audit records past the retention (none when the
// trail keeps every record), and reports how many it deleted. Run it from
// a nightly job. On the embedded store it finds them through the SQLite
// index on their time and deletes them one by one (a filter on the time
// would decode the whole trail).
func (s *Store) PruneAudit(ctx context.Context) (int64, error) {
	from := s.auditFrom()
	if from.IsZero() {
		return 0, nil
	}
	if s.auditBefore != nil {
		ids, err := s.auditBefore.Before(ctx, from)
		if err != nil {
			return 0, fmt.Errorf("prune audit: %w", err)
		}
		var n int64
		for _, id := range ids {
			res, err := s.audit.DeleteOne(ctx, byID(id))
			if err != nil {
				return n, s.fail("prune audit", err)
			}
			n += res.DeletedCount
		}
		return n, nil
	}
	res, err := s.audit.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: from}}}})
	if err != nil {
		return 0, s.fail("prune audit", err)
	}
	return res.DeletedCount, nil
}

// Audit returns the records of one subject of a kind (of everything when
// kind is ""), from since on, oldest first.
func (s *Store) Audit(ctx context.Context, kind, subject string, since time.Time) ([]store.AuditRecord, error) {
	docs, err := s.auditDocs(ctx, kind, subject, since.UTC())
	if err != nil {
		return nil, err
	}
	out := make([]store.AuditRecord, len(docs))
	for i, d := range docs {
		out[i] = d.AuditRecord
		out[i].Changes = d.Changes
	}
	slices.SortFunc(out, func(a, b store.AuditRecord) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// auditDocs reads the records of a subject (every record when kind is
// empty) from since on; on the embedded store a subject's come through its
// SQLite index.
func (s *Store) auditDocs(ctx context.Context, kind, subject string, since time.Time) ([]auditDoc, error) {
	if kind != "" && s.auditSubjects != nil {
		ids, err := s.auditSubjects.IDs(ctx, kind, subject)
		if err != nil {
			return nil, fmt.Errorf("read audit: %w", err)
		}
		all, err := decodeByIDs[auditDoc](ctx, s, s.audit, ids)
		return slices.DeleteFunc(all, func(d auditDoc) bool { return d.At.Before(since) }), err
	}
	filter := bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: since}}}}
	if kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: kind}, bson.E{Key: "subject", Value: subject})
	}
	cur, err := s.audit.Find(ctx, filter)
	if err != nil {
		return nil, s.fail("read audit", err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("read audit", err)
	}
	return docs, nil
}

// pendingCopy is a record as kept inside the document it describes:
// without the values after the change, which are the document's own, so a
// write (an import of new accounts above all) does not store every value
// twice. The record of a new account (created, from UpdateAccounts) keeps
// no fields at all: they are every field of the document, set from
// newAccount. complete puts them back when the record is recovered.
func pendingCopy(r store.AuditRecord, created bool) *store.AuditRecord {
	if created {
		r.Changes = nil
		return &r
	}
	kept := make([]store.FieldChange, len(r.Changes))
	for i, c := range r.Changes {
		kept[i] = store.FieldChange{Field: c.Field, Before: c.Before}
	}
	r.Changes = kept
	return &r
}

// newAccount is what an account's creation starts from (UpdateAccounts),
// the before of every field in its record.
func newAccount(slug string) store.Account { return store.Account{Slug: slug} }

// newAccountFields is fields(newAccount(slug)) but for the _id, which
// records leave out: computed once, as an import creates accounts by the
// thousand.
var newAccountFields = sync.OnceValues(func() (map[string]string, error) { return fields(newAccount("")) })

// complete fills a pending record's after values from the document it was
// kept in, which is still the version the record describes; a record
// without fields is a new account's, all of whose fields it lists.
func complete(r store.AuditRecord, doc any) (store.AuditRecord, error) {
	after, err := fields(doc)
	if err != nil {
		return r, err
	}
	if len(r.Changes) == 0 {
		if r.Kind != store.AuditAccount {
			return r, fmt.Errorf("audit: pending record %s has no fields", r.ID)
		}
		before, err := newAccountFields()
		if err != nil {
			return r, err
		}
		r.Changes = changes(before, after)
		return r, nil
	}
	filled := make([]store.FieldChange, len(r.Changes))
	for i, c := range r.Changes {
		c.After = after[c.Field]
		filled[i] = c
	}
	r.Changes = filled
	return r, nil
}
