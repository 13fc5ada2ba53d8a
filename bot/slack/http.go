package slack

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// HTTP serves Slack's signed HTTP endpoints.
type HTTP struct {
	app    *App
	secret string
}

// NewHTTP returns the HTTP transport for app, verifying requests with the
// app's signing secret.
func NewHTTP(app *App, signingSecret string) *HTTP {
	return &HTTP{app: app, secret: signingSecret}
}

// commandsPath is where Slack posts slash commands.
const commandsPath = "/slack/commands"

// Register mounts the Slack endpoints of docs/contract.md on mux.
func (h *HTTP) Register(mux *http.ServeMux) {
	mux.Handle("POST "+commandsPath, h.verified(h.commands))
	mux.Handle("POST /slack/events", h.verified(h.events))
	mux.Handle("POST /slack/interactions", h.verified(h.interactions))
}

// verified reads the body (413 past bot.MaxBody) and checks Slack's v0 signature
// and its timestamp (401 when missing, forged, older than 5 minutes, or a
// replay of a request already served, on any replica) before anything else
// happens.
func (h *HTTP) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bot.ReadBody(w, r)
		if !ok {
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, h.secret)
		if err == nil {
			_, _ = sv.Write(raw)
			err = sv.Ensure()
		}
		if err != nil {
			h.app.Log.Warn("refused unsigned Slack request", "path", r.URL.Path, "err", err)
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		// A signed request stays valid for 5 minutes: claiming it makes a
		// replay, on whichever replica, do nothing. Slack does not resend
		// slash commands or interactions, and retries events with a new
		// timestamp, so they sign differently.
		guard := h.app.Requests
		if guard == nil {
			guard = h.app.Claims
		}
		id, signed := requestID(r.Header)
		won, err := guard.Claim(r.Context(), id, signed)
		if err != nil {
			h.app.Log.Warn("claim Slack request", "path", r.URL.Path, "err", err)
			if r.URL.Path == commandsPath {
				form, _ := url.ParseQuery(string(raw))
				writeJSON(w, body(Render(bot.Unavailable(h.app.slackLocalizer(r.Context(), form.Get("user_id"))))[0], false))
				return
			}
			http.Error(w, "csbot cannot reach its database right now", http.StatusServiceUnavailable)
			return
		}
		if !won {
			h.app.Log.Warn("refused replayed Slack request", "path", r.URL.Path)
			http.Error(w, "replayed request", http.StatusUnauthorized)
			return
		}
		next(w, r, raw)
	})
}

// requestID names a verified request by its timestamp and its signature's
// bytes, not the header's text: "v0=AB12..." and "v0=ab12..." are the same
// signature, and so the same request.
func requestID(h http.Header) (id string, signed time.Time) {
	ts, _ := strconv.ParseInt(h.Get("X-Slack-Request-Timestamp"), 10, 64)
	mac, _ := hex.DecodeString(strings.TrimPrefix(h.Get("X-Slack-Signature"), "v0="))
	return "slack-request/" + strconv.FormatInt(ts, 10) + "/" + hex.EncodeToString(mac), time.Unix(ts, 0)
}

func (h *HTTP) commands(w http.ResponseWriter, r *http.Request, body []byte) {
	sc, err := decodeCommand(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, h.app.Command(r.Context(), sc))
}

// decodeCommand reads a slash command's form.
func decodeCommand(body []byte) (slack.SlashCommand, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("user_id") == "" || form.Get("command") == "" || form.Get("response_url") == "" {
		return slack.SlashCommand{}, errors.New("malformed slash command")
	}
	return slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"), UserID: form.Get("user_id"),
		Command: form.Get("command"), Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
	}, nil
}

// event is an Events API request: a challenge to echo, or a callback to
// handle (an event of another type has neither).
type event struct {
	challenge string
	id        string
	inner     slackevents.EventsAPIInnerEvent
}

// decodeEvent reads an Events API request.
func decodeEvent(body []byte) (event, error) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		return event{}, errors.New("malformed event")
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil || ch.Challenge == "" {
			return event{}, errors.New("malformed url_verification")
		}
		return event{challenge: ch.Challenge}, nil
	case slackevents.CallbackEvent:
		cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if !ok || cb.EventID == "" {
			return event{}, errors.New("malformed event")
		}
		return event{id: cb.EventID, inner: ev.InnerEvent}, nil
	}
	return event{}, nil
}

func (h *HTTP) events(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := decodeEvent(body)
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	case ev.challenge != "":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ev.challenge)
	case ev.id != "":
		// Acknowledge first: Slack retries deliveries not acknowledged
		// within 3 s even while the first is still being handled.
		w.WriteHeader(http.StatusOK)
		h.app.work.Add(1)
		go func() {
			defer h.app.work.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
			defer cancel()
			h.app.Event(ctx, ev.id, ev.inner)
		}()
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// decodeInteraction reads an interaction's form and its JSON payload.
func decodeInteraction(body []byte) (slack.InteractionCallback, error) {
	form, err := url.ParseQuery(string(body))
	var ic slack.InteractionCallback
	if err == nil {
		err = json.Unmarshal([]byte(form.Get("payload")), &ic)
	}
	if err != nil || ic.User.ID == "" {
		return ic, errors.New("malformed interaction")
	}
	return ic, nil
}

func (h *HTTP) interactions(w http.ResponseWriter, r *http.Request, body []byte) {
	ic, err := decodeInteraction(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
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
