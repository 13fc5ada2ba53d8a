package importer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// AccountReader reads accounts, for a dry run.
type AccountReader interface {
	// Accounts returns those of the named accounts that exist.
	Accounts(ctx context.Context, slugs []string) (map[string]store.Account, error)
}

// DryRun is the Saver of a dry run: it reads the accounts from r and runs
// the import's change on copies of them, so every row is checked as a
// real import checks it, and writes nothing.
func DryRun(r AccountReader) Saver { return dryRun{r} }

type dryRun struct{ r AccountReader }

func (d dryRun) UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	found, err := d.r.Accounts(ctx, slugs)
	if err != nil {
		return nil, err
	}
	for _, slug := range slugs {
		a, ok := found[slug]
		if !ok && !create {
			continue
		}
		if ok {
			a = a.Clone()
			a.Version = max(a.Version, 1) // as UpdateAccounts: stored, so not new
		} else {
			a = store.Account{Slug: slug}
		}
		if err := change(&a); err != nil && !errors.Is(err, store.ErrNoChange) {
			return nil, err
		}
	}
	return nil, nil
}

// saveBatch is how many accounts go to the Saver at once.
const saveBatch = 500

// MemberLister lists the members, that an import checks owners against,
// once per batch that has an owner column.
type MemberLister interface {
	Members(ctx context.Context) ([]store.Member, error)
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
func ImportAccounts(ctx context.Context, r MemberLister, s Saver, name string, data []byte) (Report, error) {
	return Import(ctx, r, s, name, bytes.NewReader(data), AutoEncoding, nil)
}

// Progress hears how far an import has got: rows done of total rows.
type Progress func(done, total int)

// Import is ImportAccounts for a file read as a stream, in encoding enc
// (AutoEncoding detects it, reading src once more first; see
// DetectEncoding): it reads src twice, first to check the whole file and
// count its rows (so a file broken at its end, or with a byte sequence
// that is not text in its encoding, still writes nothing), then to import
// it saveBatch rows at a time, each batch with one read of the members
// and one write, which checks each row against its account as it writes
// it (no read of its own). Memory holds one batch and the slugs
// seen so far (a repeated slug is refused), whatever the size of the file.
// progress, when not nil, hears the count after the check and the rows
// done after each batch.
func Import(ctx context.Context, r MemberLister, s Saver, name string, src io.ReadSeeker, enc Encoding, progress Progress) (Report, error) {
	if enc == AutoEncoding {
		var err error
		if enc, err = DetectEncoding(src); err != nil {
			return Report{}, fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
	}
	total := 0
	if err := eachRow(name, src, enc, func(row) error { total++; return nil }); err != nil {
		return Report{}, err
	}
	b := batcher{r: r, s: s, first: map[string]place{}, total: total, progress: progress}
	if progress != nil {
		progress(0, total)
	}
	err := eachRow(name, src, enc, func(rw row) error {
		b.rows = append(b.rows, rw)
		if len(b.rows) < saveBatch {
			return nil
		}
		return b.flush(ctx)
	})
	if err == nil {
		err = b.flush(ctx)
	}
	return b.rep, err
}

// row is one parsed record with where it came from.
type row struct {
	place
	p   patch
	err error
}

// place is where a row came from: its line, or with item its position in
// a JSON array.
type place struct {
	line int
	item bool
}

func (p place) where() string {
	if p.item {
		return fmt.Sprintf("in item %d", p.line)
	}
	return fmt.Sprintf("on line %d", p.line)
}

var (
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
	utf16LE  = []byte{0xFF, 0xFE}
	utf16BE  = []byte{0xFE, 0xFF}
	notTable = "not CSV or JSON; export the sheet as CSV with a header row"
)

// sniffLen is how much of a file decides its format and delimiter.
const sniffLen = 64 << 10

// eachRow reads src from its start as text in enc, picks the format by
// extension, else by content, and calls fn with every row, parsed without
// touching the store. It stops at the first error of fn, or of the file:
// one it cannot read as a whole.
func eachRow(name string, src io.ReadSeeker, enc Encoding, fn func(row) error) error {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	br := bufio.NewReaderSize(NewDecoder(src, enc), sniffLen)
	head, err := br.Peek(sniffLen)
	var bad *EncodingError
	switch {
	case errors.As(err, &bad):
		return fmt.Errorf("%s: %w; nothing was imported", name, err)
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull):
		return fmt.Errorf("read %s: %w", name, err)
	}
	if len(head) == sniffLen {
		head = wholeRunes(head)
	}
	isJSON, text, err := Format(name, head)
	if err != nil {
		return err
	}
	skipped := len(head) - len(text) // a byte order mark
	if _, err := br.Discard(skipped); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if isJSON {
		return eachJSONRow(name, br, func(off int64) int { return lineAt(src, enc, int64(skipped)+off) }, fn)
	}
	return eachCSVRow(name, br, fn)
}

// wholeRunes drops a UTF-8 sequence cut off at the end of a prefix.
func wholeRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// Format tells whether the file called name holds JSON (else CSV) by its
// extension, else by its content, and returns data without a UTF-8 byte
// order mark. It refuses UTF-16 text and anything that is neither.
func Format(name string, data []byte) (isJSON bool, text []byte, err error) {
	if bytes.HasPrefix(data, utf16LE) || bytes.HasPrefix(data, utf16BE) {
		return false, nil, fmt.Errorf("%s: %w", name, errUTF16)
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

// batcher checks rows against the store and saves what changed, one
// batch at a time. Each row's changes are applied again to the account as
// stored when written, so an edit made meanwhile (a note, a new owner)
// stays.
type batcher struct {
	r        MemberLister
	s        Saver
	rep      Report
	first    map[string]place // where each slug was first seen (a row is 500 bytes)
	rows     []row            // the batch
	done     int
	total    int
	progress Progress
}

// flush checks the batch's rows and saves the accounts they change.
func (b *batcher) flush(ctx context.Context) error {
	if len(b.rows) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	patches := map[string]patch{}
	ownersNeeded := false
	for i, rw := range b.rows {
		if rw.p.slug == "" {
			continue
		}
		if earlier, dup := b.first[rw.p.slug]; dup {
			if rw.err == nil {
				b.rows[i].err = fmt.Errorf("slug %s already %s", rw.p.slug, earlier.where())
			}
			continue
		}
		// A copy: the slug shares the memory of its whole CSV record.
		b.first[strings.Clone(rw.p.slug)] = rw.place
		if rw.err == nil {
			patches[rw.p.slug] = rw.p
			ownersNeeded = ownersNeeded || rw.p.has(colOwner)
		}
	}
	var members map[string]bool
	if ownersNeeded {
		ms, err := b.r.Members(ctx)
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		members = make(map[string]bool, len(ms))
		for _, m := range ms {
			members[m.ID] = true
		}
	}
	// Each row is checked inside the write, against its account as stored
	// at the version the write replaces: a write that lost a race checks
	// its row again, and the last verdict is the one that counts.
	verdicts := make(map[string]verdict, len(patches))
	if len(patches) > 0 {
		_, err := b.s.UpdateAll(ctx, slices.Collect(maps.Keys(patches)), true, func(a *store.Account) error {
			p := patches[a.Slug]
			v := check(p, *a, members)
			verdicts[a.Slug] = v
			if v.outcome != created && v.outcome != updated {
				return store.ErrNoChange
			}
			p.apply(a)
			return nil
		})
		if err != nil {
			return fmt.Errorf("save accounts: %w", err)
		}
	}
	for _, rw := range b.rows {
		if rw.err == nil {
			switch v := verdicts[rw.p.slug]; v.outcome {
			case created:
				b.rep.Created++
			case updated:
				b.rep.Updated++
			case unchanged:
				b.rep.Unchanged++
			default:
				rw.err = errors.New(v.reason)
			}
		}
		if rw.err != nil {
			b.rep.Errors = append(b.rep.Errors, RowError{Line: rw.line, Slug: rw.p.slug, Reason: rw.err.Error(), Item: rw.item})
		}
	}
	b.done += len(b.rows)
	b.rows = b.rows[:0]
	if b.progress != nil {
		b.progress(b.done, b.total)
	}
	return nil
}

// outcome is what one good row does to its account.
type outcome int

const (
	refused outcome = iota
	created
	updated
	unchanged
)

// verdict is a row's outcome, with the reason when refused.
type verdict struct {
	outcome outcome
	reason  string
}

// check decides what one good row does to its account a, as stored
// (Version 0: not yet created). members holds the member ids, read when
// the batch has an owner column.
func check(p patch, a store.Account, members map[string]bool) verdict {
	found := a.Version > 0
	before := a
	p.apply(&a)
	if !found {
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
			return verdict{reason: fmt.Sprintf("new account needs %s", strings.Join(missing, ", "))}
		}
	}
	if p.has(colOwner) && a.Owner != "" && !members[a.Owner] {
		return verdict{reason: fmt.Sprintf("owner: %s is not a registered member; add them first or fix the id", a.Owner)}
	}
	switch {
	case !found:
		return verdict{outcome: created}
	case same(before, a):
		return verdict{outcome: unchanged}
	default:
		return verdict{outcome: updated}
	}
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
