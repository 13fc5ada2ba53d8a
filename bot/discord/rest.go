package discord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// ErrDeliveryFailed is wrapped by every error of a REST call that did not
// reach Discord after retries: a message, a follow-up, a registration.
var ErrDeliveryFailed = errors.New("discord: delivery failed")

// Retry limits of one REST call.
const (
	// maxAttempts bounds the tries of a call failing with a 5xx or a
	// network error.
	maxAttempts = 5
	// firstBackoff is the wait after the first such failure; it doubles
	// after each further one (250ms, 500ms, 1s, 2s).
	firstBackoff = 250 * time.Millisecond
	// maxRateLimitWaits bounds how often one call waits out a 429.
	maxRateLimitWaits = 5
)

// rest is a discordgo session used for REST calls only, with csbot's
// retries around them.
type rest struct {
	*discordgo.Session
	// sleep waits between tries; tests replace it to record the waits.
	sleep func(ctx context.Context, d time.Duration) error
	log   *slog.Logger
}

// call runs one REST call: after a 429 it waits the retry_after Discord
// asked for, after a 5xx or a network error it backs off exponentially;
// any other error is final. Every wait ends when ctx is done. fn must
// build its request anew on every try (file readers are used up).
func (c *rest) call(ctx context.Context, what string, fn func(opts ...discordgo.RequestOption) error) error {
	failures, limited := 0, 0
	for {
		err := fn(discordgo.WithContext(ctx))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.fail(what, ctx.Err())
		}
		var wait time.Duration
		var rl *discordgo.RateLimitError
		switch {
		case errors.As(err, &rl):
			limited++
			if limited > maxRateLimitWaits {
				return c.fail(what, err)
			}
			wait = rl.RetryAfter
			if wait <= 0 {
				wait = time.Second
			}
			c.log.Info("discord rate limited", "call", what, "retry_after", wait)
		case transient(err):
			failures++
			if failures >= maxAttempts {
				return c.fail(what, err)
			}
			wait = firstBackoff << (failures - 1)
		default:
			return c.fail(what, err)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return c.fail(what, err)
		}
	}
}

// transient reports a failure worth another try: a 5xx or a network error.
func transient(err error) bool {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		return re.Response != nil && re.Response.StatusCode >= 500
	}
	// discordgo reports a 502 it did not retry (MaxRestRetries is 0) as
	// a plain error.
	if strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502") {
		return true
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

// fail builds the final error of a call, with a hint for the errors an
// admin can fix, and logs it. It never carries a URL: interaction webhook
// URLs hold the interaction's token.
func (c *rest) fail(what string, err error) error {
	var ue *url.Error
	var rl *discordgo.RateLimitError
	switch {
	case errors.As(err, &ue):
		err = &url.Error{Op: ue.Op, URL: "Discord API", Err: ue.Err}
	case errors.As(err, &rl):
		err = fmt.Errorf("rate limited by Discord (retry after %s)", rl.RetryAfter)
	}
	hint := ""
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		switch {
		case re.Message != nil && re.Message.Code == discordgo.ErrCodeCannotSendMessagesToThisUser:
			hint = " (the member must share a server with the bot and allow direct messages from its members)"
		case re.Message != nil && (re.Message.Code == discordgo.ErrCodeMissingAccess || re.Message.Code == discordgo.ErrCodeMissingPermissions):
			hint = " (give the bot View Channel, Send Messages, Embed Links and Attach Files in that channel)"
		case re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized:
			hint = " (check DISCORD_BOT_TOKEN)"
		}
	}
	c.log.Warn("discord call failed", "call", what, "err", err)
	return fmt.Errorf("%w: %s: %w%s", ErrDeliveryFailed, what, err, hint)
}

// files is the chart of m as a file to upload, read afresh on every try.
func files(m Message) []*discordgo.File {
	if m.Image == nil {
		return nil
	}
	return []*discordgo.File{{Name: m.Image.Name, ContentType: "image/png", Reader: bytes.NewReader(m.Image.PNG)}}
}
