package mongostore

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/csbot/csbot/store"
)

// accountCache keeps account documents of the embedded store in memory.
// That store serves one process and every account write goes through this
// Store, so the cache is written through and never stale; it takes the
// embedded FerretDB (0.6 ms a read, one core's worth at a few thousand
// reads a second) off the path of every `/cs health`.
type accountCache struct {
	mu       sync.Mutex
	accounts map[string]store.Account
	// gen counts writes; a read that raced a write does not fill the cache.
	gen uint64
	// complete is set once the cache holds every account (after a warm-up
	// that no write disturbed) and cleared when an entry is dropped; while
	// set, whole-collection reads come from memory.
	complete bool
	// slugs holds every slug this process has read or written and, once
	// allSlugs is set, every stored account's: a slug outside it is known
	// missing without a read (the embedded store answers a missing _id as
	// slowly as a found one), which is what makes importing a new book
	// cheap. Accounts are never deleted, so the set only grows; slugs are
	// small, so it is kept past maxCachedAccounts (about 5 MB at 100,000).
	slugs    map[string]struct{}
	allSlugs bool
	// limit is the most documents kept (maxCachedAccounts unless set).
	limit int
}

// maxCachedAccounts bounds memory (about 1 KB an account): past it the
// cache starts over, so a bigger book is served partly from FerretDB and
// whole-collection reads scan it.
const maxCachedAccounts = 50000

// get returns the cached account, or missing when the account is known not
// to exist, and the write generation for fill.
func (c *accountCache) get(slug string) (a store.Account, found, missing bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, found = c.accounts[slug]
	_, known := c.slugs[slug]
	return a.Clone(), found, !found && c.allSlugs && !known, c.gen
}

func (c *accountCache) max() int {
	if c.limit > 0 {
		return c.limit
	}
	return maxCachedAccounts
}

// knowAll records that slugs now holds every stored account: after a full
// scan, or when the collection was empty.
func (c *accountCache) knowAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.allSlugs = true
}

// fill caches a document read from the database, unless a write happened
// since the read began (gen is what get returned).
func (c *accountCache) fill(a store.Account, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		c.know(a.Slug)
		return
	}
	c.put(a)
}

func (c *accountCache) put(a store.Account) {
	if c.accounts == nil || len(c.accounts) >= c.max() {
		c.accounts = map[string]store.Account{}
		c.complete = false
	}
	c.accounts[a.Slug] = a.Clone()
	c.know(a.Slug)
}

// know adds a slug to the set of existing accounts; a write that may have
// failed adds it too, since a slug too many only costs a read.
func (c *accountCache) know(slug string) {
	if c.slugs == nil {
		c.slugs = map[string]struct{}{}
	}
	if _, ok := c.slugs[slug]; !ok {
		// A copy: a slug may share the memory of a bigger string (an
		// imported CSV record), which the set would keep for good.
		c.slugs[strings.Clone(slug)] = struct{}{}
	}
}

// warmed marks the cache complete if no write happened since gen.
func (c *accountCache) warmed(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen && c.accounts != nil {
		c.complete = true
	}
}

// cachedSlugs returns the slugs of every account, or false when the cache
// may lack some. Callers read the accounts one at a time, so that a pass
// over the book holds one copy of an account at a time, not of all of them.
func (c *accountCache) cachedSlugs() ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.complete {
		return nil, false
	}
	return slices.Collect(maps.Keys(c.accounts)), true
}

// wroteHistories records a successful SaveHistories.
func (c *accountCache) wroteHistories(hs map[string]store.History) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for slug, h := range hs {
		if a, ok := c.accounts[slug]; ok {
			a.History = h
			a.Version++
			c.accounts[slug] = a
		}
	}
}

// wrote records a write: the new document when known, else the slugs to forget.
func (c *accountCache) wrote(a *store.Account, forget ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if a != nil {
		c.put(*a)
	}
	for _, s := range forget {
		delete(c.accounts, s)
		c.know(s)
		c.complete = false
	}
}
