package bot

import (
	"context"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

type userLocaleKey struct{}

// WithUserLocale records the locale the chat platform gives for the asker
// (Slack's users.info, a Discord interaction's locale), used when the
// member has set none.
func WithUserLocale(ctx context.Context, locale string) context.Context {
	return context.WithValue(ctx, userLocaleKey{}, locale)
}

// userLocale is the platform's locale for the asker; "" when not given.
func userLocale(ctx context.Context) string {
	s, _ := ctx.Value(userLocaleKey{}).(string)
	return s
}

// SetLocale sets the language of replies to people who chose none and
// whose platform gives none (CSBOT_LOCALE). Set it before serving.
func (rt *Router) SetLocale(locale string) { rt.locale = locale }

// lang is the language of a reply: the member's locale (memberLocale, ""
// before the member is known), else the platform's, else the deployment's.
func (rt *Router) lang(ctx context.Context, memberLocale string) string {
	return i18n.Resolve(memberLocale, userLocale(ctx), rt.locale)
}

// Localizer writes in the language csbot answers a chat user in, for what
// an adapter shows itself, such as a form's labels. A user who is not a
// member, or who cannot be looked up, reads the platform's language (see
// WithUserLocale), else the deployment's.
func (rt *Router) Localizer(ctx context.Context, platform, userID string) *i18n.Localizer {
	m, err := rt.dir.MemberByIdentity(ctx, platform, userID)
	if err != nil {
		m = store.Member{}
	}
	return rt.LocalizerOf(ctx, m)
}

// LocalizerOf writes in m's language, else the platform's (WithUserLocale),
// else the deployment's: for a message to a member csbot already found,
// and, given the zero Member, for someone who is none.
func (rt *Router) LocalizerOf(ctx context.Context, m store.Member) *i18n.Localizer {
	return i18n.For(rt.lang(ctx, m.Locale))
}

// L writes the request's messages in its language.
func (r *Request) L() *i18n.Localizer { return i18n.For(r.Locale) }
