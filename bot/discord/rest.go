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

	"github.com/csbot/csbot/bot/outbound"
)

// ErrDeliveryFailed is wrapped by every error of a REST call that did not
// reach Discord after retries: a message, a follow-up, a registration.
var ErrDeliveryFailed = errors.New("discord: delivery failed")

// rest is a discordgo session used for REST calls only, with csbot's
// retries around them.
type rest struct {
	*discordgo.Session
	// sleep waits between tries; tests replace it to record the waits.
	sleep func(ctx context.Context, d time.Duration) error
	log   *slog.Logger
}

// call runs one REST call under the outbound retry policy
// (outbound.Retrier): after a 429 it waits the retry_after Discord asked
// for (discordgo reads it from the JSON body), after a 5xx or a network
// error it backs off; any other error is final. discordgo paces the calls
// by Discord's rate-limit buckets itself. fn must build its request anew
// on every try (file readers are used up).
func (c *rest) call(ctx context.Context, what string, fn func(opts ...discordgo.RequestOption) error) error {
	_, err := outbound.Retrier{Sleep: c.sleep}.Do(ctx, outbound.Call{Classify: func(err error) (outbound.Verdict, time.Duration) {
		var rl *discordgo.RateLimitError
		switch {
		case errors.As(err, &rl):
			c.log.Info("discord rate limited", "call", what, "retry_after", rl.RetryAfter)
			return outbound.RateLimited, rl.RetryAfter
		case transient(err):
			return outbound.Transient, 0
		}
		return outbound.Permanent, 0
	}}, func(ctx context.Context) error { return fn(discordgo.WithContext(ctx)) })
	if err != nil {
		return c.fail(what, err)
	}
	return nil
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
