package bot

import (
	"context"
	"strings"

	"github.com/csbot/csbot/bot/i18n"
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

type channelNameKey struct{}

// WithChannelName records the name of the channel a request came from, as
// the platform gave it with the request, for the audit trail.
func WithChannelName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, channelNameKey{}, name)
}

// ChannelNameOf is the name of the channel a request came from; "" when the
// adapter did not say (the platform sent no name, or a direct message).
func ChannelNameOf(ctx context.Context) string {
	s, _ := ctx.Value(channelNameKey{}).(string)
	return s
}

// ChannelOf is the chat channel a request came from; "" when it came from
// none (the console) or the adapter did not say.
func ChannelOf(ctx context.Context) string {
	s, _ := ctx.Value(channelKey{}).(string)
	return s
}

// MarkRefusal is why a reply may not be shared in a channel of the given
// mark, in l's language; "" when it may. An error reading the mark
// refuses: a figure posted to the wrong audience cannot be taken back.
func MarkRefusal(l *i18n.Localizer, mark store.ChannelMark, err error) string {
	switch {
	case err != nil:
		return l.T("adapter.not_shared.unknown", nil)
	case mark == store.ChannelExternal:
		return l.T("adapter.not_shared.external", nil)
	}
	return ""
}

// Privately is r for the asker only, opening with why it was not shared.
func (r Reply) Privately(reason string) Reply {
	r.Share = false
	r.Text = strings.TrimSpace(reason + "\n\n" + r.Text)
	return r
}

// Redact is r as a channel outside the team may see it: sensitive fields
// dropped, sensitive sections shown redacted or dropped, a sensitive chart
// dropped with its sparkline, and a note in l's language (adapter.redacted)
// added when anything went.
func (r Reply) Redact(l *i18n.Localizer) Reply {
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
	r.Text = strings.TrimSpace(r.Text + "\n\n" + l.T("adapter.redacted", nil))
	return r
}
