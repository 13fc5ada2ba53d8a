package i18n

import "context"

type localizerKey struct{}

// NewContext carries the request's Localizer, for messages written deep in
// shared helpers (an access refusal, an account lookup) that take no
// request of their own.
func NewContext(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, localizerKey{}, l)
}

// FromContext is the Localizer NewContext carried; English when none.
func FromContext(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(localizerKey{}).(*Localizer); ok {
		return l
	}
	return English
}
