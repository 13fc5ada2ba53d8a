package mongostore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/csbot/csbot/store"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Account reads one account by slug.
func (s *Store) Account(ctx context.Context, slug string) (store.Account, error) {
	var gen uint64
	if s.accountCache != nil {
		a, ok, missing, g := s.accountCache.get(slug)
		if ok {
			return a, nil
		}
		if missing {
			return store.Account{}, fmt.Errorf("accounts %q: %w", slug, store.ErrNotFound)
		}
		gen = g
	}
	var a store.Account
	if err := s.findByID(ctx, s.accounts, slug, &a); err != nil {
		return a, err
	}
	if s.accountCache != nil {
		s.accountCache.fill(a, gen)
	}
	return a, nil
}

// PutAccounts writes many accounts whole, in bulk, without their index
// rows. It is for seeding a book (demo data, benchmarks): it replaces what
// is stored without a version check, so nothing else may write the same
// accounts meanwhile; everything else goes through UpdateAccounts. The
// caller follows with a refresh (health.Engine.Refresh) that derives rows.
func (s *Store) PutAccounts(ctx context.Context, as []store.Account) error {
	as = slices.Clone(as)
	models := make([]mongo.WriteModel, len(as))
	for i, a := range as {
		if err := a.Check(); err != nil {
			return fmt.Errorf("save account %s: %w", a.Slug, err)
		}
		a.Version = max(a.Version, 1) // stored, so not "not yet created"
		as[i] = a
		models[i] = mongo.NewReplaceOneModel().SetFilter(byID(a.Slug)).SetReplacement(a).SetUpsert(true)
	}
	err := s.bulk(ctx, s.accounts, models)
	if s.accountCache != nil {
		for _, a := range as {
			if err != nil {
				s.accountCache.wrote(nil, a.Slug) // half-written: read it again
			} else {
				s.accountCache.wrote(&a)
			}
		}
	}
	return err
}

// SaveHistories sets the health history of many accounts, leaving every other
// field alone so that a nightly refresh cannot undo a concurrent edit. It
// bumps their versions, so that a writer holding an older copy writes again
// on top of the new history instead of over it.
//
// Each account keeps the record of its new history pending, as every write
// does (see audit.go). The update does not know the version it makes, so
// the record is keyed by the history's last day: a second refresh of the
// day records nothing new. Records pending from before are swept in first
// (sweepBeforeOverwrite).
func (s *Store) SaveHistories(ctx context.Context, hs map[string]store.History) error {
	slugs := slices.Collect(maps.Keys(hs))
	if err := s.sweepBeforeOverwrite(ctx, slugs); err != nil {
		return err
	}
	models := make([]mongo.WriteModel, 0, len(hs))
	recs := make([]store.AuditRecord, 0, len(hs))
	at := time.Now().UTC().Truncate(time.Millisecond)
	for slug, h := range hs {
		js, err := fields(bson.D{{Key: "history", Value: h}})
		if err != nil {
			return err
		}
		rec := store.AuditRecord{ID: store.AuditAccount + "/" + slug + "/history-" + h.End, Kind: store.AuditAccount, Subject: slug,
			Actor: store.ActorOf(ctx), At: at, Changes: []store.FieldChange{{Field: "history", After: js["history"]}}}
		recs = append(recs, rec)
		models = append(models, mongo.NewUpdateOneModel().SetFilter(byID(slug)).
			SetUpdate(bson.D{
				{Key: "$set", Value: bson.D{{Key: "history", Value: h}, {Key: pendingField, Value: rec}}},
				{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}},
			}))
	}
	defer s.casLock("accounts", slugs...)()
	err := s.bulk(ctx, s.accounts, models)
	if err == nil {
		s.recorded(ctx, recs...)
	} else {
		s.unrecorded.unsure()
	}
	if s.accountCache != nil {
		// The bumped generation keeps a read that raced the write from
		// caching the old document.
		if err != nil {
			s.accountCache.wrote(nil, slugs...) // half-written: read them again
		} else {
			s.accountCache.wroteHistories(hs)
		}
	}
	return err
}

// WarmCache reads every account into the embedded store's account cache,
// so that the first `/cs health` of each account is as fast as the rest. It
// scans the collection: run it in the background at start. It does nothing
// on MongoDB, which has no cache here.
func (s *Store) WarmCache(ctx context.Context) (int, error) {
	if s.accountCache == nil {
		return 0, nil
	}
	_, _, _, gen := s.accountCache.get("")
	n := 0
	err := s.cursorScan(ctx, s.accounts, accountsOf(func(a store.Account) error {
		s.accountCache.fill(a, gen)
		n++
		return nil
	}))
	if err == nil {
		s.accountCache.warmed(gen)
		s.accountCache.knowAll() // an account written during the scan was added by its write
	}
	return n, err
}

// LimitAccountCache keeps at most n account documents in the embedded
// store's cache (the set of slugs is kept whole). A command that passes
// over a book once, such as an import, sets a small limit: caching every
// account it writes would only grow its memory with the book.
func (s *Store) LimitAccountCache(n int) {
	if s.accountCache == nil {
		return
	}
	s.accountCache.mu.Lock()
	defer s.accountCache.mu.Unlock()
	s.accountCache.limit = n
}

// knowIfEmpty tells the embedded store's cache when there are no accounts
// yet, so that the first import of a book reads nothing for its new slugs.
func (s *Store) knowIfEmpty(ctx context.Context) error {
	if s.accountCache == nil {
		return nil
	}
	err := s.accounts.FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		s.accountCache.knowAll()
		return nil
	}
	if err != nil {
		return s.fail("read accounts", err)
	}
	return nil
}

// EachAccount calls fn for every account. It scans the whole collection
// (from memory once the embedded store's cache is warm), so it belongs in
// background jobs and imports, never on a command's hot path. It holds one
// account at a time (and a batch of 500 read ahead; on the embedded store
// also the list of every slug), and fn may write accounts: a refresh writes
// each batch it has read before reading on.
func (s *Store) EachAccount(ctx context.Context, fn func(store.Account) error) error {
	if s.accountCache != nil {
		if slugs, ok := s.accountCache.cachedSlugs(); ok {
			for _, slug := range slugs {
				a, err := s.Account(ctx, slug) // read again if dropped since
				if err != nil {
					return err
				}
				if err := fn(a); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return s.scanAccounts(ctx, fn)
}

// scanBatch is how many documents one round trip of a collection scan
// brings: enough to amortise the round trip, few enough to keep a scan's
// memory small.
const scanBatch = 500

func (s *Store) scanAccounts(ctx context.Context, fn func(store.Account) error) error {
	return s.eachDoc(ctx, s.accounts, accountsOf(fn))
}

// accountsOf is fn taking a scan's documents.
func accountsOf(fn func(store.Account) error) func(bson.Raw) error {
	return func(doc bson.Raw) error {
		var a store.Account
		if err := bson.Unmarshal(doc, &a); err != nil {
			return fmt.Errorf("decode account: %w", err)
		}
		return fn(a)
	}
}

// Member reads one member by id.
func (s *Store) Member(ctx context.Context, id string) (store.Member, error) {
	return s.cachedMember(ctx, func(ms map[string]store.Member, _ map[string]string) (store.Member, bool) {
		m, ok := ms[id]
		return m, ok
	}, id)
}

func (s *Store) cachedMember(ctx context.Context, find func(map[string]store.Member, map[string]string) (store.Member, bool), key string) (store.Member, error) {
	m, ok, err := s.memberCache.get(ctx, s, find)
	if err != nil {
		return store.Member{}, err
	}
	if !ok {
		return store.Member{}, fmt.Errorf("member %q: %w", key, store.ErrNotFound)
	}
	return m, nil
}

// Members returns every member. The organisation is small (hundreds at most).
func (s *Store) Members(ctx context.Context) ([]store.Member, error) {
	return s.memberCache.allMembers(ctx, s)
}

type identity struct {
	ID     string `bson:"_id"`
	Member string `bson:"member"`
}

func identityID(platform, userID string) string { return platform + ":" + userID }

// MemberByIdentity maps a chat user to a member. The console platform's user
// id is the member id itself: whoever runs the console already has the data.
func (s *Store) MemberByIdentity(ctx context.Context, platform, userID string) (store.Member, error) {
	if platform == "console" {
		return s.Member(ctx, userID)
	}
	return s.cachedMember(ctx, func(ms map[string]store.Member, links map[string]string) (store.Member, bool) {
		m, ok := ms[links[identityID(platform, userID)]]
		return m, ok
	}, identityID(platform, userID))
}

// UpdateMember reads member id (a zero Member with the id when there is
// none, found false), lets change edit it and writes it back with a
// compare-and-swap on its version, with the identity links that find it
// from chat. A chat user linked to another member fails the call with
// store.ErrIdentityTaken before anything is written; each link is taken by
// inserting it (its unique _id decides), so two members cannot both take
// one user.
func (s *Store) UpdateMember(ctx context.Context, id string, change func(m *store.Member, found bool) error) (m store.Member, err error) {
	defer func() {
		// Whatever the writes managed to do, every replica's cache must
		// look again.
		if cerr := s.membersChanged(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = cerr
		}
	}()
	m, err = updateDoc(ctx, s, s.members, id,
		func() store.Member { return store.Member{ID: id} },
		store.Member.Clone,
		func(m *store.Member) *int64 { return &m.Version },
		func(m *store.Member, found bool) error {
			if err := change(m, found); err != nil {
				return err
			}
			m.ID = id
			return s.linkIdentities(ctx, *m)
		})
	if err != nil {
		return m, err
	}
	// Drop links the member no longer has.
	links, err := all[identity](ctx, s, s.identities)
	if err != nil {
		return m, err
	}
	for _, l := range links {
		if l.Member == m.ID && !hasIdentity(m, l.ID) {
			if _, err := s.identities.DeleteOne(ctx, byID(l.ID)); err != nil {
				return m, s.fail("write identities", err)
			}
		}
	}
	return m, nil
}

// linkIdentities takes the chat users of m for it, refusing one that
// belongs to another member.
func (s *Store) linkIdentities(ctx context.Context, m store.Member) error {
	for platform, user := range m.Identities {
		key := identityID(platform, user)
		_, err := s.identities.InsertOne(ctx, identity{ID: key, Member: m.ID})
		if err == nil {
			continue
		}
		if !mongo.IsDuplicateKeyError(err) {
			return s.fail("write identities", err)
		}
		var held identity
		if err := s.findByID(ctx, s.identities, key, &held); err != nil {
			return err
		}
		if held.Member != m.ID {
			return &store.IdentityTakenError{Platform: platform, User: user, Member: m.ID, Holder: held.Member}
		}
	}
	return nil
}

// SaveMember writes m as given, for seeding: a new member, or one whose
// stored copy nobody else changes meanwhile. Commands use UpdateMember.
func (s *Store) SaveMember(ctx context.Context, m store.Member) error {
	_, err := s.UpdateMember(ctx, m.ID, func(cur *store.Member, _ bool) error {
		v := cur.Version
		*cur = m.Clone()
		cur.Version = v
		return nil
	})
	return err
}

func hasIdentity(m store.Member, id string) bool {
	for platform, user := range m.Identities {
		if identityID(platform, user) == id {
			return true
		}
	}
	return false
}

// Team reads one team by id.
func (s *Store) Team(ctx context.Context, id string) (store.Team, error) {
	t, ok, err := s.memberCache.team(ctx, s, id)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, fmt.Errorf("team %q: %w", id, store.ErrNotFound)
	}
	return t, nil
}

// Teams returns every team.
func (s *Store) Teams(ctx context.Context) ([]store.Team, error) {
	return s.memberCache.allTeams(ctx, s)
}

// UpdateTeam reads team id (a zero Team with the id when there is none,
// found false), lets change edit it and writes it back with a
// compare-and-swap on its version.
func (s *Store) UpdateTeam(ctx context.Context, id string, change func(t *store.Team, found bool) error) (t store.Team, err error) {
	defer func() {
		// Whatever the write managed to do, every replica's cache must look
		// again.
		if cerr := s.membersChanged(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = cerr
		}
	}()
	return updateDoc(ctx, s, s.teams, id,
		func() store.Team { return store.Team{ID: id} },
		func(t store.Team) store.Team { return t },
		func(t *store.Team) *int64 { return &t.Version },
		func(t *store.Team, found bool) error {
			err := change(t, found)
			t.ID = id
			return err
		})
}

// SaveTeam writes t as given, for seeding; commands use UpdateTeam.
func (s *Store) SaveTeam(ctx context.Context, t store.Team) error {
	_, err := s.UpdateTeam(ctx, t.ID, func(cur *store.Team, _ bool) error {
		v := cur.Version
		*cur = t
		cur.Version = v
		return nil
	})
	return err
}

// AddTouch appends an entry to an account's timeline. Its id is derived from
// account, time and author, so a retried write does not log it twice.
func (s *Store) AddTouch(ctx context.Context, t store.Touch) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("log touch on %s: %w", t.Account, err)
	}
	if t.ID == "" {
		t.ID = fmt.Sprintf("%s/%s/%s", t.Account, t.At.UTC().Format(time.RFC3339Nano), t.Author)
	}
	return s.replace(ctx, s.touches, t.ID, t)
}

// SaveSnapshots upserts daily health snapshots by their id.
func (s *Store) SaveSnapshots(ctx context.Context, snaps []store.Snapshot) error {
	models := make([]mongo.WriteModel, len(snaps))
	for i, sn := range snaps {
		models[i] = mongo.NewReplaceOneModel().SetFilter(byID(sn.ID)).SetReplacement(sn).SetUpsert(true)
	}
	return s.bulk(ctx, s.snapshots, models)
}

// AddSnapshots records the snapshots of accounts that have none for their
// day yet: a day's snapshot is its first computation (the nightly refresh,
// or the first write of the day), so a busy day of rescoring costs inserts,
// which the embedded store does about 20 times faster than replacements.
func (s *Store) AddSnapshots(ctx context.Context, snaps []store.Snapshot) error {
	return insertNew(ctx, s, s.snapshots, snaps)
}

// insertBatch bounds one insert command. Inserts hold no connection per
// document on the embedded store (only replacements do, see bulkBatch), so
// they go a thousand at a time.
const insertBatch = 1000

// insertNew inserts docs, insertBatch at a time, leaving alone those whose
// _id is there already: for records that are written once and never
// change (snapshots of a day, audit records of a version).
func insertNew[T any](ctx context.Context, s *Store, c *mongo.Collection, docs []T) error {
	for start := 0; start < len(docs); start += insertBatch {
		part := make([]any, 0, insertBatch)
		for _, d := range docs[start:min(start+insertBatch, len(docs))] {
			part = append(part, d)
		}
		_, err := c.InsertMany(ctx, part, options.InsertMany().SetOrdered(false))
		if onlyDuplicates(err) {
			continue // recorded already
		}
		if err != nil {
			return s.fail("write "+c.Name(), err)
		}
	}
	return nil
}

// onlyDuplicates reports whether err says only that some documents were
// there already (duplicate _ids), which a write-once or compare-and-swap
// insert takes as "not this time", not as a failure.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		return !slices.ContainsFunc(bwe.WriteErrors, func(e mongo.BulkWriteError) bool { return e.Code != 11000 })
	}
	return mongo.IsDuplicateKeyError(err)
}

// bulkBatch bounds one bulk write. The embedded FerretDB (v1, SQLite) keeps
// a database connection open for every existing document an update command
// replaces until the command ends, from a pool of 100: a bulk write that
// replaces more than about 100 existing documents blocks forever.
const bulkBatch = 50

// bulk runs writes in batches of bulkBatch.
func (s *Store) bulk(ctx context.Context, c *mongo.Collection, models []mongo.WriteModel) error {
	for start := 0; start < len(models); start += bulkBatch {
		part := models[start:min(start+bulkBatch, len(models))]
		if _, err := c.BulkWrite(ctx, part, options.BulkWrite().SetOrdered(false)); err != nil {
			return s.fail("write "+c.Name(), err)
		}
	}
	return nil
}

// Snapshot reads one account's snapshot of a day.
func (s *Store) Snapshot(ctx context.Context, slug string, day time.Time) (store.Snapshot, error) {
	var sn store.Snapshot
	err := s.findByID(ctx, s.snapshots, store.SnapshotID(slug, day), &sn)
	return sn, err
}

type metaDoc struct {
	ID    string    `bson:"_id"`
	Value string    `bson:"value"`
	At    time.Time `bson:"at"`
}

// Meta reads a small bookkeeping value, e.g. when the index was last rebuilt.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var d metaDoc
	err := s.findByID(ctx, s.meta, key, &d)
	return d.Value, err
}

// SetMeta writes a bookkeeping value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.replace(ctx, s.meta, key, metaDoc{ID: key, Value: value, At: time.Now().UTC()})
}

type claim struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// PruneClaims deletes claims made before the cutoff and reports how many.
// It scans the claims: run it from a nightly job.
func (s *Store) PruneClaims(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.claims.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, s.fail("prune claims", err)
	}
	return res.DeletedCount, nil
}

// Claimed reports whether the work named id was claimed. It does not scan.
func (s *Store) Claimed(ctx context.Context, id string) (bool, error) {
	var c claim
	err := s.findByID(ctx, s.claims, id, &c)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Claim records that the work named id (e.g. "slack-event/Ev123") is being
// done and reports whether this caller is the first: the unique _id decides,
// so of two replicas handling the same delivery only one gets true.
func (s *Store) Claim(ctx context.Context, id string, at time.Time) (bool, error) {
	_, err := s.claims.InsertOne(ctx, claim{ID: id, At: at.UTC()})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("write claims", err)
	}
	return true, nil
}
