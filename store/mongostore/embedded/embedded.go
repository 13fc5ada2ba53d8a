// Package embedded runs FerretDB (v1, SQLite handler) inside the csbot
// process, so csbot works with no MongoDB: the store talks to it over the
// MongoDB wire protocol with the same driver as to a real server.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // registers the "sqlite" driver FerretDB also uses
)

// Server is an in-process FerretDB serving the SQLite files in a folder.
type Server struct {
	dir  string
	uri  string
	lock *os.File
	// unclean says the previous process on the folder ended without Stop.
	unclean bool
	// recover keeps the holder record at Stop, so the next Start reports
	// Unclean (see RecoverNextStart).
	recover atomic.Bool
	cancel  context.CancelFunc
	done    chan struct{}
	// lookups is the SQLite handle every FieldLookup of a database shares
	// (see lookupDB); Stop closes them.
	mu      sync.Mutex
	lookups map[string]*sql.DB
}

// socketFile is the Unix socket FerretDB listens on, inside the data
// folder: no TCP port, and only the folder's owner can reach it.
const socketFile = "ferretdb.sock"

// Start serves the SQLite files in dir ("data" when empty), creating the
// folder when missing and making it private to this user. It holds the
// folder until Stop: a second Start on it, here or in another process,
// fails with ErrInUse.
func Start(ctx context.Context, dir string, log *slog.Logger) (*Server, error) {
	abs, sock, err := Paths(dir)
	if err != nil {
		return nil, err
	}
	if err := privateFolder(abs, log); err != nil {
		return nil, err
	}
	lf, unclean, err := lock(abs)
	if err != nil {
		return nil, err
	}
	f, err := newFerretDB(abs, sock, log)
	if err != nil {
		lf.Close() // keeps this record: the next start recovers as after a crash
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Server{dir: abs, lock: lf, unclean: unclean, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI waits for the listener Run opens. Its URI escapes the
	// socket path as a URL path, which leaves a comma (a host separator in
	// MongoDB URIs) as it is; the driver query-unescapes hosts.
	f.MongoDBURI()
	e.uri = "mongodb://" + url.QueryEscape(sock) + "/"
	return e, nil
}

// walLimit is the size in bytes the write-ahead log of a database is cut
// back to when it starts over.
var walLimit int64 = 64 << 20

// newFerretDB sets up FerretDB on the folder's SQLite files, listening on
// sock. Call it holding the folder's lock.
func newFerretDB(dir, sock string, log *slog.Logger) (*ferretdb.FerretDB, error) {
	// A process killed while serving leaves its socket file, which would
	// make the listen fail; holding the lock, we know it is stale.
	if err := os.Remove(sock); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("embedded store: remove stale socket %s: %w", sock, err)
	}
	// FerretDB logs every wire message at debug level; keep it to warnings.
	quiet := minLevel{base: log.With("component", "ferretdb").Handler(), level: slog.LevelWarn}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{Unix: sock},
		Handler:  "sqlite",
		// WAL with synchronous=NORMAL syncs at checkpoints, not at every
		// commit: FerretDB commits each replaced document on its own, and an
		// fsync each (1.5-2 ms here) made a 10,000-account ingest take 40 s.
		// A crash of csbot loses nothing; a power cut may lose the last
		// commits, never the database's consistency.
		//
		// The log cannot start over while the writes keep coming and reads
		// interleave them (a nightly refresh of 100,000 accounts grows it
		// by about 13 KB an account); journal_size_limit cuts the file
		// back once it can, instead of keeping its largest size on disk.
		SQLiteURL: (&url.URL{Scheme: "file", Opaque: (&url.URL{Path: dir + "/"}).EscapedPath(),
			RawQuery: fmt.Sprintf("_pragma=synchronous(normal)&_pragma=journal_size_limit(%d)", walLimit)}).String(),
		Logger: slog.New(quiet),
	})
	if err != nil {
		return nil, fmt.Errorf("embedded store in %s: %w", dir, err)
	}
	return f, nil
}

// Paths returns the absolute data folder for dir ("data" when empty) and
// the socket inside it, or an error when the socket path would be longer
// than the system allows.
func Paths(dir string) (abs, socket string, err error) {
	if dir == "" {
		dir = "data"
	}
	abs, err = filepath.Abs(dir)
	if err != nil {
		return "", "", fmt.Errorf("embedded store: data folder %q: %w", dir, err)
	}
	socket = filepath.Join(abs, socketFile)
	if len(socket) > maxSocketPath {
		return "", "", fmt.Errorf("embedded store: the socket path %s is %d bytes, over the system's limit of %d: set CSBOT_DATA_DIR (or --data) to a folder with a path at most %d bytes long", socket, len(socket), maxSocketPath, maxSocketPath-len(socketFile)-1)
	}
	return abs, socket, nil
}

// privateFolder creates dir with mode 0700, or narrows an existing one to
// it, so that other users can reach neither the socket nor the files.
func privateFolder(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("embedded store: create data folder %s: %w (set CSBOT_DATA_DIR to a writable folder)", dir, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("embedded store: data folder %s: %w", dir, err)
	}
	if Private(info.Mode()) {
		return nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("embedded store: make data folder %s private (mode 0700): %w (run csbot as the folder's owner, or chmod 700 it)", dir, err)
	}
	log.Info("embedded store: data folder made private", "dir", dir, "was", fmt.Sprintf("%04o", info.Mode().Perm()), "now", "0700")
	return nil
}

// Stop ends the server, waiting up to 10 seconds for it, and releases the
// data folder.
func (e *Server) Stop() {
	e.mu.Lock()
	for _, db := range e.lookups {
		db.Close()
	}
	e.lookups = nil
	e.mu.Unlock()
	e.cancel()
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
	}
	if e.recover.Load() {
		e.lock.Close()
		return
	}
	unlock(e.lock)
}

// RecoverNextStart makes the next Start on the folder report Unclean, as
// after a crash: this process leaves records it could not write.
func (e *Server) RecoverNextStart() { e.recover.Store(true) }

// Unclean reports whether the process that held the folder before this
// one ended without Stop: writes it made may have records still pending
// (see mongostore's audit sweep).
func (e *Server) Unclean() bool { return e.unclean }

// IndexIDLookups works around FerretDB v1's SQLite handler: it queries
// `_ferretdb_sjson->'$._id' = ?` but indexes `_ferretdb_sjson->"_id"`, which
// SQLite does not treat as the same expression, so every _id lookup scans
// the table. An index on the exact query expression turns the scan into a
// search (measured: 138 ms -> 1.4 ms per lookup over 10,000 accounts).
func (e *Server) IndexIDLookups(ctx context.Context, database string) error {
	db, err := e.lookupDB(database)
	if err != nil {
		return err
	}
	tables, err := CollectionTables(ctx, db)
	if err != nil {
		return err
	}
	for _, table := range tables {
		stmt := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_id_lookup", table)
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("embedded store: index %s: %w", table, err)
		}
	}
	return nil
}

// SQLite opens the SQLite file of a database, for checks FerretDB cannot
// make (which index a query uses). Close it after use.
func (e *Server) SQLite(database string) (*sql.DB, error) {
	path := filepath.Join(e.dir, database+".sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("embedded store: open %s: %w", path, err)
	}
	return db, nil
}

// Plan is SQLite's query plan for query with args, its steps joined by
// "; ": which index a query uses (see SQLite).
func Plan(ctx context.Context, db *sql.DB, query string, args ...any) (string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", fmt.Errorf("embedded store: plan: %w", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", fmt.Errorf("embedded store: plan: %w", err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}

// CollectionTables maps FerretDB's collections to their SQLite tables.
func CollectionTables(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, fmt.Errorf("embedded store: list collections: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, fmt.Errorf("embedded store: list collections: %w", err)
		}
		out[name] = table
	}
	return out, rows.Err()
}

// minLevel drops records below a level whatever the wrapped handler allows,
// FerretDB's wire dumps, which it logs at warning level when a client sends
// a command it lacks (the driver's endSessions on disconnect), and its
// warning that a client reset its connection: the only client is this
// process, whose driver may close a socket with a reply still unread when
// it disconnects. In the console those lines landed in the conversation.
//
// FerretDB derives a logger (With) for every SQL statement it runs, and a
// text handler formats the attributes at once: 4% of a re-import's CPU. So
// the derivations are kept as steps and applied only to a record that is
// written, which is rare.
type minLevel struct {
	base  slog.Handler
	level slog.Level
	steps []func(slog.Handler) slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.base.Enabled(ctx, l)
}

func (h minLevel) Handle(ctx context.Context, r slog.Record) error {
	for _, dump := range []string{"Request header", "Request message", "Response header", "Response message"} {
		if strings.HasPrefix(r.Message, dump) {
			return nil
		}
	}
	if r.Message == "Connection stopped" && closedByClient(r) {
		return nil
	}
	out := h.base
	for _, step := range h.steps {
		out = step(out)
	}
	return out.Handle(ctx, r)
}

// closedByClient tells whether a record's error is the client's side of
// the socket going away. FerretDB logs the error as text.
func closedByClient(r slog.Record) bool {
	closed := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			msg := a.Value.String()
			closed = strings.Contains(msg, "connection reset by peer") || strings.Contains(msg, "broken pipe")
			return false
		}
		return true
	})
	return closed
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return h.then(func(next slog.Handler) slog.Handler { return next.WithAttrs(as) })
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return h.then(func(next slog.Handler) slog.Handler { return next.WithGroup(name) })
}

func (h minLevel) then(step func(slog.Handler) slog.Handler) minLevel {
	h.steps = append(slices.Clip(h.steps), step)
	return h
}

// URI is the address the server speaks the MongoDB wire protocol on: its
// Unix socket, URL-escaped in the host part.
func (e *Server) URI() string { return e.uri }

// Dir is the absolute path of the data folder.
func (e *Server) Dir() string { return e.dir }
