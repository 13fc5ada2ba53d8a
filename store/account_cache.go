package store

import (
	"slices"
	"sync"
)

// accountCache keeps account documents of the embedded store in memory.
// That store serves one process and every account write goes through this
// Store, so the cache is written through and never stale; it takes the
// embedded FerretDB (0.6 ms a read, one core's worth at a few thousand
// reads a second) off the path of every `/cs health`.
type accountCache struct {
	mu       sync.Mutex
	accounts map[string]Account
	// gen counts writes; a read that raced a write does not fill the cache.
	gen uint64
}

// maxCachedAccounts bounds memory: past it the cache starts over.
const maxCachedAccounts = 50000

func (c *accountCache) get(slug string) (Account, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.accounts[slug]
	return a.clone(), ok, c.gen
}

// fill caches a document read from the database, unless a write happened
// since the read began (gen is what get returned).
func (c *accountCache) fill(a Account, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	c.put(a)
}

func (c *accountCache) put(a Account) {
	if c.accounts == nil || len(c.accounts) >= maxCachedAccounts {
		c.accounts = map[string]Account{}
	}
	c.accounts[a.Slug] = a.clone()
}

// wrote records a write: the new document when known, else the slugs to forget.
func (c *accountCache) wrote(a *Account, forget ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if a != nil {
		c.put(*a)
	}
	for _, s := range forget {
		delete(c.accounts, s)
	}
}

// clone copies everything of an account a caller could change in place:
// the milestones and the values behind pointers.
func (a Account) clone() Account {
	a.Milestones = slices.Clone(a.Milestones)
	for i, m := range a.Milestones {
		a.Milestones[i].Done = clonePtr(m.Done)
	}
	a.FeatureAdoption, a.NPS, a.CSAT, a.OpenTickets = clonePtr(a.FeatureAdoption), clonePtr(a.NPS), clonePtr(a.CSAT), clonePtr(a.OpenTickets)
	return a
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
