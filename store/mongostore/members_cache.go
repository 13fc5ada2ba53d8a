package mongostore

import (
	"context"
	"sync"

	"github.com/csbot/csbot/store"
)

// memberCache keeps every member and chat link in memory. Only the embedded
// store uses it: that store serves one process, all member writes go
// through SaveMember here, and every command would otherwise pay one or two
// extra lookups (0.6 ms each on FerretDB) to identify the caller and owner.
type memberCache struct {
	mu      sync.Mutex
	loaded  bool
	members map[string]store.Member
	links   map[string]string // identityID -> member id
}

func (c *memberCache) invalidate() {
	c.mu.Lock()
	c.loaded = false
	c.mu.Unlock()
}

// get returns the member with id, loading the cache on first use.
func (c *memberCache) get(ctx context.Context, s *Store, fn func(members map[string]store.Member, links map[string]string) (store.Member, bool)) (store.Member, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		members, err := all[store.Member](ctx, s, s.members)
		if err != nil {
			return store.Member{}, false, err
		}
		links, err := all[identity](ctx, s, s.identities)
		if err != nil {
			return store.Member{}, false, err
		}
		c.members = make(map[string]store.Member, len(members))
		for _, m := range members {
			c.members[m.ID] = m
		}
		c.links = make(map[string]string, len(links))
		for _, l := range links {
			c.links[l.ID] = l.Member
		}
		c.loaded = true
	}
	m, ok := fn(c.members, c.links)
	return m.Clone(), ok, nil
}
