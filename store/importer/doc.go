// Package importer implements `csbot import accounts FILE`: it reads a sheet
// of accounts exported as CSV (or a JSON array) and upserts every good row
// through the health engine, so each saved account gets its score, history
// and index row at once.
//
// # Formats
//
// The format follows the file extension (.csv, .tsv, .json); any other name
// is sniffed: a JSON array starts with '[', a CSV file starts with a header
// row naming known columns. Anything else (an .xlsx workbook, say) is
// refused before anything is written. A CSV file needs a header row; its
// names are trimmed and case-insensitive, and spaces or '-' count as '_'
// ("Renewal Date" is renewal_date). The delimiter is ',' unless the header
// has none and has a tab or ';' instead. The file may be UTF-8 (a byte
// order mark is ignored), Shift_JIS (CP932) or EUC-JP, detected as
// DetectEncoding says or named with an Encoding, and is read as UTF-8; a
// byte sequence that is not text in it refuses the file with its line, and
// UTF-16 text is refused. A JSON file is an array of objects whose fields
// are the same names, with strings, numbers or null (an empty cell) as
// values; milestones may also be an array of {"name", "due", "done"} objects.
//
// # Columns
//
//	slug              account id: lowercase letters (any script), digits and '-', up to 64 bytes; empty = derived from name
//	name              account name, up to 200 characters; required for a new account, cannot be cleared
//	tier              high, low or tech ("high touch" works too); required for a new account
//	segment           customer segment, e.g. enterprise, mid-market, SMB
//	region            region or area, e.g. Tokyo
//	industry          industry
//	arr               annual recurring revenue, a whole number 0..10^15; "120,000" works when quoted
//	renewal_date      next renewal, YYYY-MM-DD
//	phase             onboarding, adoption or expansion; required for a new account
//	phase_start       day the current phase began, YYYY-MM-DD
//	owner             member id of the owning CSM (a leading '@' is dropped); must exist
//	seats             licensed seats, a whole number >= 0
//	active_users      active users, a whole number >= 0
//	feature_adoption  share of key features in use: 0..1 or a percentage like 45%
//	nps               latest NPS answer, 0..10
//	nps_date          day of that NPS answer, YYYY-MM-DD
//	csat              latest CSAT, 1..5
//	open_tickets      open support tickets, a whole number >= 0
//	last_touch        last meaningful touch, YYYY-MM-DD or RFC 3339 (2026-10-01T09:30:00+09:00)
//	milestones        "Name|due|done;Name|due|" with dates YYYY-MM-DD, done empty while open
//
// # Rules
//
// Only the columns present in the file are applied: an existing account
// keeps the values of the other columns, its health history and its update
// time. An empty cell in an optional column clears that value. An unknown
// column, or a CSV or JSON syntax error, rejects the whole file and writes
// nothing. A bad row (bad value, unknown owner, a slug seen earlier in the
// file, a new account missing name, tier or phase) is reported with its
// line (CSV: the physical line where the record starts; JSON: the item
// number) and changes nothing, while the good rows are still saved. A row
// that would leave its account exactly as it is is counted as unchanged
// and not written, so importing the same file twice writes nothing the
// second time.
package importer
