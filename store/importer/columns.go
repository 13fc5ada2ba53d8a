package importer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/csbot/csbot/internal/suggest"

	"github.com/csbot/csbot/store"
)

// Column is one column of an accounts file (a field name in JSON).
type Column struct {
	Name        string
	Description string
}

// Columns lists every column an accounts file may have, in the order of the
// sample file, each with a one-line description.
var Columns = func() []Column {
	out := make([]Column, len(columns))
	for i, c := range columns {
		out[i] = Column{Name: c.name, Description: c.desc}
	}
	return out
}()

// column knows how to parse one cell into an account and how to copy that
// field from a parsed row onto the account being updated.
type column struct {
	name string
	desc string
	// set parses a trimmed cell into a; an empty cell clears the field
	// unless the column cannot be empty.
	set func(a *store.Account, s string) error
	// copy moves the field from src to dst.
	copy func(dst, src *store.Account)
}

const (
	colSlug       = "slug"
	colName       = "name"
	colOwner      = "owner"
	colMilestones = "milestones"
)

// maxCount bounds seats, users and tickets so that they fit an int anywhere.
const maxCount = math.MaxInt32

var columns = []*column{
	{name: colSlug, desc: "account id: lowercase letters (any script), digits and '-', up to 64 bytes; empty = derived from name",
		set: func(a *store.Account, s string) error {
			if s == "" {
				return nil // derived from name by parseRow
			}
			if err := checkSlug(s); err != nil {
				return err
			}
			a.Slug = s
			return nil
		},
		copy: func(dst, src *store.Account) {}},
	{name: colName, desc: "account name, up to 200 characters; required for a new account, cannot be cleared",
		set: func(a *store.Account, s string) error {
			if s == "" {
				return errors.New("is required")
			}
			a.Name = s
			return store.CheckText("", s, store.MaxName)
		},
		copy: func(dst, src *store.Account) { dst.Name = src.Name }},
	{name: "tier", desc: `high, low or tech ("high touch" works too); required for a new account`,
		set: func(a *store.Account, s string) error {
			if s == "" {
				return errors.New("is required: use high, low or tech")
			}
			t, err := store.ParseTier(s)
			if err != nil {
				return fmt.Errorf("%q is not a tier: use high, low or tech", s)
			}
			a.Tier = t
			return nil
		},
		copy: func(dst, src *store.Account) { dst.Tier = src.Tier }},
	{name: "segment", desc: "customer segment, e.g. enterprise, mid-market, SMB",
		set:  func(a *store.Account, s string) error { a.Segment = s; return store.CheckText("", s, store.MaxLabel) },
		copy: func(dst, src *store.Account) { dst.Segment = src.Segment }},
	{name: "region", desc: "region or area, e.g. Tokyo",
		set:  func(a *store.Account, s string) error { a.Region = s; return store.CheckText("", s, store.MaxLabel) },
		copy: func(dst, src *store.Account) { dst.Region = src.Region }},
	{name: "industry", desc: "industry",
		set:  func(a *store.Account, s string) error { a.Industry = s; return store.CheckText("", s, store.MaxLabel) },
		copy: func(dst, src *store.Account) { dst.Industry = src.Industry }},
	{name: "arr", desc: `annual recurring revenue, a whole number 0..10^15; "120,000" works when quoted`,
		set: func(a *store.Account, s string) error {
			if s == "" {
				a.ARR = 0
				return nil
			}
			n, err := parseWhole(s, store.MaxARR)
			a.ARR = n
			return err
		},
		copy: func(dst, src *store.Account) { dst.ARR = src.ARR }},
	{name: "renewal_date", desc: "next renewal, YYYY-MM-DD",
		set:  func(a *store.Account, s string) (err error) { a.Renewal, err = parseDate(s); return err },
		copy: func(dst, src *store.Account) { dst.Renewal = src.Renewal }},
	{name: "phase", desc: "onboarding, adoption or expansion; required for a new account",
		set: func(a *store.Account, s string) error {
			if s == "" {
				return errors.New("is required: use onboarding, adoption or expansion")
			}
			p, err := store.ParsePhase(s)
			if err != nil {
				return fmt.Errorf("%q is not a phase: use onboarding, adoption or expansion", s)
			}
			a.Phase = p
			return nil
		},
		copy: func(dst, src *store.Account) { dst.Phase = src.Phase }},
	{name: "phase_start", desc: "day the current phase began, YYYY-MM-DD",
		set:  func(a *store.Account, s string) (err error) { a.PhaseStart, err = parseDate(s); return err },
		copy: func(dst, src *store.Account) { dst.PhaseStart = src.PhaseStart }},
	{name: colOwner, desc: "member id of the owning CSM (a leading '@' is dropped); must exist",
		set: func(a *store.Account, s string) error {
			s = strings.TrimSpace(strings.TrimLeft(s, "@"))
			if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
				return fmt.Errorf("%q is not a member id", s)
			}
			a.Owner = s
			return nil
		},
		copy: func(dst, src *store.Account) { dst.Owner = src.Owner }},
	{name: "seats", desc: "licensed seats, a whole number >= 0",
		set:  func(a *store.Account, s string) (err error) { a.Seats, err = parseCount(s); return err },
		copy: func(dst, src *store.Account) { dst.Seats = src.Seats }},
	{name: "active_users", desc: "active users, a whole number >= 0",
		set:  func(a *store.Account, s string) (err error) { a.ActiveUsers, err = parseCount(s); return err },
		copy: func(dst, src *store.Account) { dst.ActiveUsers = src.ActiveUsers }},
	{name: "feature_adoption", desc: "share of key features in use: 0..1 or a percentage like 45%",
		set:  func(a *store.Account, s string) (err error) { a.FeatureAdoption, err = parseShare(s); return err },
		copy: func(dst, src *store.Account) { dst.FeatureAdoption = src.FeatureAdoption }},
	{name: "nps", desc: "latest NPS answer, 0..10",
		set: func(a *store.Account, s string) error {
			if s == "" {
				a.NPS = nil
				return nil
			}
			n, err := parseWhole(s, math.MaxInt32)
			if err != nil {
				return err
			}
			if n > 10 {
				return fmt.Errorf("%s is out of range: an NPS answer is 0..10", s)
			}
			v := int(n)
			a.NPS = &v
			return nil
		},
		copy: func(dst, src *store.Account) { dst.NPS = src.NPS }},
	{name: "nps_date", desc: "day of that NPS answer, YYYY-MM-DD",
		set:  func(a *store.Account, s string) (err error) { a.NPSDate, err = parseDate(s); return err },
		copy: func(dst, src *store.Account) { dst.NPSDate = src.NPSDate }},
	{name: "csat", desc: "latest CSAT, 1..5",
		set: func(a *store.Account, s string) error {
			if s == "" {
				a.CSAT = nil
				return nil
			}
			f, err := parseDecimal(s)
			if err != nil {
				return err
			}
			if f < 1 || f > 5 {
				return fmt.Errorf("%s is out of range: CSAT is 1..5", s)
			}
			a.CSAT = &f
			return nil
		},
		copy: func(dst, src *store.Account) { dst.CSAT = src.CSAT }},
	{name: "open_tickets", desc: "open support tickets, a whole number >= 0",
		set: func(a *store.Account, s string) error {
			if s == "" {
				a.OpenTickets = nil
				return nil
			}
			n, err := parseCount(s)
			if err != nil {
				return err
			}
			a.OpenTickets = &n
			return nil
		},
		copy: func(dst, src *store.Account) { dst.OpenTickets = src.OpenTickets }},
	{name: "last_touch", desc: "last meaningful touch, YYYY-MM-DD or RFC 3339 (2026-10-01T09:30:00+09:00)",
		set:  func(a *store.Account, s string) (err error) { a.LastTouch, err = parseTime(s); return err },
		copy: func(dst, src *store.Account) { dst.LastTouch = src.LastTouch }},
	{name: colMilestones, desc: `"Name|due|done;Name|due|" with dates YYYY-MM-DD, done empty while open`,
		set:  func(a *store.Account, s string) (err error) { a.Milestones, err = parseMilestones(s); return err },
		copy: func(dst, src *store.Account) { dst.Milestones = src.Milestones }},
}

var columnByName = func() map[string]*column {
	m := make(map[string]*column, len(columns))
	for _, c := range columns {
		m[c.name] = c
	}
	return m
}()

// headerName normalises a header cell or JSON field name.
func headerName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// unknownColumn explains an unknown column, suggesting the closest known one.
func unknownColumn(what, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("a %s has no name; name it or delete it", what)
	}
	norm := headerName(name)
	best, bestDist := "", 2
	if len(norm) < 5 {
		bestDist = 1
	}
	for _, c := range columns {
		d := suggest.Distance(norm, c.name)
		if word, _, ok := strings.Cut(c.name, "_"); ok && len(norm) >= 5 {
			d = min(d, suggest.Distance(norm, word)+1) // renewal, renewel -> renewal_date
		}
		if strings.HasPrefix(norm, c.name+"_") {
			d = min(d, 1) // owner_id -> owner
		}
		if d <= bestDist {
			best, bestDist = c.name, d-1
		}
	}
	if best != "" {
		return fmt.Errorf("unknown %s %q (did you mean %s?)", what, name, best)
	}
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return fmt.Errorf("unknown %s %q (known: %s)", what, name, strings.Join(names, ", "))
}

// checkSlug accepts slugs as store.ValidSlug does: lowercase letters (of
// any script), digits and inner '-'.
func checkSlug(s string) error {
	if store.ValidSlug(s) {
		return nil
	}
	if len(s) > store.MaxSlug {
		return fmt.Errorf("%q is longer than %d bytes (a Japanese character takes 3)", s, store.MaxSlug)
	}
	if alt := store.Slugify(s); alt != "" && alt != s {
		return fmt.Errorf("%q is not a slug: use lowercase letters, digits and '-', e.g. %s", s, alt)
	}
	return fmt.Errorf("%q is not a slug: use lowercase letters, digits and '-'", s)
}

// parseWhole reads a whole number >= 0 and <= maxv, with optional ','
// thousands separators in the usual places (120,000).
func parseWhole(s string, maxv int64) (int64, error) {
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%s must not be negative", s)
	}
	digits := s
	if strings.Contains(s, ",") {
		groups := strings.Split(s, ",")
		ok := len(groups[0]) >= 1 && len(groups[0]) <= 3
		for _, g := range groups[1:] {
			ok = ok && len(g) == 3
		}
		if !ok {
			return 0, fmt.Errorf("%q is not a whole number (commas go between groups of three digits)", s)
		}
		digits = strings.Join(groups, "")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
	}
	if digits == "" {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxv {
		return 0, fmt.Errorf("%s is too large: the limit is %d", s, maxv)
	}
	return n, nil
}

// parseCount reads a whole number >= 0 that fits an int; empty is 0.
func parseCount(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := parseWhole(s, maxCount)
	return int(n), err
}

// parseDecimal reads a plain decimal number such as 4.5 or .45 (no sign,
// exponent, hex or underscores), which excludes NaN and infinities.
func parseDecimal(s string) (float64, error) {
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%s must not be negative", s)
	}
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			digits = -len(s) // not a decimal
		}
	}
	if digits <= 0 || dots > 1 || len(s) > 32 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// parseShare reads 0..1 or a percentage 0%..100%; empty clears it.
func parseShare(s string) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	if pct, ok := strings.CutSuffix(s, "%"); ok {
		f, err := parseDecimal(strings.TrimSpace(pct))
		if err != nil {
			return nil, err
		}
		if f > 100 {
			return nil, fmt.Errorf("%s is out of range: use 0%%..100%%", s)
		}
		f /= 100
		return &f, nil
	}
	f, err := parseDecimal(s)
	if err != nil {
		return nil, err
	}
	if f > 1 {
		return nil, fmt.Errorf("%s is out of range: use 0..1 or a percentage like 45%%", s)
	}
	return &f, nil
}

// Years outside this range are typos (0226, 20266) or spreadsheet epochs.
const minYear, maxYear = 1900, 2999

// parseDate reads YYYY-MM-DD as midnight UTC; empty is the zero time.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD (set the column's format before exporting)", s)
	}
	return t, checkYear(s, t)
}

// parseTime reads YYYY-MM-DD or RFC 3339, in UTC and at the millisecond
// precision the store keeps, so that a re-import compares equal.
func parseTime(s string) (time.Time, error) {
	if s == "" || len(s) == len(time.DateOnly) {
		return parseDate(s)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date or time: use YYYY-MM-DD or 2026-10-01T09:30:00+09:00", s)
	}
	t = t.UTC().Truncate(time.Millisecond)
	return t, checkYear(s, t)
}

func checkYear(s string, t time.Time) error {
	if y := t.Year(); y < minYear || y > maxYear {
		return fmt.Errorf("%q: year %d is out of range %d..%d", s, y, minYear, maxYear)
	}
	return nil
}

// parseMilestones reads "Name|due|done;Name|due|"; empty clears them.
func parseMilestones(s string) ([]store.Milestone, error) {
	var out []store.Milestone
	for i, item := range strings.Split(s, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.Split(item, "|")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("milestone %d %q: write Name|due|done with dates YYYY-MM-DD (done may be empty)", i+1, item)
		}
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		m, err := milestone(strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2]))
		if err != nil {
			return nil, fmt.Errorf("milestone %d: %w", i+1, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func milestone(name, due, done string) (store.Milestone, error) {
	if name == "" {
		return store.Milestone{}, errors.New("name is missing")
	}
	if err := store.CheckText("name", name, store.MaxName); err != nil {
		return store.Milestone{}, err
	}
	if due == "" {
		return store.Milestone{}, fmt.Errorf("%s: due date is missing", name)
	}
	d, err := parseDate(due)
	if err != nil {
		return store.Milestone{}, fmt.Errorf("%s: due %w", name, err)
	}
	m := store.Milestone{Name: name, Due: d}
	if done != "" {
		t, err := parseDate(done)
		if err != nil {
			return store.Milestone{}, fmt.Errorf("%s: done %w", name, err)
		}
		m.Done = &t
	}
	return m, nil
}
