package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store/importer"
)

// MaxItems bounds one batch, from the API or a file.
const MaxItems = 10000

// Item is one item of a batch as text cells by field name, before any
// field means anything; CSV records and JSON objects both become items.
type Item struct {
	// Line is the line where a CSV record starts; 0 for JSON.
	Line  int
	names []string
	cells []string
	// bad are fields whose JSON value could not be read as text.
	bad []ItemError
	// raw is the JSON object of an account, which package importer reads.
	raw json.RawMessage
}

// RequestError is a batch that cannot be read as a whole (bad JSON, an
// unknown field, too many items); nothing of it was applied.
type RequestError struct {
	// TooLarge marks a body over the size limit (HTTP 413).
	TooLarge bool
	msg      string
}

func (e *RequestError) Error() string { return e.msg }

func requestErr(format string, args ...any) error {
	return &RequestError{msg: fmt.Sprintf(format, args...)}
}

// DecodeJSON reads a batch of kind k: {"items": [...]} as the API takes
// it, or a bare array as files hold it. Unknown fields, at the top or in
// an item, refuse the batch with an error naming them, and so do bytes
// that are not UTF-8, which the JSON decoder would turn into U+FFFD.
func DecodeJSON(k Kind, data []byte) ([]Item, error) {
	if off := invalidUTF8(data); off >= 0 {
		return nil, requestErr("%s: invalid UTF-8; send the body as UTF-8 text", position(data, int64(off)))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(data, dec, err)
	}
	var items []Item
	switch tok {
	case json.Delim('['):
		items, err = decodeItems(k, data, dec)
	case json.Delim('{'):
		items, err = decodeBody(k, data, dec)
	default:
		return nil, requestErr(`expected {"items": [...]}`)
	}
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, requestErr("%s: unexpected data after the JSON value", position(data, dec.InputOffset()))
	}
	return items, nil
}

// decodeBody reads {"items": [...]} after its opening {, up to and
// including the closing }.
func decodeBody(k Kind, data []byte, dec *json.Decoder) ([]Item, error) {
	var items []Item
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxErr(data, dec, err)
		}
		if key, _ := tok.(string); key != "items" {
			return nil, requestErr(`unknown field %q: the body is {"items": [...]}`, key)
		}
		if seen {
			return nil, requestErr(`field "items" appears twice`)
		}
		seen = true
		tok, err = dec.Token()
		if err != nil {
			return nil, syntaxErr(data, dec, err)
		}
		if tok != json.Delim('[') {
			return nil, requestErr(`"items" must be an array of objects`)
		}
		if items, err = decodeItems(k, data, dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return nil, syntaxErr(data, dec, err)
	}
	if !seen {
		return nil, requestErr(`missing "items": the body is {"items": [...]}`)
	}
	return items, nil
}

// decodeItems reads array items up to and including the closing ].
func decodeItems(k Kind, data []byte, dec *json.Decoder) ([]Item, error) {
	var items []Item
	for i := 0; dec.More(); i++ {
		if i == MaxItems {
			return nil, requestErr("more than %d items: split the batch", MaxItems)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxErr(data, dec, err)
		}
		it, err := decodeItem(k, raw)
		if err != nil {
			return nil, requestErr("items[%d]: %v", i, err)
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, syntaxErr(data, dec, err)
	}
	return items, nil
}

// decodeItem checks an object's field names and turns its values into cells.
func decodeItem(k Kind, raw json.RawMessage) (Item, error) {
	it := Item{raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return it, errors.New("is not an object")
	}
	known := fieldNames(k)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return it, err
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return it, err
		}
		name := importer.HeaderName(key)
		if !slices.Contains(known, name) {
			return it, unknownField("field", key, known)
		}
		if slices.Contains(it.names, name) {
			return it, fmt.Errorf("field %q appears twice", key)
		}
		it.names = append(it.names, name)
		cell, err := jsonCell(val)
		if err != nil {
			it.bad = append(it.bad, ItemError{Field: name, Message: err.Error()})
		}
		it.cells = append(it.cells, cell)
	}
	return it, nil
}

// jsonCell is importer.JSONCell, plus booleans for flags such as escalated.
func jsonCell(raw json.RawMessage) (string, error) {
	switch s := string(bytes.TrimSpace(raw)); s {
	case "true", "false":
		return s, nil
	}
	return importer.JSONCell(raw)
}

// DecodeCSV reads a CSV file with a header row naming kind k's fields.
// An unknown column refuses the file.
func DecodeCSV(k Kind, name string, data []byte) ([]Item, error) {
	known := fieldNames(k)
	t, err := importer.ReadCSV(name, data, strings.Join(known, ","))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(t.Header))
	for i, cell := range t.Header {
		names[i] = importer.HeaderName(cell)
		if !slices.Contains(known, names[i]) {
			return nil, requestErr("%s: header on line %d: %v; nothing was imported", name, t.HeaderLine, unknownField("column", cell, known))
		}
		if slices.Contains(names[:i], names[i]) {
			return nil, requestErr("%s: header on line %d: column %s appears twice; nothing was imported", name, t.HeaderLine, names[i])
		}
	}
	if len(t.Records) > MaxItems {
		return nil, requestErr("%s: %d rows, more than %d: split the file", name, len(t.Records), MaxItems)
	}
	items := make([]Item, len(t.Records))
	for i, r := range t.Records {
		items[i] = Item{Line: r.Line, names: names, cells: r.Cells}
		if len(r.Cells) != len(names) {
			items[i].bad = []ItemError{{Message: fmt.Sprintf("has %d cells but the header has %d (quote values that contain commas)", len(r.Cells), len(names))}}
		}
	}
	return items, nil
}

// ReadFile reads the file called name, text in enc (AutoEncoding detects
// it, see importer.DetectEncoding), as CSV or JSON, by its extension or
// else its content.
func ReadFile(k Kind, name string, data []byte, enc importer.Encoding) ([]Item, error) {
	data, err := importer.DecodeBytes(name, data, enc)
	if err != nil {
		return nil, err
	}
	isJSON, data, err := importer.Format(name, data)
	if err != nil {
		return nil, err
	}
	if !isJSON {
		if k == Accounts {
			return nil, requestErr("%s: accounts files go through `csbot import accounts`", name)
		}
		return DecodeCSV(k, name, data)
	}
	items, err := DecodeJSON(k, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	return items, nil
}

// unknownField names an unknown field or column and the nearest known one.
func unknownField(what, name string, known []string) error {
	if near := suggest.Closest(importer.HeaderName(name), known, 1); len(near) > 0 {
		return fmt.Errorf("unknown %s %q (did you mean %s?)", what, name, near[0])
	}
	return fmt.Errorf("unknown %s %q (known: %s)", what, name, strings.Join(known, ", "))
}

// syntaxErr places a JSON syntax error at its line and column.
func syntaxErr(data []byte, dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return requestErr("the JSON ends too early (is a closing ] or } missing?)")
	}
	off := dec.InputOffset()
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// A decoder counts from the value it was reading; a scan of the
		// whole body places the error in it. Offset is past the bad byte.
		if errors.As(json.Unmarshal(data, new(json.RawMessage)), &syn) {
			off = syn.Offset - 1
		}
	}
	return requestErr("%s: %s", position(data, off), strings.TrimPrefix(err.Error(), "json: "))
}

// invalidUTF8 is the offset of the first byte sequence in data that is not
// UTF-8, or -1.
func invalidUTF8(data []byte) int {
	if utf8.Valid(data) {
		return -1
	}
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			return off
		}
		off += size
	}
	return -1
}

// position is "line L, column C" of the byte at off, both 1-based.
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}
