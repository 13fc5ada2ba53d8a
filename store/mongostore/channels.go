package mongostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/csbot/csbot/store"
)

// channelKey is the meta document holding a channel's mark. A channel id
// is unique within its platform only.
func channelKey(platform, channel string) string { return "channel-mark/" + platform + "/" + channel }

// ChannelMark reads an admin's mark of a chat channel; ChannelUnmarked when
// there is none.
func (s *Store) ChannelMark(ctx context.Context, platform, channel string) (store.ChannelMark, error) {
	v, err := s.Meta(ctx, channelKey(platform, channel))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.ChannelUnmarked, nil
	case err != nil:
		return "", fmt.Errorf("read the mark of %s channel %s: %w", platform, channel, err)
	}
	return store.ChannelMark(v), nil
}

// SetChannelMark marks a chat channel internal or external.
func (s *Store) SetChannelMark(ctx context.Context, platform, channel string, mark store.ChannelMark) error {
	if mark != store.ChannelInternal && mark != store.ChannelExternal {
		return fmt.Errorf("mark %s channel %s: %q is neither internal nor external", platform, channel, mark)
	}
	if err := s.SetMeta(ctx, channelKey(platform, channel), string(mark)); err != nil {
		return fmt.Errorf("mark %s channel %s %s: %w", platform, channel, mark, err)
	}
	return nil
}
