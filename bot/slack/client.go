package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
)

// ErrDeliveryFailed is wrapped by every error of a message, modal or
// response_url delivery that did not reach Slack, after retries.
var ErrDeliveryFailed = errors.New("slack: delivery failed")

// Limits of the outbound client, from Slack's published rate limits.
const (
	// channelInterval is the gap between two messages to one channel:
	// chat.postMessage allows about one message per second per channel.
	channelInterval = time.Second
	// guestTTL is how long users.info's answer about a user is kept.
	guestTTL = 10 * time.Minute
	// responseURLUses and responseURLWindow: Slack accepts 5 uses of a
	// response_url within 30 minutes.
	responseURLUses   = 5
	responseURLWindow = 30 * time.Minute
	// triggerWait is the longest views.open waits before a try: a
	// trigger_id expires 3 seconds after Slack issued it.
	triggerWait = 2 * time.Second
	// sweepEvery is how many calls pass between sweeps of the caches.
	sweepEvery = 256
)

// methodPerMinute is Slack's rate-limit tier of the Web API methods csbot
// calls that have one (Tier 3: 50+ a minute, Tier 4: 100+ a minute). Calls
// beyond it are spread out (a burst of the whole minute's allowance, then
// evenly). chat.postMessage has no tier: it is limited per channel.
var methodPerMinute = map[string]int{
	"conversations.open": 50,  // Tier 3
	"conversations.info": 50,  // Tier 3
	"chat.update":        50,  // Tier 3
	"users.info":         100, // Tier 4
	"views.open":         100, // Tier 4
	"auth.test":          100, // special, generous
	// File uploads (Tier 4); sharing one also books its channel's slot.
	"files.getUploadURLExternal":   100,
	"files.completeUploadExternal": 100,
}

// Client is csbot's outbound Slack client: the Web API calls csbot makes
// and response_url answers, each retried on 429, 5xx and network failures
// and held to Slack's rate limits. It is safe for concurrent use.
type Client struct {
	api    *slack.Client
	http   *http.Client
	apiURL string
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	log    *slog.Logger

	// pacer holds channels and tiered methods to their rates, and what a
	// 429 names to its Retry-After.
	pacer *outbound.Pacer

	mu sync.Mutex
	// guests caches users.info's answer per user.
	guests map[string]guestEntry
	// shared caches conversations.info's answer per channel.
	shared map[string]sharedEntry
	// dms caches the DM channel of each user (conversations.open).
	dms map[string]string
	// responseUses is, per response_url, the times it was used.
	responseUses map[string][]time.Time
	calls        int
}

type guestEntry struct {
	guest  bool
	locale string
	at     time.Time
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithSleep replaces the wait between tries and before rate-limited sends
// (tests record the waits and return at once). sleep must return ctx's
// error as soon as ctx is done.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) ClientOption {
	return func(c *Client) { c.sleep = sleep }
}

// WithClock replaces time.Now for the rate limiters and caches.
func WithClock(now func() time.Time) ClientOption {
	return func(c *Client) { c.now = now }
}

// WithLogger sets the logger of failed deliveries (slog.Default otherwise).
func WithLogger(l *slog.Logger) ClientOption {
	return func(c *Client) { c.log = l }
}

// NewClient returns a client that calls the Web API at apiURL with the bot
// token. An empty apiURL means DefaultAPIURL; a missing final "/" is added.
func NewClient(token, apiURL string, opts ...ClientOption) *Client {
	apiURL = apiBase(apiURL)
	c := &Client{
		http:         &http.Client{Timeout: 30 * time.Second},
		apiURL:       apiURL,
		sleep:        bot.Sleep,
		now:          time.Now,
		log:          slog.Default(),
		guests:       map[string]guestEntry{},
		dms:          map[string]string{},
		responseUses: map[string][]time.Time{},
	}
	for _, o := range opts {
		o(c)
	}
	c.pacer = &outbound.Pacer{Now: c.now}
	c.api = slack.New(token, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(c.http))
	return c
}

// DM sends msgs to a user's direct message channel, in order, opening it
// first (conversations.open; the channel is remembered).
func (c *Client) DM(ctx context.Context, userID string, msgs ...Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ch, err := c.dmChannel(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if _, err := c.post(ctx, ch, "", userID, m); err != nil {
			// The channel may be gone; open it again next time.
			c.mu.Lock()
			delete(c.dms, userID)
			c.mu.Unlock()
			return err
		}
	}
	return nil
}

func (c *Client) dmChannel(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	ch, ok := c.dms[userID]
	c.mu.Unlock()
	if ok {
		return ch, nil
	}
	s := call{method: "conversations.open", user: userID, delivery: true}
	err := c.do(ctx, s, func(ctx context.Context) error {
		conv, _, _, err := c.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
		if err != nil {
			return err
		}
		if conv == nil || conv.ID == "" {
			return errors.New("no channel in the answer")
		}
		ch = conv.ID
		return nil
	})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.dms[userID] = ch
	c.mu.Unlock()
	return ch, nil
}

// Post sends msg to a channel and returns its timestamp.
func (c *Client) Post(ctx context.Context, channel string, msg Message) (ts string, err error) {
	return c.post(ctx, channel, "", "", msg)
}

// PostThread sends msg as a reply in the thread of threadTS.
func (c *Client) PostThread(ctx context.Context, channel, threadTS string, msg Message) (ts string, err error) {
	return c.post(ctx, channel, threadTS, "", msg)
}

func (c *Client) post(ctx context.Context, channel, threadTS, user string, msg Message) (string, error) {
	opts := msgOptions(msg)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	var unsure time.Time // when a try that may have posted msg began
	if msg.Tag != nil {
		unsure = msg.Tag.Unsure
	}
	s := call{method: "chat.postMessage", channel: channel, user: user, delivery: true}
	err := c.do(ctx, s, func(ctx context.Context) error {
		if !unsure.IsZero() {
			found, err := c.findTagged(ctx, channel, *msg.Tag, unsure)
			if err != nil || found != "" {
				ts = found
				return err
			}
		}
		start := c.now()
		_, t, err := c.api.PostMessageContext(ctx, channel, opts...)
		if msg.Tag != nil && unsure.IsZero() && outcomeUnknown(err) {
			unsure = start
		}
		ts = t
		return err
	})
	if err != nil && !unsure.IsZero() {
		err = fmt.Errorf("%w: %w", store.ErrOutcomeUnknown, err)
	}
	return ts, err
}

// Tag marks a message the outbox delivers. Slack keeps it as the message's
// metadata (event type csbot_outbox), which conversations.history returns,
// so a post whose outcome is unknown is looked up instead of posted again.
type Tag struct {
	Outbox string // the outbox item's id
	Part   int    // 1 for the first message of the item
	// Unsure, when set, is when an earlier attempt that may have posted
	// this message began.
	Unsure time.Time
}

const tagEventType = "csbot_outbox"

func (t Tag) metadata() slack.SlackMetadata {
	return slack.SlackMetadata{EventType: tagEventType, EventPayload: map[string]any{"outbox_id": t.Outbox, "part": t.Part}}
}

func (t Tag) on(m slack.SlackMetadata) bool {
	id, _ := m.EventPayload["outbox_id"].(string)
	part, _ := m.EventPayload["part"].(float64) // a JSON number
	return m.EventType == tagEventType && id == t.Outbox && int(part) == t.Part
}

// clockSkew widens a history lookup: Slack's clock and the one that
// recorded when an attempt began may differ.
const clockSkew = 5 * time.Minute

// findTagged returns the ts of the message tagged t in channel, posted
// since the given time, or "" when there is none (conversations.history;
// DMs need the im:history scope, which csbot's manifest asks for).
func (c *Client) findTagged(ctx context.Context, channel string, t Tag, since time.Time) (string, error) {
	oldest := since.Add(-clockSkew)
	p := &slack.GetConversationHistoryParameters{ChannelID: channel, Limit: 200, IncludeAllMetadata: true,
		Oldest: fmt.Sprintf("%d.%06d", oldest.Unix(), oldest.Nanosecond()/1000)}
	for {
		h, err := c.api.GetConversationHistoryContext(ctx, p)
		if err != nil {
			return "", fmt.Errorf("look for part %d of %s already posted: %w", t.Part, t.Outbox, err)
		}
		for _, m := range h.Messages {
			if t.on(m.Metadata) {
				return m.Timestamp, nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			return "", nil
		}
		p.Cursor = h.ResponseMetaData.NextCursor
	}
}

// PostEphemeral shows msg to user only, in channel (and thread when set),
// through chat.postEphemeral.
func (c *Client) PostEphemeral(ctx context.Context, channel, user, threadTS string, msg Message) error {
	opts := msgOptions(msg)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	s := call{method: "chat.postEphemeral", channel: channel, user: user, delivery: true}
	return c.do(ctx, s, func(ctx context.Context) error {
		_, err := c.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// Update replaces the message ts in channel with msg (chat.update).
func (c *Client) Update(ctx context.Context, channel, ts string, msg Message) error {
	opts := msgOptions(msg)
	s := call{method: "chat.update", channel: channel, delivery: true}
	return c.do(ctx, s, func(ctx context.Context) error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

func msgOptions(m Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if m.Tag != nil {
		opts = append(opts, slack.MsgOptionMetadata(m.Tag.metadata()))
	}
	return opts
}

// maxAltText is Slack's limit on an uploaded image's alt text.
const maxAltText = 1000

// Upload shares an image in a channel, in the thread of threadTS when set,
// through Slack's external upload flow: files.getUploadURLExternal for an
// upload URL, a POST of the bytes to it, files.completeUploadExternal to
// share the file under title. Each step is retried like any call.
func (c *Client) Upload(ctx context.Context, channel, threadTS string, img bot.Image, title string) error {
	if len(img.PNG) == 0 {
		return fmt.Errorf("%w: upload %s: the file is empty", ErrDeliveryFailed, img.Name)
	}
	var u *slack.GetUploadURLExternalResponse
	err := c.do(ctx, call{method: "files.getUploadURLExternal", label: img.Name, delivery: true}, func(ctx context.Context) error {
		var err error
		u, err = c.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{
			FileName: img.Name, FileSize: len(img.PNG), AltTxt: clip(img.Alt, maxAltText),
		})
		return err
	})
	if err != nil {
		return err
	}
	err = c.do(ctx, call{method: "upload_url", key: "upload_url", label: img.Name, delivery: true}, func(ctx context.Context) error {
		// A fresh reader per try: a retry sends the whole file again.
		return c.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(img.PNG), Filename: img.Name})
	})
	if err != nil {
		return err
	}
	s := call{method: "files.completeUploadExternal", channel: channel, label: img.Name, delivery: true}
	return c.do(ctx, s, func(ctx context.Context) error {
		_, err := c.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
			Files: []slack.FileSummary{{ID: u.FileID, Title: title}}, Channel: channel, ThreadTimestamp: threadTS,
		})
		return err
	})
}

// UploadDM shares an image in a user's direct message channel.
func (c *Client) UploadDM(ctx context.Context, userID string, img bot.Image, title string) error {
	ch, err := c.dmChannel(ctx, userID)
	if err != nil {
		return err
	}
	return c.Upload(ctx, ch, "", img, title)
}

// responsePayload is what csbot posts to a response_url.
type responsePayload struct {
	ResponseType    string        `json:"response_type"`
	Text            string        `json:"text"`
	Blocks          []slack.Block `json:"blocks,omitempty"`
	ReplaceOriginal bool          `json:"replace_original"`
}

// Respond answers a slash command or interaction through its response_url,
// visible to the asker only or, with inChannel, to the whole channel. A
// response_url takes 5 answers in 30 minutes: a 6th is refused here.
func (c *Client) Respond(ctx context.Context, responseURL string, msg Message, inChannel bool) error {
	s := call{method: "response_url", key: "response_url " + responseURL, label: redactURL(responseURL), delivery: true}
	if !c.useResponseURL(responseURL) {
		err := fmt.Errorf("%w: response_url %s: response_url used %d times in %s", ErrDeliveryFailed, s.label, responseURLUses, responseURLWindow)
		c.log.Warn("slack delivery refused", "method", s.method, "response_url", s.label, "reason", fmt.Sprintf("response_url used %d times", responseURLUses))
		return err
	}
	p := responsePayload{ResponseType: "ephemeral", Text: msg.Text, Blocks: msg.Blocks}
	if inChannel {
		p.ResponseType = "in_channel"
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("%w: response_url %s: %w", ErrDeliveryFailed, s.label, err)
	}
	return c.do(ctx, s, func(ctx context.Context) error {
		return c.postResponse(ctx, responseURL, raw)
	})
}

// useResponseURL books one use of u, or reports that it is used up.
func (c *Client) useResponseURL(u string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	uses := pruneUses(c.responseUses[u], now)
	if len(uses) >= responseURLUses {
		c.responseUses[u] = uses
		return false
	}
	c.responseUses[u] = append(uses, now)
	return true
}

func pruneUses(uses []time.Time, now time.Time) []time.Time {
	cut := now.Add(-responseURLWindow)
	i := 0
	for i < len(uses) && !uses[i].After(cut) {
		i++
	}
	return uses[i:]
}

// postResponse makes one try of a response_url answer. Errors never carry
// the URL: whoever has it can post into the channel.
func (c *Client) postResponse(ctx context.Context, u string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return errors.New("malformed response_url")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return &url.Error{Op: ue.Op, URL: "response_url", Err: ue.Err}
		}
		return err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil && resp.StatusCode == http.StatusOK {
		return err
	}
	reason := responseReason(text)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &slack.RateLimitedError{RetryAfter: outbound.RetryAfter(resp.Header.Get("Retry-After"), c.now())}
	case resp.StatusCode >= 500:
		return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	case resp.StatusCode != http.StatusOK:
		if reason != "" {
			return slack.SlackErrorResponse{Err: reason}
		}
		return slack.StatusCodeError{Code: resp.StatusCode, Status: resp.Status}
	case reason != "" && reason != "ok":
		return slack.SlackErrorResponse{Err: reason}
	}
	return nil
}

// responseReason reads a response_url answer: "ok", a JSON {"ok":...,
// "error":...}, or a short text reason such as "expired_url".
func responseReason(b []byte) string {
	b = bytes.TrimSpace(b)
	var r struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &r) == nil && r.OK != nil {
		if *r.OK {
			return "ok"
		}
		if r.Error == "" {
			return "not ok"
		}
		return r.Error
	}
	s := string(b)
	if len(s) > 200 || strings.ContainsAny(s, "<\n") {
		return "" // an HTML page or similar: the status says enough
	}
	return s
}

// redactURL names a response_url without its secret last path segment.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(malformed)"
	}
	p := u.Path
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[:i+1] + "…"
	}
	return u.Host + p
}

// IsGuest reports whether a user is a multi- or single-channel guest
// (users.info is_restricted or is_ultra_restricted). The answer is kept
// for 10 minutes.
func (c *Client) IsGuest(ctx context.Context, userID string) (bool, error) {
	u, err := c.user(ctx, userID)
	return u.guest, err
}

// user is what users.info says of a user that csbot uses: whether a guest,
// and the locale (include_locale, which slack-go sends), kept for 10
// minutes.
func (c *Client) user(ctx context.Context, userID string) (guestEntry, error) {
	c.mu.Lock()
	e, ok := c.guests[userID]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < guestTTL {
		return e, nil
	}
	err := c.do(ctx, call{method: "users.info", user: userID}, func(ctx context.Context) error {
		u, err := c.api.GetUserInfoContext(ctx, userID)
		if err != nil {
			return err
		}
		e = guestEntry{guest: u.IsRestricted || u.IsUltraRestricted, locale: u.Locale, at: c.now()}
		return nil
	})
	if err != nil {
		return guestEntry{}, err
	}
	c.mu.Lock()
	c.guests[userID] = e
	c.mu.Unlock()
	return e, nil
}

// OpenView opens a modal (views.open). A trigger_id lives 3 seconds, so a
// rate limit that asks for a longer wait fails the call at once.
func (c *Client) OpenView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	label := "view"
	if view.CallbackID != "" {
		label = "view " + view.CallbackID
	}
	s := call{method: "views.open", label: label, delivery: true, maxWait: triggerWait}
	return c.do(ctx, s, func(ctx context.Context) error {
		_, err := c.api.OpenViewContext(ctx, triggerID, view)
		return err
	})
}

// AuthTest checks the token and returns the bot's own user id.
func (c *Client) AuthTest(ctx context.Context) (botUserID string, err error) {
	err = c.do(ctx, call{method: "auth.test"}, func(ctx context.Context) error {
		r, err := c.api.AuthTestContext(ctx)
		if err != nil {
			return err
		}
		botUserID = r.UserID
		return nil
	})
	return botUserID, err
}

// call describes one Web API call (or response_url answer) for the retry
// helper: what to limit it by and how to name it in errors and logs.
type call struct {
	method string
	// channel, when set, gets at most one message per second.
	channel string
	user    string
	// label names any other target (a redacted response_url, a view).
	label string
	// key, when set, is what a 429 holds back instead of the channel or
	// the method.
	key string
	// delivery makes a final failure wrap ErrDeliveryFailed.
	delivery bool
	// maxWait, when set, fails the call rather than wait longer.
	maxWait time.Duration
}

// holdKey is what a 429 on this call holds back: the channel for
// messages (chat.postMessage is limited per channel), else the method.
func (s call) holdKey() string {
	switch {
	case s.key != "":
		return s.key
	case s.channel != "":
		return "channel " + s.channel
	}
	return "method " + s.method
}

func (s call) subject() string {
	var parts []string
	if s.channel != "" {
		parts = append(parts, "channel "+s.channel)
	}
	if s.user != "" {
		parts = append(parts, "user "+s.user)
	}
	if s.label != "" {
		parts = append(parts, s.label)
	}
	return strings.Join(parts, ", ")
}

// limits are the rate limits a try of s counts against: what a 429 on it
// holds, its channel's pace (chat.postMessage allows about one message a
// second per channel, and the other calls on a channel share it) and its
// method's tier.
func (s call) limits() []outbound.Limit {
	ls := []outbound.Limit{{Key: s.holdKey()}}
	if s.channel != "" {
		ls = append(ls, outbound.Limit{Key: "channel " + s.channel, Every: channelInterval})
	}
	if n := methodPerMinute[s.method]; n > 0 {
		// A burst of the minute's allowance, then evenly; each try counts.
		ls = append(ls, outbound.Limit{Key: "method " + s.method, Every: time.Minute / time.Duration(n), Burst: n, EachTry: true})
	}
	return ls
}

// do runs one call under the outbound retry policy (outbound.Retrier),
// with Slack's rate limits as its pacing (outbound.Pacer): a 429 holds
// back the call's channel or method for the Retry-After Slack asked for.
func (c *Client) do(ctx context.Context, s call, fn func(context.Context) error) error {
	c.mu.Lock()
	if c.calls++; c.calls%sweepEvery == 0 {
		c.sweep(c.now())
	}
	c.mu.Unlock()
	limits := s.limits()
	tries, err := outbound.Retrier{Sleep: c.sleep}.Do(ctx, outbound.Call{
		Classify: classify,
		Pace:     func(t outbound.Turn) time.Duration { return c.pacer.Book(t, limits...) },
		Hold:     func(d time.Duration) { c.pacer.Hold(s.holdKey(), d) },
		MaxWait:  s.maxWait,
	}, fn)
	if err != nil {
		return c.fail(s, tries, err)
	}
	return nil
}

// sweep drops cache entries that no longer matter. Called with mu held.
func (c *Client) sweep(now time.Time) {
	for k, e := range c.guests {
		if now.Sub(e.at) >= guestTTL {
			delete(c.guests, k)
		}
	}
	for k, e := range c.shared {
		if now.Sub(e.at) >= sharedTTL {
			delete(c.shared, k)
		}
	}
	for k, uses := range c.responseUses {
		if uses = pruneUses(uses, now); len(uses) == 0 {
			delete(c.responseUses, k)
		} else {
			c.responseUses[k] = uses
		}
	}
}

// classify reads a failed call for the retry policy: a 429 and how long
// Slack asked to wait, a 5xx or network error, or a final failure.
func classify(err error) (outbound.Verdict, time.Duration) {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	switch {
	case errors.As(err, &rl):
		return outbound.RateLimited, rl.RetryAfter
	case errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests:
		return outbound.RateLimited, 0 // a 429 without Retry-After
	case transient(err):
		return outbound.Transient, 0
	}
	return outbound.Permanent, 0
}

// transient reports a failure worth another try: a 5xx or a network error.
func transient(err error) bool {
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// outcomeUnknown reports a failed post that Slack may have carried out
// all the same: the request may have left (a network error, a timeout or
// cancellation in flight) or Slack failed after accepting it (a 5xx).
func outcomeUnknown(err error) bool {
	return err != nil && (transient(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// fail builds the final error of s, naming the method, the target and
// Slack's reason, and logs it at warn (cancellation at info). Neither
// carries the message text or the token.
func (c *Client) fail(s call, tries int, cause error) error {
	reason := reasonOf(cause)
	attrs := []any{"method", s.method}
	if s.channel != "" {
		attrs = append(attrs, "channel", s.channel)
	}
	if s.user != "" {
		attrs = append(attrs, "user", s.user)
	}
	if s.label != "" {
		attrs = append(attrs, "target", s.label)
	}
	attrs = append(attrs, "reason", reason, "tries", tries)
	if errors.Is(cause, context.Canceled) || errors.Is(cause, context.DeadlineExceeded) {
		c.log.Info("slack call abandoned", attrs...)
	} else {
		c.log.Warn("slack call failed", attrs...)
	}
	what := s.method
	if sub := s.subject(); sub != "" {
		what += " " + sub
	}
	if s.delivery {
		return fmt.Errorf("%w: %s: %w", ErrDeliveryFailed, what, cause)
	}
	return fmt.Errorf("slack: %s: %w", what, cause)
}

// reasonOf is Slack's reason for a failure, e.g. "channel_not_found".
func reasonOf(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if se.Needed != "" {
			return se.Err + " (needed: " + se.Needed + ")"
		}
		return se.Err
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return "rate_limited (retry after " + rl.RetryAfter.String() + ")"
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return "HTTP " + sc.Status
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
