package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// parseCSV reads a header row and then one account per record.
func parseCSV(name string, data []byte) ([]row, error) {
	t, err := ReadCSV(name, data, exampleHeader())
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(t.Header)
	if err != nil {
		return nil, fmt.Errorf("%s: header on line %d: %w; nothing was imported", name, t.HeaderLine, err)
	}
	rows := make([]row, 0, len(t.Records))
	for _, r := range t.Records {
		p, err := parseRow(h, r.Cells)
		rows = append(rows, row{line: r.Line, p: p, err: err})
	}
	return rows, nil
}

// Table is a CSV file as text: its header row and its non-blank records.
type Table struct {
	Header     []string
	HeaderLine int
	Records    []Record
}

// Record is one CSV record and the line where it starts.
type Record struct {
	Line  int
	Cells []string
}

// ReadCSV reads a header row and the records after it, skipping blank
// ones; example is a header to suggest when the file is empty. Line numbers
// are those where each record starts, so a quoted cell spanning several
// lines does not shift the lines reported after it. Package ingest reads
// its files with it too, so every import takes the same CSV dialects.
func ReadCSV(name string, data []byte, example string) (Table, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1 // a short or long row is that row's error, not the file's
	head, err := cr.Read()
	for err == nil && isBlank(head) {
		head, err = cr.Read()
	}
	if errors.Is(err, io.EOF) {
		return Table{}, fmt.Errorf("%s: empty; the first row must name the columns, e.g. %s", name, example)
	}
	if err != nil {
		return Table{}, fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	t := Table{Header: head}
	t.HeaderLine, _ = cr.FieldPos(0)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return Table{}, fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		if isBlank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		t.Records = append(t.Records, Record{Line: line, Cells: rec})
	}
}

// delimiter is ',' unless the first line has none and has a tab or ';'
// (tab-separated exports, spreadsheets set to a European locale).
func delimiter(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	switch {
	case bytes.ContainsRune(first, ','):
		return ','
	case bytes.ContainsRune(first, '\t'):
		return '\t'
	case bytes.ContainsRune(first, ';'):
		return ';'
	}
	return ','
}

func exampleHeader() string {
	return strings.Join([]string{colSlug, colName, "tier", "phase", "arr", "renewal_date", colOwner}, ",")
}
