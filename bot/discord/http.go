package discord

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
)

// maxSkew is how far a signature's timestamp may be from now.
const maxSkew = 5 * time.Minute

// Handler serves POST /discord/interactions: the Ed25519 signature over
// timestamp and body is checked first (401 when missing, forged or older
// than 5 minutes), a PING gets a PONG, and everything else goes where the
// gateway's interactions go. Oversized bodies get 413, malformed ones 400.
func (a *Adapter) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bot.ReadBody(w, r)
		if !ok {
			return
		}
		if !a.verify(r, body, time.Now()) {
			a.Log.Warn("discord: refused unsigned request", "remote", r.RemoteAddr)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		i, channelName, err := decodeInteraction(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ctx := bot.WithChannelName(r.Context(), channelName)
		// A signed request stays valid for 5 minutes: the claim makes a
		// replay, on whichever replica, do nothing. Autocomplete only reads.
		if i.Type != discordgo.InteractionPing && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
			won, err := a.Store.Claim(ctx, "discord-interaction/"+i.ID, time.Now())
			if err != nil {
				a.Log.Warn("discord: claim interaction", "err", err)
				writeJSON(w, a.outage(ctx, i))
				return
			}
			if !won {
				a.Log.Warn("discord: refused replayed interaction", "interaction", i.ID)
				http.Error(w, "replayed request", http.StatusUnauthorized)
				return
			}
		}
		resp, then, err := a.interact(ctx, i)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, resp)
		if then != nil {
			// Follow-ups need the response to have reached Discord.
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			a.work.Go(then)
		}
	})
}

// decodeInteraction reads an interaction, and the name of the channel it
// came from, which the payload's partial channel object carries (none in a
// DM) and discordgo v0.29 leaves out: audit records name the channel. One
// without a type or an id is malformed.
func decodeInteraction(body []byte) (*discordgo.Interaction, string, error) {
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil || i.Type == 0 || i.ID == "" {
		return nil, "", errors.New("malformed interaction")
	}
	// A second pass: Interaction's own UnmarshalJSON would swallow a
	// struct embedding it.
	var ch struct {
		Channel struct {
			Name string `json:"name"`
		} `json:"channel"`
	}
	_ = json.Unmarshal(body, &ch) // a channel that is no object leaves the name out
	return &i, ch.Channel.Name, nil
}

// verify checks the signature's age, then the signature itself.
// discordgo.VerifyInteraction checks the signature but not the age.
func (a *Adapter) verify(r *http.Request, body []byte, now time.Time) bool {
	if a.key == nil {
		return false
	}
	secs, err := strconv.ParseInt(r.Header.Get("X-Signature-Timestamp"), 10, 64)
	if err != nil || now.Sub(time.Unix(secs, 0)).Abs() > maxSkew {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return discordgo.VerifyInteraction(r, a.key)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
