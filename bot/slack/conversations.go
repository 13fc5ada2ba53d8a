package slack

import (
	"context"
	"time"

	"github.com/slack-go/slack"
)

// sharedTTL is how long conversations.info's answer about a channel is
// kept: a channel is rarely shared or unshared, and a share is checked on
// every `share`.
const sharedTTL = 10 * time.Minute

// sharedEntry is conversations.info's answer about a channel. The cache
// holds one per channel csbot was asked to share in, a bounded set.
type sharedEntry struct {
	ext bool
	at  time.Time
}

// ExternallyShared reports whether people of another organisation read a
// conversation (Slack Connect): it is shared with an external
// organisation, an invitation to share it is pending, or it is shared with
// another workspace outside the Enterprise Grid org. The answer of
// conversations.info (channels:read, groups:read, im:read, mpim:read) is
// kept for 10 minutes per channel.
func (c *Client) ExternallyShared(ctx context.Context, channel string) (bool, error) {
	c.mu.Lock()
	e, ok := c.shared[channel]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < sharedTTL {
		return e.ext, nil
	}
	var ext bool
	err := c.do(ctx, call{method: "conversations.info", label: "channel " + channel}, func(ctx context.Context) error {
		ch, err := c.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		if err != nil {
			return err
		}
		ext = ch.IsExtShared || ch.IsPendingExtShared || ch.IsShared && !ch.IsOrgShared
		return nil
	})
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	if c.shared == nil {
		c.shared = map[string]sharedEntry{}
	}
	c.shared[channel] = sharedEntry{ext: ext, at: c.now()}
	c.mu.Unlock()
	return ext, nil
}
