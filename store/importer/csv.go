package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// eachCSVRow reads a header row and then one account per record.
func eachCSVRow(name string, br *bufio.Reader, fn func(row) error) error {
	var h header
	return eachRecord(name, br, exampleHeader(), func(cells []string, line int) error {
		var err error
		if h, err = parseHeader(cells); err != nil {
			return fmt.Errorf("%s: header on line %d: %w; nothing was imported", name, line, err)
		}
		return nil
	}, func(r Record) error {
		p, err := parseRow(h, r.Cells)
		return fn(row{place: place{line: r.Line}, p: p, err: err})
	})
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
	var t Table
	err := eachRecord(name, bufio.NewReaderSize(bytes.NewReader(data), sniffLen), example, func(cells []string, line int) error {
		t.Header, t.HeaderLine = cells, line
		return nil
	}, func(r Record) error {
		t.Records = append(t.Records, r)
		return nil
	})
	if err != nil {
		return Table{}, err
	}
	return t, nil
}

// eachRecord is ReadCSV as a stream: it calls header with the header row
// and its line, then fn with each record, and stops at the first error.
func eachRecord(name string, br *bufio.Reader, example string, header func(cells []string, line int) error, fn func(Record) error) error {
	head, _ := br.Peek(sniffLen) // the first line, for the delimiter; a short read is the whole file
	cr := csv.NewReader(br)
	cr.Comma = delimiter(head)
	cr.FieldsPerRecord = -1 // a short or long row is that row's error, not the file's
	cells, err := cr.Read()
	for err == nil && isBlank(cells) {
		cells, err = cr.Read()
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty; the first row must name the columns, e.g. %s", name, example)
	}
	if err != nil {
		return fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	line, _ := cr.FieldPos(0)
	if err := header(cells, line); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		if isBlank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := fn(Record{Line: line, Cells: rec}); err != nil {
			return err
		}
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
