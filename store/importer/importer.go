package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/csbot/csbot/store"
)

// Saver writes accounts: the health engine applies each change to the
// account as stored, with a compare-and-swap, and rescores it.
type Saver interface {
	UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error)
}

// DryRun is the Saver of a dry run: it checks every row and writes nothing.
var DryRun Saver = dryRun{}

type dryRun struct{}

func (dryRun) UpdateAll(context.Context, []string, bool, func(*store.Account) error) ([]store.Account, error) {
	return nil, nil
}

// saveBatch is how many accounts go to the Saver at once.
const saveBatch = 500

// Reader reads what an import checks against.
type Reader interface {
	// Account returns store.ErrNotFound when the account does not exist.
	Account(ctx context.Context, slug string) (store.Account, error)
	// Member validates owners.
	Member(ctx context.Context, id string) (store.Member, error)
}

// Report counts what an import did and lists the rows it refused.
type Report struct {
	Created, Updated, Unchanged int
	Errors                      []RowError
}

// String sums the report up in one line.
func (r Report) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged, %d refused", r.Created, r.Updated, r.Unchanged, len(r.Errors))
}

// RowError is a row that was refused; it changed nothing.
type RowError struct {
	// Line is the 1-based line where the CSV record starts, or with Item
	// the 1-based position of the object in a JSON array.
	Line   int
	Slug   string
	Reason string
	Item   bool
}

func (e RowError) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.Item {
		where = fmt.Sprintf("item %d", e.Line)
	}
	if e.Slug != "" {
		where += " (" + e.Slug + ")"
	}
	return where + ": " + e.Reason
}

// ImportAccounts parses data (the contents of the file called name) and
// upserts every good row through s. A file it cannot read as a whole (not
// CSV or JSON, a syntax error, an unknown column) is refused with an error
// before anything is written; bad rows are listed in the report and the
// other rows are still imported. A store error stops the import and is
// returned with the report of what was done so far.
func ImportAccounts(ctx context.Context, r Reader, s Saver, name string, data []byte) (Report, error) {
	rows, err := parseFile(name, data)
	if err != nil {
		return Report{}, err
	}
	return upsertAll(ctx, r, s, rows)
}

// row is one parsed record with where it came from.
type row struct {
	line int
	item bool
	p    patch
	err  error
}

func (r row) where() string {
	if r.item {
		return fmt.Sprintf("in item %d", r.line)
	}
	return fmt.Sprintf("on line %d", r.line)
}

var (
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
	utf16LE  = []byte{0xFF, 0xFE}
	utf16BE  = []byte{0xFE, 0xFF}
	notTable = "not CSV or JSON; export the sheet as CSV with a header row"
)

// parseFile picks the format by extension, else by content, and parses
// every row without touching the store.
func parseFile(name string, data []byte) ([]row, error) {
	isJSON, data, err := Format(name, data)
	if err != nil {
		return nil, err
	}
	if isJSON {
		return parseJSON(name, data)
	}
	return parseCSV(name, data)
}

// Format tells whether the file called name holds JSON (else CSV) by its
// extension, else by its content, and returns data without a UTF-8 byte
// order mark. It refuses UTF-16 text and anything that is neither.
func Format(name string, data []byte) (isJSON bool, text []byte, err error) {
	if bytes.HasPrefix(data, utf16LE) || bytes.HasPrefix(data, utf16BE) {
		return false, nil, fmt.Errorf("%s: UTF-16 text; export the sheet as \"CSV UTF-8\"", name)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return false, data, nil
	case ".json":
		return true, data, nil
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		return true, data, nil
	case looksLikeText(data):
		return false, data, nil
	}
	return false, nil, fmt.Errorf("%s: %s", name, notTable)
}

// looksLikeText reports whether data could be a CSV file: UTF-8 text with
// no control characters but tabs and line ends.
func looksLikeText(data []byte) bool {
	if len(bytes.TrimSpace(data)) == 0 || !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return true
}

// header is a parsed header row: the column of each cell.
type header []*column

// parseHeader maps header cells (or JSON field names) to columns.
func parseHeader(cells []string) (header, error) {
	h := make(header, len(cells))
	seen := map[string]bool{}
	var errs []string
	for i, cell := range cells {
		name := headerName(cell)
		c := columnByName[name]
		switch {
		case c == nil:
			errs = append(errs, unknownColumn("column", cell).Error())
		case seen[name]:
			errs = append(errs, fmt.Sprintf("column %s appears twice", name))
		}
		seen[name] = true
		h[i] = c
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	if !seen[colSlug] && !seen[colName] {
		return nil, errors.New("needs a slug or a name column to tell which account each row is")
	}
	return h, nil
}

// patch is what one row says about an account: the values of the columns
// it has, which are the only ones it changes.
type patch struct {
	slug string
	vals store.Account
	cols []*column
}

func (p patch) has(name string) bool {
	for _, c := range p.cols {
		if c.name == name {
			return true
		}
	}
	return false
}

// apply copies the row's columns onto a.
func (p patch) apply(a *store.Account) {
	for _, c := range p.cols {
		c.copy(a, &p.vals)
	}
}

// parseRow parses one record under h. It reads no store, so it can be
// fuzzed. The patch's slug is filled in whenever the row names one, even
// when the row is refused, so that errors can say which account it was.
func parseRow(h header, record []string) (patch, error) {
	var p patch
	var errs []string
	if len(record) != len(h) {
		reason := fmt.Sprintf("has %d cells but the header has %d", len(record), len(h))
		if len(record) > len(h) {
			reason += ` (quote values that contain commas, e.g. "120,000")`
		}
		errs = append(errs, reason)
	}
	var slugCell string
	for i, c := range h {
		if i >= len(record) {
			break
		}
		s := strings.TrimSpace(record[i])
		if c.name == colSlug {
			slugCell = s
		}
		if err := c.set(&p.vals, s); err != nil {
			errs = append(errs, c.name+": "+err.Error())
		}
		p.cols = append(p.cols, c)
	}
	switch {
	case slugCell != "":
		p.slug = slugCell
	case p.vals.Name != "":
		p.slug = store.Slugify(p.vals.Name)
		if p.slug == "" {
			errs = append(errs, fmt.Sprintf("slug: cannot be derived from name %q; fill in the slug column", p.vals.Name))
		}
		p.vals.Slug = p.slug
	case len(errs) == 0:
		errs = append(errs, "slug: is required (or a name to derive it from)")
	}
	if len(errs) > 0 {
		return p, errors.New(strings.Join(errs, "; "))
	}
	return p, nil
}

// isBlank reports whether every cell of a record is empty, as spreadsheets
// export for rows that were only formatted.
func isBlank(record []string) bool {
	for _, c := range record {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// upsertAll checks each parsed row against the store and saves what
// changed, saveBatch accounts at a time. Each row's changes are applied
// again to the account as stored when written, so an edit made meanwhile
// (a note, a new owner) stays.
func upsertAll(ctx context.Context, r Reader, s Saver, rows []row) (Report, error) {
	var rep Report
	first := map[string]row{}
	owners := map[string]string{} // owner id -> reason it is refused, "" when fine
	pending := map[string]patch{}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		slugs := slices.Collect(maps.Keys(pending))
		_, err := s.UpdateAll(ctx, slugs, true, func(a *store.Account) error {
			pending[a.Slug].apply(a)
			return nil
		})
		clear(pending)
		if err != nil {
			return fmt.Errorf("save accounts: %w", err)
		}
		return nil
	}
	for _, rw := range rows {
		if rw.p.slug != "" {
			if earlier, dup := first[rw.p.slug]; dup {
				rw.err = fmt.Errorf("slug %s already %s", rw.p.slug, earlier.where())
			} else {
				first[rw.p.slug] = rw
			}
		}
		if rw.err == nil {
			save, reason, err := check(ctx, r, rw.p, owners, &rep)
			if err != nil {
				return rep, err
			}
			if reason != "" {
				rw.err = errors.New(reason)
			}
			if save {
				pending[rw.p.slug] = rw.p
			}
		}
		if rw.err != nil {
			rep.Errors = append(rep.Errors, RowError{Line: rw.line, Slug: rw.p.slug, Reason: rw.err.Error(), Item: rw.item})
		}
		if len(pending) >= saveBatch {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	return rep, flush()
}

// check decides what one good row does: whether it changes the account,
// counted in rep, or the reason it is refused, or an error that stops the
// import.
func check(ctx context.Context, r Reader, p patch, owners map[string]string, rep *Report) (save bool, reason string, err error) {
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	a, err := r.Account(ctx, p.slug)
	isNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !isNew {
		return false, "", fmt.Errorf("read account %s: %w", p.slug, err)
	}
	if isNew {
		a = store.Account{Slug: p.slug}
	}
	before := a
	p.apply(&a)
	if isNew {
		var missing []string
		if a.Name == "" {
			missing = append(missing, "name")
		}
		if a.Tier == "" {
			missing = append(missing, "tier")
		}
		if a.Phase == "" {
			missing = append(missing, "phase")
		}
		if len(missing) > 0 {
			return false, fmt.Sprintf("new account needs %s", strings.Join(missing, ", ")), nil
		}
	}
	if p.has(colOwner) && a.Owner != "" {
		reason, checked := owners[a.Owner]
		if !checked {
			_, err := r.Member(ctx, a.Owner)
			switch {
			case errors.Is(err, store.ErrNotFound):
				reason = fmt.Sprintf("owner: %s is not a registered member; add them first or fix the id", a.Owner)
			case err != nil:
				return false, "", fmt.Errorf("read member %s: %w", a.Owner, err)
			}
			owners[a.Owner] = reason
		}
		if reason != "" {
			return false, reason, nil
		}
	}
	if !isNew && same(before, a) {
		rep.Unchanged++
		return false, "", nil
	}
	if isNew {
		rep.Created++
	} else {
		rep.Updated++
	}
	return true, "", nil
}

// same reports whether two accounts hold the same data, ignoring their
// health history and update time, and comparing times at the millisecond
// precision the store keeps.
func same(a, b store.Account) bool {
	return reflect.DeepEqual(comparable(a), comparable(b))
}

func comparable(a store.Account) store.Account {
	a.History, a.UpdatedAt = store.History{}, time.Time{}
	for _, t := range []*time.Time{&a.Renewal, &a.PhaseStart, &a.NPSDate, &a.LastTouch} {
		*t = normTime(*t)
	}
	if len(a.Milestones) == 0 {
		a.Milestones = nil
	} else {
		ms := make([]store.Milestone, len(a.Milestones))
		for i, m := range a.Milestones {
			m.Due = normTime(m.Due)
			if m.Done != nil {
				d := normTime(*m.Done)
				m.Done = &d
			}
			ms[i] = m
		}
		a.Milestones = ms
	}
	return a
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}
