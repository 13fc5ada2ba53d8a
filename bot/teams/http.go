package teams

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// runTimeout bounds a command whose answer goes out through Workflows.
const runTimeout = 2 * time.Minute

// incoming is the part of an outgoing webhook's activity csbot reads.
type incoming struct {
	Type string `json:"type"`
	// ID names the activity within its conversation.
	ID string `json:"id"`
	// Timestamp is when Teams sent the activity (UTC, RFC 3339), under
	// the signature like the rest of the body.
	Timestamp    string `json:"timestamp"`
	Conversation struct {
		ID string `json:"id"`
	} `json:"conversation"`
	Text string `json:"text"`
	From struct {
		// AADObjectID is the sender's Entra ID (Azure AD) object id: the
		// identity csbot knows members by, the same in every team.
		AADObjectID string `json:"aadObjectId"`
	} `json:"from"`
	// Locale is the sender's Teams client language, e.g. "ja-JP".
	Locale string `json:"locale"`
}

// maxSkew is how far an activity's timestamp may be from now.
const maxSkew = 5 * time.Minute

// Handler serves POST /teams/messages: Teams' outgoing webhook. The body
// is read (413 past bot.MaxBody) and its HMAC checked (401) before anything
// else; a malformed activity (no id, no timestamp, not a user's message)
// gets 400. An activity sent more than 5 minutes before or after now, or
// already handled (its conversation and id, on any replica), is refused
// with 401, so a captured request cannot run twice, nor late.
func (a *Adapter) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		body, ok := bot.ReadBody(w, r)
		if !ok {
			return
		}
		if err := a.verify(r.Header.Get("Authorization"), body); err != nil {
			a.log.Warn("refused unsigned Teams request", "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		in, sent, err := decodeActivity(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if now := time.Now(); now.Sub(sent).Abs() > maxSkew {
			a.log.Warn("refused stale Teams activity", "sent", sent)
			http.Error(w, "activity timestamp more than 5 minutes from now", http.StatusUnauthorized)
			return
		}
		won, err := a.store.Claim(r.Context(), "teams-activity/"+in.Conversation.ID+"/"+in.ID, time.Now())
		if err != nil {
			a.log.Warn("claim Teams activity", "err", err)
			// The member cannot be read: Teams' language of the sender.
			l := a.router.LocalizerOf(bot.WithUserLocale(r.Context(), in.Locale), store.Member{})
			reply(w, answer(l, bot.Unavailable(l), a.botName))
			return
		}
		if !won {
			a.log.Warn("refused replayed Teams activity")
			http.Error(w, "replayed request", http.StatusUnauthorized)
			return
		}
		reply(w, a.respond(r.Context(), in))
	})
}

// decodeActivity reads a signed outgoing webhook activity and when it was sent.
func decodeActivity(body []byte) (incoming, time.Time, error) {
	var in incoming
	if err := json.Unmarshal(body, &in); err != nil || in.Type != "message" || in.From.AADObjectID == "" {
		return in, time.Time{}, errors.New("malformed activity: want a message from a user with an aadObjectId")
	}
	if in.ID == "" {
		return in, time.Time{}, errors.New("malformed activity: no id")
	}
	sent, err := time.Parse(time.RFC3339, in.Timestamp)
	if err != nil {
		return in, time.Time{}, errors.New("malformed activity: no timestamp (RFC 3339)")
	}
	return in, sent, nil
}

func reply(w http.ResponseWriter, act Activity) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(mustJSON(act))
}

// verify checks "Authorization: HMAC <base64>", the HMAC-SHA256 of the raw
// body under one of the decoded secrets, in constant time.
func (a *Adapter) verify(header string, body []byte) error {
	scheme, sig, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "HMAC") {
		return errors.New("no HMAC authorization header")
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return errors.New("HMAC signature is not base64")
	}
	for _, key := range a.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write(body)
		if hmac.Equal(got, mac.Sum(nil)) {
			return nil
		}
	}
	return errors.New("HMAC signature does not match: check TEAMS_WEBHOOK_SECRET")
}

// respond runs the command and answers within the window. A command still
// running then is answered "still working" and delivered through the
// asker's team's Workflows webhook when it has one; otherwise it is
// stopped and the asker told to try again.
func (a *Adapter) respond(ctx context.Context, in incoming) Activity {
	ctx = bot.WithUserLocale(ctx, in.Locale)
	text := CommandText(in.Text, a.botName)
	user := in.From.AADObjectID
	channel := channelID(in.Conversation.ID)
	// The answer may outlive the request: it then goes through Workflows.
	runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runTimeout)
	done := make(chan bot.Reply, 1)
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		done <- a.router.Handle(bot.WithChannel(runCtx, channel), Platform, user, text)
	}()
	timer := time.NewTimer(a.window)
	defer timer.Stop()
	select {
	case r := <-done:
		defer cancel()
		// Within Teams' limit: the reads that word and guard the answer
		// wait lookupTimeout at most (a lookup that fails falls back to
		// the platform's language and redacts).
		lctx, lcancel := context.WithTimeout(runCtx, lookupTimeout)
		defer lcancel()
		l := a.router.Localizer(lctx, Platform, user)
		return answer(l, a.visible(lctx, l, channel, r), a.botName)
	case <-timer.C:
	}
	command := i18n.Data{"Command": "/cs " + firstWord(text)}
	lctx, lcancel := context.WithTimeout(ctx, lookupTimeout)
	defer lcancel()
	m, t, err := a.askerWebhook(lctx, user)
	// The answer is for m, whom the post mentions: in m's language (the
	// Teams language when the lookup failed and m is nobody).
	l := a.router.LocalizerOf(ctx, m)
	if err != nil {
		cancel()
		a.log.Info("slow Teams command stopped", "command", firstWord(text), "reason", err)
		return answer(l, bot.Reply{Error: true, Text: l.T("adapter.teams.stopped", command)}, a.botName)
	}
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		defer cancel()
		r := <-done
		pctx, pcancel := context.WithTimeout(context.Background(), time.Minute)
		defer pcancel()
		// The team's Workflows channel is not the one asked in: its own
		// mark decides.
		if err := a.post(pctx, t.TeamsWebhook, m.Team, render(l, a.inWorkflows(pctx, l, t, r), a.botName, memberMention(m)), nil); err != nil {
			a.log.Error("deliver slow Teams answer", "command", firstWord(text), "team", m.Team, "err", err)
		}
	}()
	return answer(l, bot.Reply{Text: l.T("adapter.teams.still_working", command)}, a.botName)
}

// channelID is the channel of an outgoing webhook's conversation: a
// channel message's conversation id names its thread after ";messageid=",
// and a mark is the whole channel's.
func channelID(conversation string) string {
	ch, _, _ := strings.Cut(conversation, ";")
	return ch
}

// visible is r as the channel sees it: Teams shows every answer of an
// outgoing webhook to the whole channel, so customer figures are left out
// unless an admin marked the channel internal; the note saying so is in
// l's language.
func (a *Adapter) visible(ctx context.Context, l *i18n.Localizer, channel string, r bot.Reply) bot.Reply {
	mark, err := a.store.ChannelMark(ctx, Platform, channel)
	if err != nil {
		a.log.Warn("read Teams channel mark", "err", err)
	}
	if err == nil && mark == store.ChannelInternal {
		return r
	}
	return r.Redact(l)
}

// askerWebhook finds the asker and their team, with its Workflows webhook.
func (a *Adapter) askerWebhook(ctx context.Context, user string) (store.Member, store.Team, error) {
	m, err := a.store.MemberByIdentity(ctx, Platform, user)
	if err != nil {
		return m, store.Team{}, fmt.Errorf("find the asker: %w", err)
	}
	if m.Team == "" {
		return m, store.Team{}, fmt.Errorf("@%s is in no team", m.ID)
	}
	t, err := a.webhook(ctx, m.Team)
	return m, t, err
}

// firstWord is the command's name as typed, for messages and logs: never
// the rest of the line, which may be a note's text.
func firstWord(text string) string {
	w, rest, _ := bot.CutWord(text)
	if w == "/cs" || w == "cs" {
		w, _, _ = bot.CutWord(rest)
	}
	return cmp.Or(w, "help")
}

// teamsChannel is a Teams channel id: 19:<id>@thread.tacv2 (or the older
// @thread.skype).
var teamsChannel = regexp.MustCompile(`^19:[0-9A-Za-z_-]+@thread\.(tacv2|skype)$`)

// ParseChannel reads a Teams channel id, given as itself or as the
// channel's link (⋯ > Get link to channel), whose path carries it escaped.
func ParseChannel(s string) (string, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "https://teams.microsoft.com/l/channel/"); ok {
		seg, _, _ := strings.Cut(rest, "/")
		if id, err := url.PathUnescape(seg); err == nil {
			s = id
		}
	}
	if !teamsChannel.MatchString(s) {
		return "", errors.New("not a Teams channel: give the channel's link (⋯ > Get link to channel) or its id, 19:...@thread.tacv2")
	}
	return s, nil
}
