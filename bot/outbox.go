package bot

import (
	"context"
	"time"
)

// Outbox is an outbox item as an adapter delivers it: a reply rendered as
// one or more chat messages (parts), some of which an earlier attempt may
// have posted already.
type Outbox struct {
	// ID is the outbox item's id. Adapters tag each part with it where the
	// platform keeps a tag (Slack metadata, Discord nonce), so that a part
	// an earlier attempt may have posted can be found or deduplicated.
	ID string
	// Sent is how many parts earlier attempts posted for sure.
	Sent int
	// Unsure, when set, says part Sent may already be on the platform,
	// posted by an attempt that began then, with the outcome unknown.
	Unsure time.Time
	// Posted records that the platform accepted parts [0, n); an error (the
	// item was taken over by another sender) stops the delivery.
	Posted func(ctx context.Context, n int) error
}

// Each runs post for parts Sent to n-1 in order and records each one the
// platform accepted, so that a retry skips it. post gets the part and when
// an earlier attempt that may have posted it began (zero: none did). A nil
// Outbox, a message sent outside the outbox, posts every part.
func (o *Outbox) Each(ctx context.Context, n int, post func(ctx context.Context, part int, unsure time.Time) error) error {
	if o == nil {
		for i := range n {
			if err := post(ctx, i, time.Time{}); err != nil {
				return err
			}
		}
		return nil
	}
	for i := o.Sent; i < n; i++ {
		var unsure time.Time
		if i == o.Sent {
			unsure = o.Unsure
		}
		if err := post(ctx, i, unsure); err != nil {
			return err
		}
		if err := o.Posted(ctx, i+1); err != nil {
			return err
		}
	}
	return nil
}
