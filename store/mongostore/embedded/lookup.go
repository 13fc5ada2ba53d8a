package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// FieldLookup finds the _ids of a collection's documents by the values of
// some of their string fields, or by a date field older than a time,
// through a SQLite index on those fields.
// FerretDB v1 answers any filter but one on _id alone by decoding every
// document of the collection: over an audit trail that grows by a record
// per account a day, a read of one account's records would take minutes
// within a year. It reads the table FerretDB keeps, in the layout of
// v1.24.2 (the last v1, so the layout will not move), as IndexIDLookups
// does; the documents themselves are then read through FerretDB by _id.
type FieldLookup struct {
	stmt *sql.Stmt
}

var fieldName = regexp.MustCompile(`^[a-z_]+$`)

// NewFieldLookup indexes the named string fields of collection, which
// must exist, and prepares their lookup by equal values (IDs). Close it
// before Stop.
func (e *Server) NewFieldLookup(ctx context.Context, database, collection string, fields ...string) (*FieldLookup, error) {
	return e.newLookup(ctx, database, collection, fields, "=")
}

// NewTimeLookup indexes the date field of collection, which must exist,
// and prepares the lookup of documents older than a time (Before). Close
// it before Stop.
func (e *Server) NewTimeLookup(ctx context.Context, database, collection, field string) (*FieldLookup, error) {
	return e.newLookup(ctx, database, collection, []string{field}, "<")
}

func (e *Server) newLookup(ctx context.Context, database, collection string, fields []string, op string) (*FieldLookup, error) {
	exprs := make([]string, len(fields))
	for i, f := range fields {
		if !fieldName.MatchString(f) {
			return nil, fmt.Errorf("embedded store: lookup field %q: letters and _ only", f)
		}
		exprs[i] = fieldExpr(f)
	}
	db, err := e.lookupDB(database)
	if err != nil {
		return nil, err
	}
	return prepareLookup(ctx, db, collection, fields, exprs, op)
}

// lookupDB is the SQLite handle the lookups of database share, opened on
// first use.
func (e *Server) lookupDB(database string) (*sql.DB, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if db, ok := e.lookups[database]; ok {
		return db, nil
	}
	db, err := e.SQLite(database)
	if err != nil {
		return nil, err
	}
	if e.lookups == nil {
		e.lookups = map[string]*sql.DB{}
	}
	e.lookups[database] = db
	return db, nil
}

func prepareLookup(ctx context.Context, db *sql.DB, collection string, fields, exprs []string, op string) (*FieldLookup, error) {
	table, ok, err := tableOf(ctx, db, collection)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("embedded store: no collection %s to index", collection)
	}
	index := table + "_" + strings.Join(fields, "_")
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, index, table, strings.Join(exprs, ", "))); err != nil {
		return nil, fmt.Errorf("embedded store: index %s: %w", index, err)
	}
	stmt, err := db.PrepareContext(ctx, lookupQuery(table, exprs, op))
	if err != nil {
		return nil, fmt.Errorf("embedded store: lookup on %s: %w", table, err)
	}
	return &FieldLookup{stmt: stmt}, nil
}

// IDs lists the _id (a string) of every document of collection, in the
// order they were written, from SQLite and without FerretDB: a scan of
// FerretDB's keeps a SQLite read transaction open until its cursor ends,
// and while one is open SQLite cannot checkpoint its write-ahead log, so
// every commit made meanwhile sorts the whole, growing log again (a
// 20,000-account health refresh spent half its CPU there, and its log grew
// by 250 MB a minute). A caller that writes as it goes reads the documents
// by these ids instead.
func (e *Server) IDs(ctx context.Context, database, collection string) ([]string, error) {
	db, err := e.lookupDB(database)
	if err != nil {
		return nil, err
	}
	table, ok, err := tableOf(ctx, db, collection)
	if err != nil || !ok {
		return nil, err // FerretDB creates a collection's table on its first write
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT _ferretdb_sjson->>'$._id' FROM %q ORDER BY rowid`, table))
	if err != nil {
		return nil, fmt.Errorf("embedded store: list %s: %w", collection, err)
	}
	return scanIDs(rows)
}

// tableOf is the SQLite table FerretDB keeps collection in; false when it
// has none yet.
func tableOf(ctx context.Context, db *sql.DB, collection string) (string, bool, error) {
	tables, err := CollectionTables(ctx, db)
	if err != nil {
		return "", false, err
	}
	table, ok := tables[collection]
	return table, ok, nil
}

// fieldExpr is a top-level field of FerretDB's stored document: a string
// as SQL text, a date as its milliseconds since 1970 (FerretDB's sjson).
func fieldExpr(f string) string { return fmt.Sprintf(`_ferretdb_sjson->>'$.%s'`, f) }

// lookupQuery selects the _ids of table's documents whose exprs compare by
// op (= or <) to the query's arguments.
func lookupQuery(table string, exprs []string, op string) string {
	where := make([]string, len(exprs))
	for i, x := range exprs {
		where[i] = x + " " + op + " ?"
	}
	return fmt.Sprintf(`SELECT _ferretdb_sjson->>'$._id' FROM %q WHERE %s`, table, strings.Join(where, " AND "))
}

// IDs returns the _ids of the documents whose fields hold values, in the
// order of the fields given to NewFieldLookup.
func (l *FieldLookup) IDs(ctx context.Context, values ...string) ([]string, error) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return l.query(ctx, args...)
}

// Before returns the _ids of the documents whose date (NewTimeLookup) is
// before t.
func (l *FieldLookup) Before(ctx context.Context, t time.Time) ([]string, error) {
	return l.query(ctx, t.UnixMilli())
}

func (l *FieldLookup) query(ctx context.Context, args ...any) ([]string, error) {
	rows, err := l.stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("embedded store: lookup: %w", err)
	}
	return scanIDs(rows)
}

// scanIDs reads rows of one string each, and closes them.
func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("embedded store: read ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded store: read ids: %w", err)
	}
	return ids, nil
}

// Close releases the lookup's prepared statement (the SQLite handle is the
// Server's, closed by Stop).
func (l *FieldLookup) Close() error { return l.stmt.Close() }
