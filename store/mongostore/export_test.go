package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/csbot/csbot/store"
)

// InsertOutboxForTest writes it as pending under id, past Enqueue's look-up
// of pruned ids: as if queued while PruneOutbox ran.
func (s *Store) InsertOutboxForTest(ctx context.Context, it store.OutboxItem, id string) error {
	it.ID, it.Status = id, store.StatusPending
	_, err := s.outbox.InsertOne(ctx, it)
	return err
}

// PendAuditForTest leaves rec pending in document id of the named
// collection without inserting it: what a crash between a write and its
// audit insert leaves behind.
func (s *Store) PendAuditForTest(ctx context.Context, collection, id string, rec store.AuditRecord) error {
	_, err := s.db.Collection(collection).UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: pendingField, Value: rec}}}})
	return err
}

// InsertAuditForTest inserts recs into the audit trail as they are, with
// their times: records made long ago.
func (s *Store) InsertAuditForTest(ctx context.Context, recs ...store.AuditRecord) error {
	return s.recordAudit(ctx, recs...)
}

// PutShardForTest writes an index shard's rows as given, gob bytes of
// whatever shape: rows written by an older csbot.
func (s *Store) PutShardForTest(ctx context.Context, n uint32, rows []byte) error {
	_, err := s.index.InsertOne(ctx, indexShard{ID: fmt.Sprintf("shard-%02d", n), V: 1, Rows: rows})
	return err
}
