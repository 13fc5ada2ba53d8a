// Package bot is csbot's runtime: the platform-neutral request and reply,
// the command registry, the router that every chat adapter feeds, and the
// small Adapter interface those adapters implement.
package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// Request is one command from a chat user, after routing.
type Request struct {
	Platform string
	UserID   string
	// Member is the registered person behind UserID.
	Member store.Member
	// Command is the command's name and Sub its subcommand's, if any.
	Command string
	Sub     string
	// Locale is the language to answer in, e.g. "ja": the member's
	// locale, else the platform's, else the deployment's (see i18n.Resolve).
	Locale string
	// args are the parsed arguments by name, checked against the grammar.
	args map[string]string
}

// Arg is an argument's value: the word or text given, an enum's choice, a
// member's bare id; "" when it was not given.
func (r *Request) Arg(name string) string { return r.args[name] }

// Has reports whether an argument was given; for a flag, whether it is set.
func (r *Request) Has(name string) bool {
	_, ok := r.args[name]
	return ok
}

// Duration is a Duration argument's value; 0 when not given.
func (r *Request) Duration(name string) time.Duration {
	d, _ := ParseDuration(r.args[name]) // checked when parsed
	return d
}

// Date is a Date argument's day at midnight UTC; zero when not given.
func (r *Request) Date(name string) time.Time {
	t, _ := time.Parse(time.DateOnly, r.args[name]) // checked when parsed
	return t
}

// Reply is what a command answers, built once and rendered per platform.
type Reply struct {
	Title string
	// Band colours the reply: green, yellow, red, none, or empty.
	Band     string
	Text     string
	Fields   []Field
	Sections []Section
	Buttons  []Button
	// Footer says how fresh the data is.
	Footer string
	// Error marks a reply that explains a refused or failed request.
	Error bool
	// Share posts the reply for the whole channel instead of only the asker.
	Share bool
	// Image is a chart. Platforms that can upload files attach it; the
	// others show Text, which then carries a text sparkline of the same data.
	Image *Image
}

// Image is a rendered PNG.
type Image struct {
	// Name is the file name, e.g. "acme-health.png"; Alt describes it.
	Name, Alt string
	PNG       []byte
	// Sensitive marks a chart of customer figures; the reply's Text, its
	// sparkline, is then left out with it in a public channel.
	Sensitive bool
}

// Field is a short labelled value.
type Field struct {
	Name, Value string
	// Sensitive marks a customer figure (ARR, NPS answers, risk reasons)
	// that channels outside the team never see (see Reply.Redact).
	Sensitive bool
}

// Section is a titled list of lines.
type Section struct {
	Title string
	Lines []string
	// Sensitive marks lines that carry customer figures. Redacted, when
	// set, is what a public channel sees instead (the same lines without
	// the figures); otherwise the section is left out there.
	Sensitive bool
	Redacted  []string
}

// Button is an action a platform may offer. Pressing it runs Value as a
// command line ("onboarding acme"); the note button (ID NoteButton)
// instead opens a form to log a touch on the account whose slug is its
// Value.
type Button struct {
	ID, Label, Value string
}

// NoteButton is the ID of the button that opens the note form.
const NoteButton = "note"

// OpensNote reports whether pressing b opens the note form rather than
// running its Value.
func (b Button) OpensNote() bool { return b.ID == NoteButton }

// Typed is what a user types to do what b does, on a platform without
// buttons: its command, or the note command for the user to complete.
func (b Button) Typed() string {
	if b.OpensNote() {
		return NoteLine(b.Value, "", "<what happened>")
	}
	return b.Value
}

// NoteLine is the command line a submitted note form runs: text logged on
// the account slug, as a touch of kind ("" or "note": the text's first
// word says, e.g. "call with the CTO").
func NoteLine(slug, kind, text string) string {
	if kind != "" && kind != "note" {
		text = kind + ": " + text
	}
	return strings.TrimSpace("note " + Quote(slug) + " " + text)
}

// Handler runs a command.
type Handler func(ctx context.Context, req *Request) (Reply, error)

// Adapter is one chat platform as delivery and shutdown use it. How an
// adapter takes requests differs too much to share (an HTTP handler, a
// Socket Mode loop, a gateway held by one replica): the binary wires that
// per platform.
type Adapter interface {
	// Name is the platform name used in identities, e.g. "slack".
	Name() string
	// Send delivers a reply outside of a request, e.g. a reminder.
	Send(ctx context.Context, to Destination, r Reply) error
	// Wait blocks until answers still being delivered are, for shutdown.
	Wait()
}

// Destination is where an unsolicited message goes: a member or a channel.
type Destination struct {
	Member  string
	Channel string
	// Outbox, when set, is the outbox item being delivered: the adapter
	// tags and resumes its parts (see Outbox.Each).
	Outbox *Outbox
}

// UserError is a refusal the user can act on: bad input, missing rights.
type UserError struct {
	// Msg is the message in English, as logs and tests read it.
	Msg string
	// Usage asks the router to add the command's usage line.
	Usage bool
	// key and data name the catalogue message the router writes in the
	// member's language; "" for a message held in English only (Errorf).
	key  string
	data i18n.Data
}

func (e *UserError) Error() string { return e.Msg }

// In is the message in l's language.
func (e *UserError) In(l *i18n.Localizer) string {
	if e.key == "" {
		return e.Msg
	}
	return l.T(e.key, e.data)
}

// Refusal returns a UserError that the router writes in the member's
// language: the catalogue message key, its placeholders filled from data.
// Handlers need no localizer to refuse, and the message stays whole when
// it is passed on.
func Refusal(key string, data i18n.Data) error { return refusal(key, data, false) }

// UsageRefusal is Refusal that shows the command's usage.
func UsageRefusal(key string, data i18n.Data) error { return refusal(key, data, true) }

func refusal(key string, data i18n.Data, usage bool) *UserError {
	return &UserError{Msg: i18n.English.T(key, data), Usage: usage, key: key, data: data}
}

// Errorf returns a UserError.
func Errorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// UsageErrorf returns a UserError that shows the command's usage.
func UsageErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...), Usage: true}
}

// AsUserError unwraps a UserError.
func AsUserError(err error) (*UserError, bool) {
	var ue *UserError
	ok := errors.As(err, &ue)
	return ue, ok
}
