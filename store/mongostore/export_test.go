package mongostore

import (
	"context"

	"github.com/csbot/csbot/store"
)

// InsertOutboxForTest writes it as pending under id, past Enqueue's look-up
// of pruned ids: as if queued while PruneOutbox ran.
func (s *Store) InsertOutboxForTest(ctx context.Context, it store.OutboxItem, id string) error {
	it.ID, it.Status = id, store.StatusPending
	_, err := s.outbox.InsertOne(ctx, it)
	return err
}
