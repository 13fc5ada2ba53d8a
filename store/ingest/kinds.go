package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/importer"
)

// Kind is a kind of data csbot ingests.
type Kind string

// The kinds. Accounts take the fields of `csbot import accounts`.
const (
	Accounts  Kind = "accounts"
	Usage     Kind = "usage"
	Responses Kind = "responses"
	Tickets   Kind = "tickets"
	Touches   Kind = "touches"
	Revenue   Kind = "revenue"
)

// Kinds lists every kind in the order help text shows them.
var Kinds = []Kind{Accounts, Usage, Responses, Tickets, Touches, Revenue}

// ParseKind accepts a kind or an alias: metrics for usage, churn for
// revenue, and nps or csat for responses of that survey, returned as
// survey; a response that names no kind gets it.
func ParseKind(s string) (k Kind, survey string, err error) {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "metrics":
		return Usage, "", nil
	case "churn":
		return Revenue, "", nil
	case store.SurveyNPS, store.SurveyCSAT:
		return Responses, s, nil
	}
	if slices.Contains(Kinds, Kind(s)) {
		return Kind(s), "", nil
	}
	return "", "", fmt.Errorf("unknown kind %q: use accounts, usage (metrics), responses (nps, csat), tickets, touches or revenue (churn)", s)
}

// Field is one field of a kind (a CSV column, a JSON field).
type Field struct {
	Name        string
	Required    bool
	Description string
}

// Fields lists the fields of a kind, in the order of a sample file.
func Fields(k Kind) []Field {
	if k == Accounts {
		var out []Field
		for _, c := range importer.Columns {
			out = append(out, Field{Name: c.Name, Description: c.Description})
		}
		return out
	}
	return specOf(k).fields()
}

func fieldNames(k Kind) []string {
	var out []string
	for _, f := range Fields(k) {
		out = append(out, f.Name)
	}
	return out
}

// field parses one cell into an item of type T.
type field[T any] struct {
	name     string
	required bool
	desc     string
	set      func(it *T, s string) error
}

// spec is what ingest knows of one kind of event.
type spec[T any] struct {
	kind  Kind
	cols  []field[T]
	id    func(T) string
	acct  func(T) string
	check func(it *T, c checkCtx) []ItemError
}

// checkCtx is what item checks depend on besides the item.
type checkCtx struct {
	now    time.Time
	survey string // default survey kind of the nps and csat aliases
}

func (sp *spec[T]) fields() []Field {
	out := make([]Field, len(sp.cols))
	for i, c := range sp.cols {
		out[i] = Field{Name: c.name, Required: c.required, Description: c.desc}
	}
	return out
}

// parse turns an item's cells into a T and lists what is wrong with it.
func (sp *spec[T]) parse(it Item, c checkCtx) (T, []ItemError) {
	var v T
	errs := slices.Clone(it.bad)
	have := map[string]bool{}
	for i, name := range it.names {
		if i >= len(it.cells) || slices.ContainsFunc(errs, func(e ItemError) bool { return e.Field == name }) {
			continue
		}
		cell := strings.TrimSpace(it.cells[i])
		if cell == "" {
			continue
		}
		have[name] = true
		for _, f := range sp.cols {
			if f.name == name {
				if err := f.set(&v, cell); err != nil {
					errs = append(errs, ItemError{Field: name, Message: err.Error()})
				}
			}
		}
	}
	if slices.ContainsFunc(errs, func(e ItemError) bool { return e.Field == "" }) {
		return v, errs // a short or long CSV row: its missing fields say nothing more
	}
	for _, f := range sp.cols {
		if f.required && !have[f.name] && !slices.ContainsFunc(errs, func(e ItemError) bool { return e.Field == f.name }) {
			errs = append(errs, ItemError{Field: f.name, Message: "is required"})
		}
	}
	if len(errs) == 0 {
		errs = sp.check(&v, c)
	}
	return v, errs
}

func specOf(k Kind) interface{ fields() []Field } {
	switch k {
	case Usage:
		return usageSpec
	case Responses:
		return responseSpec
	case Tickets:
		return ticketSpec
	case Touches:
		return touchSpec
	case Revenue:
		return revenueSpec
	}
	panic("ingest: no spec for kind " + string(k))
}

// MaxID bounds client-supplied ids.
const MaxID = 128

// The field setters. Each parses a trimmed, non-empty cell.

func setID(dst *string, s string) error {
	switch {
	case len(s) > MaxID:
		return fmt.Errorf("is %d bytes, longer than %d", len(s), MaxID)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("must be printable UTF-8 text")
	}
	*dst = s
	return nil
}

// setAccount folds the slug as slugs are written (ＳＡＫＵＲＡ is sakura).
func setAccount(dst *string, s string) error {
	s = suggest.Fold(s)
	if len(s) > store.MaxSlug {
		return fmt.Errorf("%q is longer than %d bytes", s, store.MaxSlug)
	}
	*dst = s
	return nil
}

func setTime(dst *time.Time, s string) (err error) {
	*dst, err = importer.ParseTime(s)
	return err
}

func setCount(dst *int, s string) (err error) {
	*dst, err = importer.ParseCount(s)
	return err
}

func setBool(dst *bool, s string) error {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1":
		*dst = true
	case "false", "no", "n", "0":
		*dst = false
	default:
		return fmt.Errorf("%q is not true or false", s)
	}
	return nil
}

func setOneOf(dst *string, s, what string, allowed []string) error {
	s = strings.ToLower(s)
	if !slices.Contains(allowed, s) {
		return fmt.Errorf("unknown %s %q: use %s", what, s, strings.Join(allowed, ", "))
	}
	*dst = s
	return nil
}

// notFuture refuses a time more than a day ahead of now: clocks and time
// zones differ, data from the future does not exist.
func notFuture(name string, t time.Time, now time.Time) []ItemError {
	if t.After(now.Add(24 * time.Hour)) {
		return []ItemError{{Field: name, Message: fmt.Sprintf("%s is in the future", t.Format(time.RFC3339))}}
	}
	return nil
}

var usageSpec = &spec[store.Usage]{
	kind: Usage,
	cols: []field[store.Usage]{
		{"account", true, "account slug", func(u *store.Usage, s string) error { return setAccount(&u.Account, s) }},
		{"day", true, "day the figures are for, YYYY-MM-DD; with account the key of the row", func(u *store.Usage, s string) error {
			t, err := importer.ParseDate(s)
			u.Day = store.Day(t)
			return err
		}},
		{"active_users", true, "users active that day, a whole number >= 0", func(u *store.Usage, s string) error { return setCount(&u.Active, s) }},
		{"seats", true, "licensed seats, a whole number >= 0", func(u *store.Usage, s string) error { return setCount(&u.Seats, s) }},
		{"feature_adoption", false, "share of key features in use: 0..1 or a percentage like 45%", func(u *store.Usage, s string) (err error) {
			u.Adoption, err = importer.ParseShare(s)
			return err
		}},
	},
	id:   store.Usage.Key,
	acct: func(u store.Usage) string { return u.Account },
	check: func(u *store.Usage, c checkCtx) []ItemError {
		d, _ := time.Parse(time.DateOnly, u.Day)
		return notFuture("day", d, c.now)
	},
}

var responseSpec = &spec[store.Response]{
	kind: Responses,
	cols: []field[store.Response]{
		{"id", true, "the survey tool's id of the answer, up to 128 bytes", func(r *store.Response, s string) error { return setID(&r.ID, s) }},
		{"account", true, "account slug", func(r *store.Response, s string) error { return setAccount(&r.Account, s) }},
		{"kind", false, "nps or csat; `csbot import nps|csat` and /api/v1/nps|csat fill it in", func(r *store.Response, s string) error {
			return setOneOf(&r.Kind, s, "survey kind", []string{store.SurveyNPS, store.SurveyCSAT})
		}},
		{"score", true, "NPS 0..10 or CSAT 1..5, a whole number", func(r *store.Response, s string) error {
			n, err := importer.ParseCount(s)
			r.Score = float64(n)
			return err
		}},
		{"at", true, "when it was answered, YYYY-MM-DD or RFC 3339", func(r *store.Response, s string) error { return setTime(&r.At, s) }},
	},
	id:   func(r store.Response) string { return r.ID },
	acct: func(r store.Response) string { return r.Account },
	check: func(r *store.Response, c checkCtx) []ItemError {
		switch {
		case r.Kind == "" && c.survey == "":
			return []ItemError{{Field: "kind", Message: "is required: nps or csat"}}
		case r.Kind == "":
			r.Kind = c.survey
		case c.survey != "" && r.Kind != c.survey:
			return []ItemError{{Field: "kind", Message: fmt.Sprintf("%s in a batch of %s answers; send mixed answers as responses", r.Kind, c.survey)}}
		}
		lo, hi := 0.0, 10.0
		if r.Kind == store.SurveyCSAT {
			lo, hi = 1, 5
		}
		if r.Score < lo || r.Score > hi {
			return []ItemError{{Field: "score", Message: fmt.Sprintf("%v is out of range: %s answers are %v..%v", r.Score, strings.ToUpper(r.Kind), lo, hi)}}
		}
		return notFuture("at", r.At, c.now)
	},
}

var ticketSpec = &spec[store.Ticket]{
	kind: Tickets,
	cols: []field[store.Ticket]{
		{"id", true, "the support tool's ticket id, up to 128 bytes", func(t *store.Ticket, s string) error { return setID(&t.ID, s) }},
		{"account", true, "account slug", func(t *store.Ticket, s string) error { return setAccount(&t.Account, s) }},
		{"opened", true, "when it was opened, YYYY-MM-DD or RFC 3339", func(t *store.Ticket, s string) error { return setTime(&t.Opened, s) }},
		{"closed", false, "when it was closed; empty while open", func(t *store.Ticket, s string) error {
			t.Closed = new(time.Time)
			return setTime(t.Closed, s)
		}},
		{"escalated", false, "true while escalated; empty is false", func(t *store.Ticket, s string) error { return setBool(&t.Escalated, s) }},
	},
	id:   func(t store.Ticket) string { return t.ID },
	acct: func(t store.Ticket) string { return t.Account },
	check: func(t *store.Ticket, c checkCtx) []ItemError {
		if t.Closed != nil && t.Closed.Before(t.Opened) {
			return []ItemError{{Field: "closed", Message: "is before opened"}}
		}
		if t.Closed != nil {
			return append(notFuture("opened", t.Opened, c.now), notFuture("closed", *t.Closed, c.now)...)
		}
		return notFuture("opened", t.Opened, c.now)
	},
}

var touchSpec = &spec[store.Touch]{
	kind: Touches,
	cols: []field[store.Touch]{
		{"id", true, "the CRM's id of the activity, up to 128 bytes", func(t *store.Touch, s string) error { return setID(&t.ID, s) }},
		{"account", true, "account slug", func(t *store.Touch, s string) error { return setAccount(&t.Account, s) }},
		{"kind", true, strings.Join(store.TouchKinds, ", "), func(t *store.Touch, s string) error {
			return setOneOf(&t.Kind, s, "touch kind", store.TouchKinds)
		}},
		{"at", true, "when it happened, YYYY-MM-DD or RFC 3339", func(t *store.Touch, s string) error { return setTime(&t.At, s) }},
		{"author", false, "who made it: a member id, or a name or email from the CRM, up to 200 characters", func(t *store.Touch, s string) error {
			t.Author = strings.TrimPrefix(s, "@")
			return store.CheckText("", t.Author, store.MaxName)
		}},
		{"text", false, "what happened, up to 4,000 characters", func(t *store.Touch, s string) error {
			t.Text = s
			return store.CheckText("", s, store.MaxNote)
		}},
	},
	id:    func(t store.Touch) string { return t.ID },
	acct:  func(t store.Touch) string { return t.Account },
	check: func(t *store.Touch, c checkCtx) []ItemError { return notFuture("at", t.At, c.now) },
}

var revenueSpec = &spec[store.RevenueEvent]{
	kind: Revenue,
	cols: []field[store.RevenueEvent]{
		{"id", true, "the billing or CRM id of the event, up to 128 bytes", func(e *store.RevenueEvent, s string) error { return setID(&e.ID, s) }},
		{"account", true, "account slug", func(e *store.RevenueEvent, s string) error { return setAccount(&e.Account, s) }},
		{"type", true, "new, renewal, expansion, contraction or cancellation", func(e *store.RevenueEvent, s string) error {
			return setOneOf(&e.Type, s, "revenue type", revenueTypes)
		}},
		{"arr", true, "the ARR concerned, a whole number >= 0: new or renewed ARR, added, removed or lost", func(e *store.RevenueEvent, s string) (err error) {
			e.ARR, err = importer.ParseWhole(s, store.MaxARR)
			return err
		}},
		{"at", true, "when it took effect, YYYY-MM-DD or RFC 3339", func(e *store.RevenueEvent, s string) error { return setTime(&e.At, s) }},
	},
	id:    func(e store.RevenueEvent) string { return e.ID },
	acct:  func(e store.RevenueEvent) string { return e.Account },
	check: func(e *store.RevenueEvent, c checkCtx) []ItemError { return notFuture("at", e.At, c.now) },
}

var revenueTypes = []string{store.RevenueNew, store.RevenueRenewal, store.RevenueExpansion, store.RevenueContraction, store.RevenueCancellation}
