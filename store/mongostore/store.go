// Package mongostore is csbot's store on MongoDB (driver v2): the
// repository behind the domain types of package store. With no MONGODB_URI
// it starts the embedded FerretDB (package embedded) in-process and talks
// to it through the same driver, so every code path is the MongoDB one.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
	"golang.org/x/sync/errgroup"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore/embedded"
)

// Config says where the data lives.
type Config struct {
	// URI of a MongoDB deployment; empty starts the embedded store in DataDir.
	URI      string
	DataDir  string
	Database string
	Logger   *slog.Logger
	// Monitor, when set, is told of every database command: tests count a
	// command's round trips with it.
	Monitor *event.CommandMonitor
	// AuditRetention is how long the audit trail keeps a record (PruneAudit);
	// 0 keeps every record.
	AuditRetention time.Duration
}

// Store is the MongoDB repository of csbot.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *embedded.Server
	log      *slog.Logger

	accounts, members, identities, teams, touches, snapshots, index, meta, claims, outbox, locks, checklists, ledger, leases, audit *mongo.Collection

	shardLocks  [indexShards]sync.Mutex
	closeOnce   sync.Once
	onError     func(op string, unavailable bool)
	memberCache *memberCache
	// The account cache is set on the embedded store only.
	accountCache *accountCache
	// auditKeep is Config.AuditRetention.
	auditKeep  time.Duration
	unrecorded unrecorded
	// oneIDQueries is set when the server indexes only a query for exactly
	// one _id (FerretDB v1): byIDs then reads ids one query each.
	oneIDQueries bool
	// auditSubjects and auditBefore find the embedded store's audit records
	// of a subject, and those older than a time (on MongoDB, indexes do).
	auditSubjects, auditBefore *embedded.FieldLookup
}

// collections lists every collection csbot uses, so start-up can create them
// (and, on the embedded store, their _id lookup index) before first use.
var collections = []string{"accounts", "members", "identities", "teams", "touches", "health_snapshots", "account_index", "meta", "claims", "outbox", "locks", "checklists", "ledger", "leases", "audit"}

// Open connects to cfg.URI, or starts the embedded store when it is empty,
// and prepares collections and indexes. Close releases everything.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database == "" {
		cfg.Database = "csbot"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{log: cfg.Logger, memberCache: &memberCache{}, auditKeep: cfg.AuditRetention}
	uri := cfg.URI
	if uri == "" {
		emb, err := embedded.Start(ctx, cfg.DataDir, cfg.Logger)
		if err != nil {
			return nil, err
		}
		s.embedded = emb
		s.accountCache = &accountCache{}
		uri = emb.URI()
	}
	// fail releases what Open made; a folder its last process left
	// unclosed stays marked so, for the next open to sweep.
	fail := func(err error) (*Store, error) {
		if s.embedded != nil && s.embedded.Unclean() {
			s.embedded.RecoverNextStart()
		}
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second).SetAppName("csbot").SetMonitor(cfg.Monitor))
	if err != nil {
		return fail(fmt.Errorf("connect to MongoDB: %w (check MONGODB_URI)", err))
	}
	s.client = client
	s.db = client.Database(cfg.Database)
	s.accounts = s.db.Collection("accounts")
	s.members = s.db.Collection("members")
	s.identities = s.db.Collection("identities")
	s.teams = s.db.Collection("teams")
	s.touches = s.db.Collection("touches")
	s.snapshots = s.db.Collection("health_snapshots")
	s.index = s.db.Collection("account_index")
	s.meta = s.db.Collection("meta")
	s.claims = s.db.Collection("claims")
	s.outbox = s.db.Collection("outbox")
	s.locks = s.db.Collection("locks")
	s.checklists = s.db.Collection("checklists")
	s.ledger = s.db.Collection("ledger")
	s.leases = s.db.Collection("leases")
	s.audit = s.db.Collection("audit")
	if err := s.prepare(ctx, cfg); err != nil {
		return fail(err)
	}
	if err := s.knowIfEmpty(ctx); err != nil {
		return fail(err)
	}
	if s.embedded != nil && s.embedded.Unclean() {
		// The last process on this folder stopped without closing the
		// store: records of its last writes may wait in their documents,
		// and this process (an import, say) could overwrite them unread.
		s.log.WarnContext(ctx, "the last csbot on this data folder stopped without closing it; checking the audit trail for records it left (about 1 s per 1,000 accounts, once)", "folder", s.embedded.Dir())
		n, err := s.SweepAudit(ctx)
		if err != nil {
			return fail(fmt.Errorf("recover the audit records left by a csbot that stopped without closing %s: %w", s.embedded.Dir(), err))
		}
		s.log.InfoContext(ctx, "audit trail checked", "folder", s.embedded.Dir(), "records", n)
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context, cfg Config) error {
	if err := s.Ping(ctx); err != nil {
		return err
	}
	// FerretDB names its version (v1's "unknown" when built in as a
	// library, as the embedded store is); MongoDB does not.
	var build struct {
		FerretDB *string `bson:"ferretdbVersion"`
	}
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&build); err != nil {
		return s.fail("ask the server its version", err)
	}
	s.oneIDQueries = build.FerretDB != nil && !strings.HasPrefix(*build.FerretDB, "v2.")
	existing, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return s.fail("list collections", err)
	}
	for _, name := range collections {
		if containsString(existing, name) {
			continue
		}
		if err := s.db.CreateCollection(ctx, name); err != nil && !isNamespaceExists(err) {
			return s.fail("create collection "+name, err)
		}
	}
	if s.embedded != nil {
		if err := s.embedded.IndexIDLookups(ctx, cfg.Database); err != nil {
			return err
		}
		var err error
		if s.auditSubjects, err = s.embedded.NewFieldLookup(ctx, cfg.Database, "audit", "kind", "subject"); err != nil {
			return err
		}
		if s.auditBefore, err = s.embedded.NewTimeLookup(ctx, cfg.Database, "audit", "at"); err != nil {
			return err
		}
	} else if err := s.ensureIndexes(ctx, s.audit, map[string]bson.D{
		"kind_1_subject_1_at_1": {{Key: "kind", Value: 1}, {Key: "subject", Value: 1}, {Key: "at", Value: 1}}, // /cs audit
		"at_1":                  {{Key: "at", Value: 1}},                                                      // the export and the nightly prune
	}); err != nil {
		return err
	}
	// On MongoDB, documents written before versions were kept get version
	// 1, so that a compare-and-swap finds them and a stored account never
	// reads as one not yet created (version 0; csbot once wrote 0 here).
	// (The embedded store's compare-and-swap filters on _id alone, under
	// casLock.)
	unversioned := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "version", Value: 0}},
	}}}
	for _, c := range []*mongo.Collection{s.accounts, s.members, s.teams} {
		if s.embedded != nil {
			break
		}
		if _, err := c.UpdateMany(ctx, unversioned, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 1}}}}); err != nil {
			return s.fail("write "+c.Name()+" versions", err)
		}
	}
	return s.migrateLedger(ctx)
}

// Backend names what the store runs on, for logs and the console banner.
func (s *Store) Backend() string {
	if s.embedded != nil {
		return "embedded FerretDB (SQLite) in " + s.embedded.Dir()
	}
	return "MongoDB"
}

// EmbeddedURI is the Unix-socket URI the embedded store serves the MongoDB
// wire protocol on, or "" with MONGODB_URI: for tools and tests that speak
// to it as to any server.
func (s *Store) EmbeddedURI() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.URI()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// DropDatabase deletes the whole database: for throwaway databases only
// (the load test's on a real server).
func (s *Store) DropDatabase(ctx context.Context) error {
	if err := s.db.Drop(ctx); err != nil {
		return s.fail("drop database", err)
	}
	return nil
}

// Close disconnects and stops the embedded store, if any. Closing twice is
// harmless.
func (s *Store) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		if s.embedded != nil {
			s.markUnrecorded(ctx)
		}
		if s.client != nil {
			err = s.client.Disconnect(ctx)
		}
		for _, l := range []*embedded.FieldLookup{s.auditSubjects, s.auditBefore} {
			if l != nil {
				err = errors.Join(err, l.Close())
			}
		}
		s.stopEmbedded()
	})
	return err
}

// markUnrecorded inserts the records whose insert failed here; those it
// cannot, and those of a write that failed part way, are pending in their
// documents only, so the folder is marked for the next open to sweep.
func (s *Store) markUnrecorded(ctx context.Context) {
	start := s.unrecorded.take()
	failed := len(start.failed) > 0 && s.recordAudit(ctx, start.failed...) != nil
	if start.doubt || failed {
		s.embedded.RecoverNextStart()
	}
}

func (s *Store) stopEmbedded() {
	if s.embedded != nil {
		s.embedded.Stop()
	}
}

// fail wraps err with what was being done, marking outages as ErrUnavailable.
func (s *Store) fail(what string, err error) error {
	var sel topology.ServerSelectionError
	unavailable := mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &sel) || errors.Is(err, topology.ErrTopologyClosed) || errors.Is(err, mongo.ErrClientDisconnected)
	if fn := s.onError; fn != nil {
		op, _, _ := strings.Cut(what, " ") // "read", "write"...: what may name an account
		fn(op, unavailable)
	}
	if unavailable {
		return fmt.Errorf("%s: %w: %w", what, store.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// OnError sets a function told of every failed database operation: its
// kind ("read", "write", "ping"...) and whether the database was
// unreachable. Set it before use; it is for metrics.
func (s *Store) OnError(fn func(op string, unavailable bool)) { s.onError = fn }

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists")
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// findByID decodes the document with the given _id into out.
func (s *Store) findByID(ctx context.Context, c *mongo.Collection, id string, out any) error {
	err := c.FindOne(ctx, byID(id)).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("%s %q: %w", c.Name(), id, store.ErrNotFound)
	}
	if err != nil {
		return s.fail("read "+c.Name(), err)
	}
	return nil
}

// ensureIndexes creates those of the named indexes c lacks. (FerretDB v1
// panics on a createIndexes of an index that exists, so the names are
// checked first.)
func (s *Store) ensureIndexes(ctx context.Context, c *mongo.Collection, keys map[string]bson.D) error {
	specs, err := c.Indexes().ListSpecifications(ctx)
	if err != nil {
		return s.fail("list the indexes of "+c.Name(), err)
	}
	var missing []mongo.IndexModel
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		if !slices.ContainsFunc(specs, func(sp mongo.IndexSpecification) bool { return sp.Name == name }) {
			missing = append(missing, mongo.IndexModel{Keys: keys[name], Options: options.Index().SetName(name)})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.Indexes().CreateMany(ctx, missing); err != nil {
		return s.fail("index "+c.Name(), err)
	}
	return nil
}

// idReaders is how many single-_id reads byIDs keeps in flight.
const idReaders = 8

// byIDs reads the documents of c whose _id is in ids, in no particular
// order, leaving out the ids c does not hold. MongoDB answers one $in
// query from its _id index. FerretDB v1 answers from an index only a
// filter of exactly one _id and scans the whole collection for anything
// else, so there each id is a query of its own, idReaders at a time
// (measured on a 10,000-row import into an outside FerretDB: the $in
// scans were 68% of 54 s).
func (s *Store) byIDs(ctx context.Context, c *mongo.Collection, ids []string) ([]bson.Raw, error) {
	if !s.oneIDQueries {
		cur, err := c.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, s.fail("read "+c.Name(), err)
		}
		defer cur.Close(context.WithoutCancel(ctx))
		var docs []bson.Raw
		for cur.Next(ctx) {
			docs = append(docs, slices.Clone(cur.Current))
		}
		if err := cur.Err(); err != nil {
			return nil, s.fail("read "+c.Name(), err)
		}
		return docs, nil
	}
	found := make([]bson.Raw, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(idReaders)
	for i, id := range ids {
		g.Go(func() error {
			raw, err := c.FindOne(gctx, byID(id)).Raw()
			if errors.Is(err, mongo.ErrNoDocuments) {
				return nil
			}
			if err != nil {
				return s.fail("read "+c.Name(), err)
			}
			found[i] = raw
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(found, func(raw bson.Raw) bool { return raw == nil }), nil
}

// eachDoc calls fn with each document of c. On the embedded store it
// lists the collection's ids from SQLite and reads them by _id, scanBatch
// at a time, so that no read is open while fn writes (see
// embedded.Server.IDs); elsewhere it is one cursor.
func (s *Store) eachDoc(ctx context.Context, c *mongo.Collection, fn func(bson.Raw) error) error {
	if s.embedded != nil {
		ids, err := s.embedded.IDs(ctx, c.Database().Name(), c.Name())
		if err != nil {
			return s.fail("read "+c.Name(), err)
		}
		for start := 0; start < len(ids); start += scanBatch {
			docs, err := s.byIDs(ctx, c, ids[start:min(start+scanBatch, len(ids))])
			if err != nil {
				return err
			}
			for _, doc := range docs {
				if err := fn(doc); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return s.cursorScan(ctx, c, fn)
}

// cursorScan calls fn with each document of c through one cursor: on the
// embedded store only for a scan whose fn writes nothing (the cache's
// warm-up: 27-31 s against 35.5 s by _id at 100,000 accounts). Other
// writes while it runs cannot checkpoint the log past it, which costs
// little for the few writes of chat commands.
func (s *Store) cursorScan(ctx context.Context, c *mongo.Collection, fn func(bson.Raw) error) error {
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetBatchSize(scanBatch))
	if err != nil {
		return s.fail("read "+c.Name(), err)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		if err := fn(cur.Current); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return s.fail("read "+c.Name(), err)
	}
	return nil
}

// decodeByIDs is byIDs decoding each document into a T.
func decodeByIDs[T any](ctx context.Context, s *Store, c *mongo.Collection, ids []string) ([]T, error) {
	raws, err := s.byIDs(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	docs := make([]T, len(raws))
	for i, raw := range raws {
		if err := bson.Unmarshal(raw, &docs[i]); err != nil {
			return nil, fmt.Errorf("read %s: %w", c.Name(), err)
		}
	}
	return docs, nil
}

func (s *Store) replace(ctx context.Context, c *mongo.Collection, id string, doc any) error {
	_, err := c.ReplaceOne(ctx, byID(id), doc, options.Replace().SetUpsert(true))
	if err != nil {
		return s.fail("write "+c.Name(), err)
	}
	return nil
}

func all[T any](ctx context.Context, s *Store, c *mongo.Collection) ([]T, error) {
	cur, err := c.Find(ctx, bson.D{})
	if err != nil {
		return nil, s.fail("read "+c.Name(), err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, s.fail("read "+c.Name(), err)
	}
	return out, nil
}
