package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/csbot/csbot/store"
)

// eachJSONRow reads an array of objects whose fields are the CSV columns,
// one at a time. Rows are numbered by their position in the array. lineAt
// tells the line of an offset in the stream, for syntax errors.
func eachJSONRow(name string, r io.Reader, lineAt func(off int64) int, fn func(row) error) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return jsonFileError(name, lineAt(tokenErrorOffset(dec, err)), err)
	}
	if tok != json.Delim('[') {
		return fmt.Errorf(`%s: expected a JSON array of accounts, [{"slug": "acme", "name": "Acme", ...}, ...]; nothing was imported`, name)
	}
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonFileError(name, lineAt(itemErrorOffset(dec)), err)
		}
		p, err := parseItem(raw)
		if err := fn(row{place: place{line: i, item: true}, p: p, err: err}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return jsonFileError(name, lineAt(tokenErrorOffset(dec, err)), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: line %d: unexpected data after the array; nothing was imported", name, lineAt(dec.InputOffset()))
	}
	return nil
}

// jsonFileError says where the JSON is broken.
func jsonFileError(name string, line int, err error) error {
	if bad := (*EncodingError)(nil); errors.As(err, &bad) {
		return fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: the JSON ends too early (is the closing ] missing?); nothing was imported", name)
	}
	return fmt.Errorf("%s: line %d: %w; nothing was imported", name, line, err)
}

// tokenErrorOffset is where the error of dec.Token lies in the stream.
func tokenErrorOffset(dec *json.Decoder, err error) int64 {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return syn.Offset
	}
	return dec.InputOffset()
}

// itemErrorOffset is where the syntax error of dec.Decode lies in the
// stream. The error's own offset counts from a point the decoder does not
// expose once it has read several items, so the item is scanned again from
// where it began: the decoder holds it in its buffer up to the error.
func itemErrorOffset(dec *json.Decoder) int64 {
	start := dec.InputOffset()
	rest := bufio.NewReader(dec.Buffered())
	for {
		b, err := rest.ReadByte()
		if err != nil {
			return start
		}
		if b != ',' && b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			_ = rest.UnreadByte()
			break
		}
		start++
	}
	var raw json.RawMessage
	var syn *json.SyntaxError
	if err := json.NewDecoder(rest).Decode(&raw); errors.As(err, &syn) {
		return start + syn.Offset
	}
	return start
}

// lineAt reads src from its start, as text in enc, to tell the line of
// offset off in that text, for an error message: a stream keeps no text
// behind it.
func lineAt(src io.ReadSeeker, enc Encoding, off int64) int {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return 0
	}
	line := 1
	br := bufio.NewReader(io.LimitReader(NewDecoder(src, enc), max(off, 0)))
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}

// parseItem turns one array item into a header and a record and parses it
// like a CSV row; milestones may also be an array of objects.
func parseItem(raw json.RawMessage) (patch, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return patch{}, errors.New(`is not an object; write {"slug": "acme", "name": "Acme", ...}`)
	}
	var (
		h      header
		record []string
		errs   []string
		seen   = map[string]bool{}
		ms     []store.Milestone
		msSet  bool
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return patch{}, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return patch{}, err
		}
		name := headerName(key)
		c := columnByName[name]
		switch {
		case c == nil:
			errs = append(errs, unknownColumn("field", key).Error())
			continue
		case seen[name]:
			errs = append(errs, fmt.Sprintf("field %s appears twice", name))
			continue
		}
		seen[name] = true
		if name == colMilestones && bytes.HasPrefix(bytes.TrimSpace(val), []byte("[")) {
			ms, err = jsonMilestones(val)
			if err != nil {
				errs = append(errs, "milestones: "+err.Error())
			}
			msSet = true
			val = json.RawMessage("null") // parsed here; the row sees an empty cell
		}
		cell, err := jsonCell(val)
		if err != nil {
			errs = append(errs, name+": "+err.Error())
			continue
		}
		h = append(h, c)
		record = append(record, cell)
	}
	p, err := parseRow(h, record)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if msSet {
		p.vals.Milestones = ms
	}
	if len(errs) > 0 {
		return p, errors.New(strings.Join(errs, "; "))
	}
	return p, nil
}

// jsonCell turns a JSON value into the text a CSV cell would hold: null is
// an empty cell, and a whole number written as 120000.0 is 120000.
func jsonCell(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		s := v.String()
		if !strings.ContainsAny(s, ".eE") {
			return s, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return "", fmt.Errorf("%s is out of range", s)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10), nil
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case bool:
		return "", fmt.Errorf("expected a string or a number, not %t", v)
	}
	return "", errors.New("expected a string or a number, not a list or an object")
}

// jsonMilestones reads [{"name": ..., "due": "YYYY-MM-DD", "done": "YYYY-MM-DD" or null}].
func jsonMilestones(raw json.RawMessage) ([]store.Milestone, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	var out []store.Milestone
	for i, item := range items {
		var m struct {
			Name string  `json:"name"`
			Due  string  `json:"due"`
			Done *string `json:"done"`
		}
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf(`milestone %d: %v; write {"name": "Kickoff held", "due": "2026-10-01", "done": null}`, i+1, strings.TrimPrefix(err.Error(), "json: "))
		}
		done := ""
		if m.Done != nil {
			done = strings.TrimSpace(*m.Done)
		}
		ms, err := milestone(strings.TrimSpace(m.Name), strings.TrimSpace(m.Due), done)
		if err != nil {
			return nil, fmt.Errorf("milestone %d: %w", i+1, err)
		}
		out = append(out, ms)
	}
	return out, nil
}
