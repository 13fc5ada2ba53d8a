package bot

import (
	"context"

	"github.com/csbot/csbot/bot/i18n"
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

// L writes the request's messages in its language.
func (r *Request) L() *i18n.Localizer { return i18n.For(r.Locale) }
