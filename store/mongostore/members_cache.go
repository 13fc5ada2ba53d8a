package mongostore

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/csbot/csbot/store"
)

// memberCache keeps every member, chat link and team in memory: every
// command identifies its caller, names owners and places accounts in
// teams for the access rules, which would otherwise cost a read each. The
// organisation is small (hundreds of members, tens of teams).
//
// It stays coherent across processes and replicas through a generation
// counter in the meta collection: every member, link or team write bumps it
// after writing, and a read checks it once per request scope
// (store.WithScope) and reloads when it moved, so a role or identity change
// made anywhere takes effect on the next request everywhere. The embedded
// store serves one process, whose writes drop the cache directly, so it
// needs no counter.
type memberCache struct {
	mu      sync.Mutex
	loaded  bool
	gen     int64
	members map[string]store.Member
	links   map[string]string // identityID -> member id
	teams   map[string]store.Team
}

const membersGenID = "members-generation"

func (c *memberCache) invalidate() {
	c.mu.Lock()
	c.loaded = false
	c.mu.Unlock()
}

// get returns the member fn finds, loading the cache when it is empty or
// stale.
func (c *memberCache) get(ctx context.Context, s *Store, fn func(members map[string]store.Member, links map[string]string) (store.Member, bool)) (store.Member, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fresh(ctx, s); err != nil {
		return store.Member{}, false, err
	}
	m, ok := fn(c.members, c.links)
	return m.Clone(), ok, nil
}

// team returns team id, loading the cache when it is empty or stale.
func (c *memberCache) team(ctx context.Context, s *Store, id string) (store.Team, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fresh(ctx, s); err != nil {
		return store.Team{}, false, err
	}
	t, ok := c.teams[id]
	return t, ok, nil
}

// allMembers returns copies of every member, by id.
func (c *memberCache) allMembers(ctx context.Context, s *Store) ([]store.Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fresh(ctx, s); err != nil {
		return nil, err
	}
	out := make([]store.Member, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, m.Clone())
	}
	slices.SortFunc(out, func(a, b store.Member) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// allTeams returns every team, by id.
func (c *memberCache) allTeams(ctx context.Context, s *Store) ([]store.Team, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.fresh(ctx, s); err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(c.teams))
	slices.SortFunc(out, func(a, b store.Team) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// fresh checks the generation (once per request scope, on MongoDB) and
// loads members, links and teams when the cache is empty or stale. Call it
// holding mu.
func (c *memberCache) fresh(ctx context.Context, s *Store) error {
	if s.embedded == nil && store.FirstInScope(ctx, "members") {
		gen, err := s.membersGeneration(ctx)
		if err != nil {
			return err
		}
		if gen != c.gen {
			c.loaded, c.gen = false, gen
		}
	}
	if c.loaded {
		return nil
	}
	members, err := all[store.Member](ctx, s, s.members)
	if err != nil {
		return err
	}
	links, err := all[identity](ctx, s, s.identities)
	if err != nil {
		return err
	}
	teams, err := all[store.Team](ctx, s, s.teams)
	if err != nil {
		return err
	}
	c.members = make(map[string]store.Member, len(members))
	for _, m := range members {
		c.members[m.ID] = m
	}
	c.links = make(map[string]string, len(links))
	for _, l := range links {
		c.links[l.ID] = l.Member
	}
	c.teams = make(map[string]store.Team, len(teams))
	for _, t := range teams {
		c.teams[t.ID] = t
	}
	c.loaded = true
	return nil
}

type generationDoc struct {
	ID  string `bson:"_id"`
	Gen int64  `bson:"gen"`
}

func (s *Store) membersGeneration(ctx context.Context) (int64, error) {
	var d generationDoc
	err := s.meta.FindOne(ctx, byID(membersGenID)).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, s.fail("read members generation", err)
	}
	return d.Gen, nil
}

// membersChanged tells every replica's cache that members or links
// changed; call it after the write.
func (s *Store) membersChanged(ctx context.Context) error {
	s.memberCache.invalidate()
	if s.embedded != nil {
		return nil
	}
	_, err := s.meta.UpdateOne(ctx, byID(membersGenID), bson.D{{Key: "$inc", Value: bson.D{{Key: "gen", Value: 1}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return s.fail("write members generation", err)
	}
	return nil
}
