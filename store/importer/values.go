package importer

import (
	"encoding/json"
	"time"
)

// The value syntax of account imports, exported for the imports of usage,
// surveys, tickets, touches and revenue (package ingest), so that a cell
// means the same in every file and API call.

// ParseCount reads a whole number >= 0 that fits an int32, with optional
// thousands separators (1,200); empty is 0.
func ParseCount(s string) (int, error) { return parseCount(s) }

// ParseWhole reads a whole number >= 0 and <= maxv, like ParseCount.
func ParseWhole(s string, maxv int64) (int64, error) { return parseWhole(s, maxv) }

// ParseShare reads 0..1 or a percentage 0%..100%; empty is nil.
func ParseShare(s string) (*float64, error) { return parseShare(s) }

// ParseDate reads YYYY-MM-DD as midnight UTC; empty is the zero time.
func ParseDate(s string) (time.Time, error) { return parseDate(s) }

// ParseTime reads YYYY-MM-DD or RFC 3339, in UTC at millisecond precision;
// empty is the zero time.
func ParseTime(s string) (time.Time, error) { return parseTime(s) }

// JSONCell turns a JSON string, number or null into the text a CSV cell
// would hold (null is empty, 120000.0 is 120000); it refuses booleans,
// lists and objects.
func JSONCell(raw json.RawMessage) (string, error) { return jsonCell(raw) }

// HeaderName normalises a header cell or JSON field name: trimmed,
// lowercase, with spaces and '-' as '_'.
func HeaderName(s string) string { return headerName(s) }
