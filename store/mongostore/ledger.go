package mongostore

import (
	"github.com/csbot/csbot/store"

	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// The ledger keeps the ingested events (events.go) in a few packed
// documents read by _id: a full scan of 10,000 small documents costs about
// a second on the embedded store, one _id read about a millisecond. Each
// document holds a gob-encoded list of items sorted by key and a version for
// compare-and-swap:
//
//	usage/<YYYY-MM-DD>        every account's usage row of that day
//	responses/<YYYY-MM>/<n>   survey answers of that month (UTC) by their
//	                          date, n = fnv32a(id) % ledgerBuckets
//	revenue/<YYYY-MM>/<n>     revenue events, likewise
//	tickets/<YYYY-MM>/<n>     support tickets by the month they were opened
//	<kind>/months             the months an event kind has documents for
//
// Events are split by month so that no document nears MongoDB's 16 MiB
// limit however many years the ledger holds: a month's events of one kind
// are spread over ledgerBuckets documents. A usage key holds its day, so a
// re-sent row always lands on the copy it replaces. An event's id does not
// hold its month: re-sent with a date in another month (or, for a ticket,
// under another account and date) its old copy is found by reading the
// kind's documents of the id's bucket in every month, and removed before
// the new one is written (relocate). An interruption in between loses the
// event until the batch is re-sent, which a failed batch must be anyway;
// the other order would count it twice. Readers read every month.
//
// Before the months, events lived in <kind>/<n>; Open moves them (migrateLedger).

// ledgerBuckets is fixed: changing it would orphan the items of the old layout.
const ledgerBuckets = 16

type ledgerDoc struct {
	ID    string `bson:"_id"`
	V     int64  `bson:"v"`
	Items []byte `bson:"items"`
}

// ledgerKind says where the items of one event type live and when two
// versions of an item are the same.
type ledgerKind[T any] struct {
	name string
	doc  func(T) string
	key  func(T) string
	same func(a, b T) bool
	// clean normalises an item before it is stored: times in UTC at the
	// millisecond MongoDB keeps, so that a value copied onto an account
	// compares equal to the ledger's.
	clean func(T) T
	// monthly marks the event kinds, whose doc is eventDoc: an item may
	// move between months.
	monthly bool
}

var usageKind = ledgerKind[store.Usage]{
	name: "usage",
	doc:  func(u store.Usage) string { return "usage/" + u.Day },
	key:  store.Usage.Key,
	same: func(a, b store.Usage) bool {
		return a.Account == b.Account && a.Day == b.Day && a.Active == b.Active && a.Seats == b.Seats && samePtr(a.Adoption, b.Adoption)
	},
	clean: func(u store.Usage) store.Usage { return u },
}

var responseKind = ledgerKind[store.Response]{
	name: "responses",
	doc:  func(r store.Response) string { return eventDoc("responses", r.ID, r.At) },
	key:  func(r store.Response) string { return r.ID },
	same: func(a, b store.Response) bool {
		return a.ID == b.ID && a.Account == b.Account && a.Kind == b.Kind && a.Score == b.Score && a.At.Equal(b.At)
	},
	clean:   func(r store.Response) store.Response { r.At = store.Millis(r.At); return r },
	monthly: true,
}

var ticketKind = ledgerKind[store.Ticket]{
	name: "tickets",
	doc:  func(t store.Ticket) string { return eventDoc("tickets", t.ID, t.Opened) },
	key:  func(t store.Ticket) string { return t.ID },
	same: func(a, b store.Ticket) bool {
		return a.ID == b.ID && a.Account == b.Account && a.Opened.Equal(b.Opened) && a.Escalated == b.Escalated &&
			(a.Closed == nil) == (b.Closed == nil) && (a.Closed == nil || a.Closed.Equal(*b.Closed))
	},
	clean: func(t store.Ticket) store.Ticket {
		t.Opened = store.Millis(t.Opened)
		if t.Closed != nil {
			c := store.Millis(*t.Closed)
			t.Closed = &c
		}
		return t
	},
	monthly: true,
}

var revenueKind = ledgerKind[store.RevenueEvent]{
	name: "revenue",
	doc:  func(e store.RevenueEvent) string { return eventDoc("revenue", e.ID, e.At) },
	key:  func(e store.RevenueEvent) string { return e.ID },
	same: func(a, b store.RevenueEvent) bool {
		return a.ID == b.ID && a.Account == b.Account && a.Type == b.Type && a.ARR == b.ARR && a.At.Equal(b.At)
	},
	clean:   func(e store.RevenueEvent) store.RevenueEvent { e.At = store.Millis(e.At); return e },
	monthly: true,
}

// monthsKind is the list of months an event kind has documents for, in
// the document <kind>/months.
var monthsKind = ledgerKind[string]{
	name:  "months",
	key:   func(m string) string { return m },
	same:  func(a, b string) bool { return a == b },
	clean: func(m string) string { return m },
}

func bucket(prefix, id string) string {
	return fmt.Sprintf("%s/%d", prefix, bucketOf(id))
}

func bucketOf(id string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32() % ledgerBuckets
}

// eventDoc is the document of an event: its kind, the month of its date
// in UTC and its id's bucket.
func eventDoc(kind, id string, at time.Time) string {
	return fmt.Sprintf("%s/%s/%d", kind, at.UTC().Format("2006-01"), bucketOf(id))
}

// splitEventDoc returns the month and bucket of an eventDoc id.
func splitEventDoc(doc string) (month, bucket string) {
	parts := strings.Split(doc, "/")
	return parts[1], parts[2]
}

func bucketIDs(prefix string) []string {
	ids := make([]string, ledgerBuckets)
	for n := range ids {
		ids[n] = fmt.Sprintf("%s/%d", prefix, n)
	}
	return ids
}

func samePtr[T comparable](a, b *T) bool {
	return a == b || a != nil && b != nil && *a == *b
}

// PutUsage stores usage rows by account and day, replacing earlier rows of
// the same key. It returns the rows that were new or different.
func (s *Store) PutUsage(ctx context.Context, rows []store.Usage) (changed []store.Usage, err error) {
	return putLedger(ctx, s, usageKind, rows)
}

// UsageOn returns every account's usage row of one day (YYYY-MM-DD), in no
// particular order. It reads one document.
func (s *Store) UsageOn(ctx context.Context, day string) ([]store.Usage, error) {
	return readLedger[store.Usage](ctx, s, "usage", "usage/"+day)
}

// PutResponses stores survey answers by id and returns the new or different ones.
func (s *Store) PutResponses(ctx context.Context, rs []store.Response) (changed []store.Response, err error) {
	return putLedger(ctx, s, responseKind, rs)
}

// Responses returns every survey answer, in no particular order. It reads
// ledgerBuckets documents a month.
func (s *Store) Responses(ctx context.Context) ([]store.Response, error) {
	return readEvents[store.Response](ctx, s, "responses")
}

// PutTickets stores tickets by id and returns the new or different ones. A
// ticket is re-sent whole when it changes (closed, escalated).
func (s *Store) PutTickets(ctx context.Context, ts []store.Ticket) (changed []store.Ticket, err error) {
	return putLedger(ctx, s, ticketKind, ts)
}

// Tickets returns every ticket, in no particular order.
func (s *Store) Tickets(ctx context.Context) ([]store.Ticket, error) {
	return readEvents[store.Ticket](ctx, s, "tickets")
}

// PutRevenue stores revenue events by id and returns the new or different ones.
func (s *Store) PutRevenue(ctx context.Context, evs []store.RevenueEvent) (changed []store.RevenueEvent, err error) {
	return putLedger(ctx, s, revenueKind, evs)
}

// RevenueEvents returns every revenue event, in no particular order. It
// reads ledgerBuckets documents a month.
func (s *Store) RevenueEvents(ctx context.Context) ([]store.RevenueEvent, error) {
	return readEvents[store.RevenueEvent](ctx, s, "revenue")
}

// readEvents reads every month of an event kind.
func readEvents[T any](ctx context.Context, s *Store, kind string) ([]T, error) {
	docs, err := eventDocs(ctx, s, kind, nil)
	if err != nil {
		return nil, err
	}
	return readLedger[T](ctx, s, kind, docs...)
}

// eventDocs lists the documents of an event kind in every month it has,
// of the given buckets or, when nil, of all.
func eventDocs(ctx context.Context, s *Store, kind string, buckets []string) ([]string, error) {
	months, err := readLedger[string](ctx, s, kind+" months", kind+"/months")
	if err != nil {
		return nil, err
	}
	if buckets == nil {
		for n := range ledgerBuckets {
			buckets = append(buckets, strconv.Itoa(n))
		}
	}
	var docs []string
	for _, m := range months {
		for _, n := range buckets {
			docs = append(docs, kind+"/"+m+"/"+n)
		}
	}
	return docs, nil
}

// putLedger merges items into their documents, one document at a time, so
// every item is written whole or not at all. Of items with the same key the
// last wins. On error, changed holds what the documents merged before it
// took.
func putLedger[T any](ctx context.Context, s *Store, k ledgerKind[T], items []T) (changed []T, err error) {
	last := map[string]int{}
	for i, it := range items {
		last[k.key(it)] = i
	}
	byDoc := map[string][]T{}
	for i, it := range items {
		if last[k.key(it)] != i {
			continue // a later item of the same key wins
		}
		it = k.clean(it)
		byDoc[k.doc(it)] = append(byDoc[k.doc(it)], it)
	}
	if k.monthly {
		if err := relocate(ctx, s, k, byDoc); err != nil {
			return nil, err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byDoc)) {
		c, err := mergeLedger(ctx, s, k, id, byDoc[id])
		if err != nil {
			return changed, err
		}
		changed = append(changed, c...)
	}
	return changed, nil
}

// relocate prepares the monthly documents for the items in byDoc: it
// lists their months, then removes each item's copy in any other document
// (an earlier date in another month), so that it is written once.
func relocate[T any](ctx context.Context, s *Store, k ledgerKind[T], byDoc map[string][]T) error {
	target := map[string]string{} // item key -> its document
	months, buckets := map[string]bool{}, map[string]bool{}
	for doc, items := range byDoc {
		m, n := splitEventDoc(doc)
		months[m], buckets[n] = true, true
		for _, it := range items {
			target[k.key(it)] = doc
		}
	}
	err := editLedger(ctx, s, monthsKind, k.name+"/months", func(have map[string]string) bool {
		added := false
		for m := range months {
			if _, ok := have[m]; !ok {
				have[m], added = m, true
			}
		}
		return added
	})
	if err != nil {
		return err
	}
	docs, err := eventDocs(ctx, s, k.name, slices.Sorted(maps.Keys(buckets)))
	if err != nil {
		return err
	}
	for _, doc := range docs {
		items, err := readLedger[T](ctx, s, k.name, doc)
		if err != nil {
			return err
		}
		var stale []string
		for _, it := range items {
			if to, ok := target[k.key(it)]; ok && to != doc {
				stale = append(stale, k.key(it))
			}
		}
		if len(stale) == 0 {
			continue
		}
		if err := editLedger(ctx, s, k, doc, func(items map[string]T) bool {
			removed := false
			for _, key := range stale {
				_, had := items[key]
				delete(items, key)
				removed = removed || had
			}
			return removed
		}); err != nil {
			return err
		}
	}
	return nil
}

// mergeLedger writes put into document id and returns the items that were
// new or different.
func mergeLedger[T any](ctx context.Context, s *Store, k ledgerKind[T], id string, put []T) ([]T, error) {
	var changed []T
	err := editLedger(ctx, s, k, id, func(items map[string]T) bool {
		changed = changed[:0]
		for _, it := range put {
			if prev, had := items[k.key(it)]; !had || !k.same(prev, it) {
				changed = append(changed, it)
			}
			items[k.key(it)] = it
		}
		return len(changed) > 0
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// editLedger applies edit to the items of document id, keyed by k.key, and
// writes the result when edit reports a change, with compare-and-swap on
// the document's version (edit may run again on a newer copy); on the
// embedded store, whose filtered updates are not atomic, the
// read-edit-write also runs under the document's casLock stripe.
func editLedger[T any](ctx context.Context, s *Store, k ledgerKind[T], id string, edit func(items map[string]T) bool) error {
	defer s.casLock("ledger", id)()
	for range 20 {
		var d ledgerDoc
		err := s.ledger.FindOne(ctx, byID(id)).Decode(&d)
		missing := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !missing {
			return s.fail("read ledger "+id, err)
		}
		old, err := decodeLedger[T](d)
		if err != nil {
			return err
		}
		items := make(map[string]T, len(old))
		for _, it := range old {
			items[k.key(it)] = it
		}
		if !edit(items) {
			return nil
		}
		merged := make([]T, 0, len(items))
		for _, it := range items {
			merged = append(merged, it)
		}
		slices.SortFunc(merged, func(a, b T) int { return cmp.Compare(k.key(a), k.key(b)) })
		data, err := encodeLedger(merged)
		if err != nil {
			return fmt.Errorf("encode ledger %s: %w", id, err)
		}
		if missing {
			_, err = s.ledger.InsertOne(ctx, ledgerDoc{ID: id, V: 1, Items: data})
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			if err != nil {
				return s.fail("write ledger "+id, err)
			}
			return nil
		}
		res, err := s.ledger.ReplaceOne(ctx, s.casFilter(id, bson.D{{Key: "v", Value: d.V}}), ledgerDoc{ID: id, V: d.V + 1, Items: data})
		if err != nil {
			return s.fail("write ledger "+id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("write ledger %s: too much contention, try again", id)
}

// readLedger decodes the items of the given documents; missing ones are empty.
func readLedger[T any](ctx context.Context, s *Store, what string, ids ...string) ([]T, error) {
	var out []T
	for _, id := range ids {
		var d ledgerDoc
		err := s.ledger.FindOne(ctx, byID(id)).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return nil, s.fail("read "+what, err)
		}
		items, err := decodeLedger[T](d)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

func decodeLedger[T any](d ledgerDoc) ([]T, error) {
	if len(d.Items) == 0 {
		return nil, nil
	}
	var items []T
	if err := gob.NewDecoder(bytes.NewReader(d.Items)).Decode(&items); err != nil {
		return nil, fmt.Errorf("decode ledger %s: %w", d.ID, err)
	}
	return items, nil
}

func encodeLedger[T any](items []T) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(items)
	return buf.Bytes(), err
}

// PutTouches writes timeline entries by their id (an ingested touch keeps
// the CRM's id) and returns the new or different ones; an identical
// re-send writes nothing. Of entries with the same id the last wins.
func (s *Store) PutTouches(ctx context.Context, ts []store.Touch) (changed []store.Touch, err error) {
	last := map[string]int{}
	for i, t := range ts {
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("touch %s: %w", t.ID, err)
		}
		last[t.ID] = i
	}
	var models []mongo.WriteModel
	for i, t := range ts {
		if last[t.ID] != i {
			continue
		}
		t.At = store.Millis(t.At)
		var old store.Touch
		err := s.findByID(ctx, s.touches, t.ID, &old)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err == nil && old.Account == t.Account && old.Kind == t.Kind && old.Author == t.Author && old.Text == t.Text && old.At.Equal(t.At) {
			continue
		}
		changed = append(changed, t)
		models = append(models, mongo.NewReplaceOneModel().SetFilter(byID(t.ID)).SetReplacement(t).SetUpsert(true))
	}
	if err := s.bulk(ctx, s.touches, models); err != nil {
		return nil, err
	}
	return changed, nil
}

// migrateLedger moves events of the layout before months (<kind>/<n>) to
// their months and deletes the old documents. A migration cut short is
// redone by the next Open: putting an event again changes nothing.
func (s *Store) migrateLedger(ctx context.Context) error {
	return errors.Join(migrateEvents(ctx, s, responseKind), migrateEvents(ctx, s, ticketKind), migrateEvents(ctx, s, revenueKind))
}

func migrateEvents[T any](ctx context.Context, s *Store, k ledgerKind[T]) error {
	old := bucketIDs(k.name)
	items, err := readLedger[T](ctx, s, k.name, old...)
	if err != nil || len(items) == 0 {
		return err
	}
	if _, err := putLedger(ctx, s, k, items); err != nil {
		return fmt.Errorf("move %s to monthly documents (restart csbot to resume): %w", k.name, err)
	}
	if _, err := s.ledger.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: old}}}}); err != nil {
		return s.fail("delete the old "+k.name+" documents", err)
	}
	s.log.Info("ledger events moved to monthly documents", "kind", k.name, "events", len(items))
	return nil
}
