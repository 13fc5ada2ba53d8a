package mongostore

import (
	"bytes"
	"context"
	"encoding/gob"
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
// whatever shape, uncompressed: rows written by an older csbot.
func (s *Store) PutShardForTest(ctx context.Context, n uint32, rows []byte) error {
	_, err := s.index.InsertOne(ctx, indexShard{ID: fmt.Sprintf("shard-%02d", n), V: 1, Rows: rows})
	return err
}

// DropAuditForTest deletes the audit record id: with its pending copy left
// in the document, what a crash right after the write leaves behind.
func (s *Store) DropAuditForTest(ctx context.Context, id string) error {
	_, err := s.audit.DeleteOne(ctx, byID(id))
	return err
}

// InsertAuditRawForTest inserts doc into the audit collection as it is,
// and returns the stored form of the record id.
func (s *Store) InsertAuditRawForTest(ctx context.Context, doc bson.D, id string) (bson.Raw, error) {
	if doc != nil {
		if _, err := s.audit.InsertOne(ctx, doc); err != nil {
			return nil, err
		}
	}
	return s.audit.FindOne(ctx, byID(id)).Raw()
}

// PutLegacyShardForTest writes the index shard of row.Slug holding row
// alone as versions before compression did: the gob as it is, no "z".
func (s *Store) PutLegacyShardForTest(ctx context.Context, row store.AccountRow) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode([]store.AccountRow{row}); err != nil {
		return err
	}
	return s.PutShardForTest(ctx, shardNum(row.Slug), buf.Bytes())
}

// ShardCompressedForTest reports whether the shard holding slug is stored compressed.
func (s *Store) ShardCompressedForTest(ctx context.Context, slug string) (bool, error) {
	var sh indexShard
	err := s.index.FindOne(ctx, byID(fmt.Sprintf("shard-%02d", shardNum(slug)))).Decode(&sh)
	return sh.Z, err
}
