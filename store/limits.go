package store

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Bounds on what one document holds. A MongoDB document cannot exceed
// 16 MiB and chat messages are short, so free text is bounded where it
// enters (the chat commands, the ingest API and files, the account
// importer) and again where the store writes it. Lengths count characters
// (runes), as people do.
const (
	// MaxName bounds the names of accounts, members, teams, milestones and
	// playbooks, and a touch's author.
	MaxName = 200
	// MaxLabel bounds short labels: segment, region, industry, time zone,
	// locale.
	MaxLabel = 100
	// MaxNote bounds long free text: a touch's or note's text, a
	// checklist item's evidence and an audit entry's detail.
	MaxNote = 4000
	// MaxURL bounds a webhook address.
	MaxURL = 2000
)

// MaxARR bounds an ARR amount, an account's or a revenue event's: 10^15 of
// any currency's unit. Sums of ARR over many accounts or events use
// AddARR, which saturates instead of overflowing int64.
const MaxARR = 1_000_000_000_000_000

// ErrTooLong marks text longer than its limit (a *TooLongError).
var ErrTooLong = errors.New("store: text too long")

// ErrOutOfRange marks a number outside its bounds.
var ErrOutOfRange = errors.New("store: number out of range")

// TooLongError is text over its limit. Field may be empty where the caller
// names the field itself (an import's column, an API item's field).
type TooLongError struct {
	Field         string
	Length, Limit int
}

func (e *TooLongError) Error() string {
	msg := fmt.Sprintf("is %d characters, more than the limit of %d: shorten it", e.Length, e.Limit)
	if e.Field != "" {
		msg = e.Field + " " + msg
	}
	return msg
}

// Is makes errors.Is(err, ErrTooLong) hold.
func (e *TooLongError) Is(target error) bool { return target == ErrTooLong }

// CheckText returns a *TooLongError when value has more than limit
// characters (runes).
func CheckText(field, value string, limit int) error {
	if n := utf8.RuneCountInString(value); n > limit {
		return &TooLongError{Field: field, Length: n, Limit: limit}
	}
	return nil
}

// CheckARR refuses an amount below 0 or above MaxARR, wrapping ErrOutOfRange.
func CheckARR(field string, v int64) error {
	if v < 0 || v > MaxARR {
		return fmt.Errorf("%s %d is outside 0..%d: %w", field, v, int64(MaxARR), ErrOutOfRange)
	}
	return nil
}

// AddARR adds two amounts, saturating at ±math.MaxInt64: a sum over every
// account and event can then never wrap around, and can always be negated.
func AddARR(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0, s == math.MinInt64:
		return -math.MaxInt64
	}
	return s
}

// ClampARR brings a derived ARR into 0..MaxARR.
func ClampARR(v int64) int64 { return min(max(v, 0), MaxARR) }

// textField is one free-text field of a document and its limit.
type textField struct {
	name, value string
	max         int
}

func checkTexts(fields ...textField) error {
	var errs []error
	for _, f := range fields {
		if err := CheckText(f.name, f.value, f.max); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Check reports the account's free text over its limits and an ARR
// outside 0..MaxARR: the last guard before a write.
func (a Account) Check() error {
	fields := []textField{{"name", a.Name, MaxName}, {"segment", a.Segment, MaxLabel}, {"region", a.Region, MaxLabel}, {"industry", a.Industry, MaxLabel}}
	for _, m := range a.Milestones {
		fields = append(fields, textField{"milestone name", m.Name, MaxName})
	}
	for _, p := range a.Playbooks {
		fields = append(fields, textField{"playbook name", p.Name, MaxName})
	}
	return errors.Join(checkTexts(fields...), CheckARR("ARR", a.ARR))
}

// Check reports the member's free text over its limits.
func (m Member) Check() error {
	return checkTexts(textField{"name", m.Name, MaxName}, textField{"region", m.Region, MaxLabel},
		textField{"time zone", m.TZ, MaxLabel}, textField{"locale", m.Locale, MaxLabel})
}

// Check reports the team's free text over its limits.
func (t Team) Check() error {
	return checkTexts(textField{"name", t.Name, MaxName}, textField{"region", t.Region, MaxLabel},
		textField{"segment", t.Segment, MaxLabel}, textField{"Teams webhook", t.TeamsWebhook, MaxURL}, textField{"Teams channel", t.TeamsChannel, MaxURL})
}

// Check reports the touch's free text over its limits.
func (t Touch) Check() error {
	return checkTexts(textField{"author", t.Author, MaxName}, textField{"text", t.Text, MaxNote})
}

// Check reports the checklist's evidence and audit details over their limits.
func (a Assignment) Check() error {
	var fields []textField
	for _, s := range a.Items {
		fields = append(fields, textField{"evidence of " + s.Key, s.Evidence, MaxNote})
	}
	for _, e := range a.Audit {
		fields = append(fields, textField{"audit detail", e.Detail, MaxNote})
	}
	return checkTexts(fields...)
}
