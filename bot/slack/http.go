package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// HTTP serves Slack's signed HTTP endpoints.
type HTTP struct {
	app    *App
	secret string
	replay *replayGuard
}

// NewHTTP returns the HTTP transport for app, verifying requests with the
// app's signing secret.
func NewHTTP(app *App, signingSecret string) *HTTP {
	return &HTTP{app: app, secret: signingSecret, replay: &replayGuard{seen: map[string]time.Time{}}}
}

// Register mounts the Slack endpoints of docs/contract.md on mux.
func (h *HTTP) Register(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", h.verified(h.commands))
	mux.Handle("POST /slack/events", h.verified(h.events))
	mux.Handle("POST /slack/interactions", h.verified(h.interactions))
}

// verified reads the body (413 past bot.MaxBody) and checks Slack's v0 signature
// and its timestamp (401 when missing, forged, older than 5 minutes, or a
// replay of a request already served) before anything else happens.
func (h *HTTP) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bot.ReadBody(w, r)
		if !ok {
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, h.secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			h.app.Log.Warn("refused unsigned Slack request", "path", r.URL.Path, "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		// Slack does not resend slash commands or interactions; a second
		// request with the same signature is a replay. Events are retried
		// with the same body but a new timestamp, so they sign differently.
		if !h.replay.first(r.Header.Get("X-Slack-Signature"), time.Now()) {
			h.app.Log.Warn("refused replayed Slack request", "path", r.URL.Path)
			http.Error(w, "replayed request", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

func (h *HTTP) commands(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("user_id") == "" || form.Get("command") == "" || form.Get("response_url") == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	sc := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), UserID: form.Get("user_id"),
		Command: form.Get("command"), Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
	}
	writeJSON(w, h.app.Command(r.Context(), sc))
}

func (h *HTTP) events(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil || ch.Challenge == "" {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
		return
	case slackevents.CallbackEvent:
		cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if !ok || cb.EventID == "" {
			http.Error(w, "malformed event", http.StatusBadRequest)
			return
		}
		// Acknowledge first: Slack retries deliveries not acknowledged
		// within 3 s even while the first is still being handled.
		w.WriteHeader(http.StatusOK)
		h.app.work.Add(1)
		go func() {
			defer h.app.work.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
			defer cancel()
			h.app.Event(ctx, cb.EventID, ev.InnerEvent)
		}()
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *HTTP) interactions(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	var ic slack.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &ic)
	}
	if err != nil || ic.User.ID == "" {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	ack, err := h.app.Interaction(r.Context(), ic)
	if errors.Is(err, errBadPayload) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if ack == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, ack)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// replayGuard remembers signatures for the 5 minutes a timestamp is valid.
type replayGuard struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	pruned time.Time
}

func (g *replayGuard) first(sig string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.pruned) > time.Minute {
		for s, at := range g.seen {
			if now.Sub(at) > 5*time.Minute {
				delete(g.seen, s)
			}
		}
		g.pruned = now
	}
	if _, dup := g.seen[sig]; dup {
		return false
	}
	g.seen[sig] = now
	return true
}
