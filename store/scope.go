package store

import (
	"context"
	"sync"
)

// A scope is one request's view of the store: a store that keeps a cache
// checks it against the database once per scope (one cheap read), so that
// every change made anywhere is seen by the next request, while the reads
// within one request cost nothing more.
type scope struct {
	mu      sync.Mutex
	checked map[string]bool
}

type scopeKey struct{}

// WithScope starts a scope; the router starts one for each request.
func WithScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scope{checked: map[string]bool{}})
}

// FirstInScope reports whether what has not been checked yet in ctx's
// scope, marking it checked. Outside a scope it is always true: a
// background job checks on every read.
func FirstInScope(ctx context.Context, what string) bool {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checked[what] {
		return false
	}
	s.checked[what] = true
	return true
}
