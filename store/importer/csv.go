package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// parseCSV reads a header row and then one account per record. Line
// numbers are those where each record starts, so a quoted cell spanning
// several lines does not shift the lines reported after it.
func parseCSV(name string, data []byte) ([]row, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1 // a short or long row is that row's error, not the file's
	head, err := cr.Read()
	for err == nil && isBlank(head) {
		head, err = cr.Read()
	}
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty; the first row must name the columns, e.g. %s", name, exampleHeader())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	h, err := parseHeader(head)
	if err != nil {
		line, _ := cr.FieldPos(0)
		return nil, fmt.Errorf("%s: header on line %d: %w; nothing was imported", name, line, err)
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w; nothing was imported", name, err)
		}
		if isBlank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		p, err := parseRow(h, rec)
		rows = append(rows, row{line: line, p: p, err: err})
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
