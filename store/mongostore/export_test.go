package mongostore

import (
	"context"

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
