package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Risk is one churn-risk rule that fired, with a reason a person can read.
type Risk struct {
	Rule   string `json:"rule" bson:"rule"`
	Reason string `json:"reason" bson:"reason"`
}

// AccountRow is the compact, precomputed line of an account that list views
// (a book, a risk list, name resolution) read. Rows are kept in a handful of
// shard documents keyed by _id, so a list over 10,000 accounts is a few
// primary-key reads instead of a scan that decodes every account.
type AccountRow struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Tier    Tier   `json:"tier"`
	Region  string `json:"region,omitempty"`
	Segment string `json:"segment,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Team    string `json:"team,omitempty"`
	ARR     int64  `json:"arr"`
	Renewal string `json:"renewal,omitempty"`
	Phase   Phase  `json:"phase"`
	// Score is -1 when no component had data.
	Score   int    `json:"score"`
	Band    string `json:"band"`
	Delta30 *int   `json:"delta30,omitempty"`
	Risks   []Risk `json:"risks,omitempty"`
}

// indexShards is fixed: changing it would orphan the rows of the old layout.
const indexShards = 32

type indexShard struct {
	ID   string `bson:"_id"`
	V    int64  `bson:"v"`
	Rows string `bson:"rows"`
}

func shardNum(slug string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(slug))
	return h.Sum32() % indexShards
}

// AccountRows returns every account row, in no particular order.
func (s *Store) AccountRows(ctx context.Context) ([]AccountRow, error) {
	cur, err := s.index.Find(ctx, bson.D{})
	if err != nil {
		return nil, s.fail("read account index", err)
	}
	var shards []indexShard
	if err := cur.All(ctx, &shards); err != nil {
		return nil, s.fail("read account index", err)
	}
	var rows []AccountRow
	for _, sh := range shards {
		part, err := decodeRows(sh)
		if err != nil {
			return nil, err
		}
		rows = append(rows, part...)
	}
	return rows, nil
}

func decodeRows(sh indexShard) ([]AccountRow, error) {
	var rows []AccountRow
	if sh.Rows == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(sh.Rows), &rows); err != nil {
		return nil, fmt.Errorf("decode account index %s: %w", sh.ID, err)
	}
	return rows, nil
}

// PutRows writes rows into the account index, replacing the rows of the same
// accounts and keeping all others.
func (s *Store) PutRows(ctx context.Context, rows []AccountRow) error {
	byShard := map[uint32][]AccountRow{}
	for _, r := range rows {
		n := shardNum(r.Slug)
		byShard[n] = append(byShard[n], r)
	}
	for n, part := range byShard {
		if err := s.mergeShard(ctx, n, part); err != nil {
			return err
		}
	}
	return nil
}

// mergeShard replaces rows in one shard document. Shards carry a version and
// are written with compare-and-swap, so replicas sharing a MongoDB never lose
// each other's rows. The embedded FerretDB does not apply a filtered update
// atomically (measured: concurrent compare-and-swap writers lost rows), so
// writers in this process also take the shard's lock; the embedded store
// serves one process only.
func (s *Store) mergeShard(ctx context.Context, n uint32, put []AccountRow) error {
	s.shardLocks[n].Lock()
	defer s.shardLocks[n].Unlock()
	id := fmt.Sprintf("shard-%02d", n)
	replaced := map[string]bool{}
	for _, r := range put {
		replaced[r.Slug] = true
	}
	for range 20 {
		var sh indexShard
		err := s.index.FindOne(ctx, byID(id)).Decode(&sh)
		missing := errors.Is(err, mongo.ErrNoDocuments)
		if err != nil && !missing {
			return s.fail("read account index", err)
		}
		rows, err := decodeRows(sh)
		if err != nil {
			return err
		}
		rows = slices.DeleteFunc(rows, func(r AccountRow) bool { return replaced[r.Slug] })
		rows = append(rows, put...)
		slices.SortFunc(rows, func(a, b AccountRow) int { return strings.Compare(a.Slug, b.Slug) })
		data, err := json.Marshal(rows)
		if err != nil {
			return fmt.Errorf("encode account index: %w", err)
		}
		if missing {
			_, err = s.index.InsertOne(ctx, indexShard{ID: id, V: 1, Rows: string(data)})
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			if err != nil {
				return s.fail("write account index", err)
			}
			return nil
		}
		res, err := s.index.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "v", Value: sh.V}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "rows", Value: string(data)}, {Key: "v", Value: sh.V + 1}}}})
		if err != nil {
			return s.fail("write account index", err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("write account index %s: too much contention, try again", id)
}
