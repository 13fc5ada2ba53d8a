package bot

import (
	"context"
	"strings"

	"github.com/csbot/csbot/store"
)

// Who may read an answer: replies are private to the asker by default,
// `share` posts them for the channel, and csbot keeps customer figures out
// of channels people of other organisations read. This file holds what the
// adapters share of that rule; each adapter knows how its platform shows
// a channel's audience.

// ChannelMarks reads admins' marks of chat channels (`/cs channel`).
type ChannelMarks interface {
	ChannelMark(ctx context.Context, platform, channel string) (store.ChannelMark, error)
}

type channelKey struct{}

// WithChannel records the chat channel a request came from, for commands
// about the channel itself (`/cs channel`).
func WithChannel(ctx context.Context, channel string) context.Context {
	return context.WithValue(ctx, channelKey{}, channel)
}

// ChannelOf is the chat channel a request came from; "" when it came from
// none (the console) or the adapter did not say.
func ChannelOf(ctx context.Context) string {
	s, _ := ctx.Value(channelKey{}).(string)
	return s
}

// Reasons a shared answer is sent privately instead.
const (
	// NotSharedExternal: an admin marked the channel external.
	NotSharedExternal = "An admin marked this channel external, so csbot will not post customer figures here; the answer was sent to you privately."
	// NotSharedUnknown: csbot could not read the channel's mark.
	NotSharedUnknown = "csbot could not check who can read this channel, so it did not post here; the answer was sent to you privately. Try `share` again in a minute."
)

// MarkRefusal is why a reply may not be shared in a channel of the given
// mark; "" when it may. An error reading the mark refuses: a figure posted
// to the wrong audience cannot be taken back.
func MarkRefusal(mark store.ChannelMark, err error) string {
	switch {
	case err != nil:
		return NotSharedUnknown
	case mark == store.ChannelExternal:
		return NotSharedExternal
	}
	return ""
}

// Privately is r for the asker only, opening with why it was not shared.
func (r Reply) Privately(reason string) Reply {
	r.Share = false
	r.Text = strings.TrimSpace(reason + "\n\n" + r.Text)
	return r
}

// RedactedNote ends a reply whose customer figures were left out.
const RedactedNote = "ARR and risk reasons are hidden in this channel; ask in a DM or have an admin mark it internal."

// Redact is r as a channel outside the team may see it: sensitive fields
// dropped, sensitive sections shown redacted or dropped, a sensitive chart
// dropped with its sparkline, and RedactedNote added when anything went.
func (r Reply) Redact() Reply {
	hid := false
	var fields []Field
	for _, f := range r.Fields {
		if f.Sensitive {
			hid = true
			continue
		}
		fields = append(fields, f)
	}
	var sections []Section
	for _, s := range r.Sections {
		if s.Sensitive {
			hid = true
			if s.Redacted == nil {
				continue
			}
			s = Section{Title: s.Title, Lines: s.Redacted}
		}
		sections = append(sections, s)
	}
	if !hid && (r.Image == nil || !r.Image.Sensitive) {
		return r
	}
	r.Fields, r.Sections = fields, sections
	if r.Image != nil && r.Image.Sensitive {
		r.Image, r.Text = nil, ""
	}
	r.Text = strings.TrimSpace(r.Text + "\n\n" + RedactedNote)
	return r
}
