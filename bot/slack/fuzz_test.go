package slack

import (
	"errors"
	"net/url"
	"testing"

	"github.com/slack-go/slack"
)

// FuzzDecodeCommand: any signed slash command body is read or refused,
// and one read has the fields answering it needs.
func FuzzDecodeCommand(f *testing.F) {
	f.Add("command=%2Fcs&text=health+acme&user_id=U0AIKO&channel_id=C1&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=1.2.3")
	f.Add("command=%2Fcs&user_id=U1&response_url=x&text=%ZZ")
	f.Add("text=health")
	f.Add("command=/cs&command=/other&user_id=U1&user_id=&response_url=r")
	f.Fuzz(func(t *testing.T, body string) {
		sc, err := decodeCommand([]byte(body))
		if err != nil {
			return
		}
		if sc.UserID == "" || sc.Command == "" || sc.ResponseURL == "" {
			t.Errorf("accepted a command without user, command or response_url: %+v", sc)
		}
	})
}

// FuzzDecodeEvent: any signed Events API body is refused, or is a
// challenge, a callback, or nothing to do; a callback's question is read
// without panicking.
func FuzzDecodeEvent(f *testing.F) {
	f.Add(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	f.Add(`{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev01","event_time":1700000000,"event":{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme","ts":"1700000001.000200","channel":"C1","event_ts":"1700000001.000200"}}`)
	f.Add(`{"type":"event_callback","event_id":"Ev02","event":{"type":"message","channel_type":"im","user":"U0AIKO","text":"whoami &amp; more","ts":"1.2","channel":"D0AIKO"}}`)
	f.Add(`{"type":"event_callback","event_id":"Ev03","event":null}`)
	f.Add(`{"type":"event_callback","event":{"type":"app_mention"}}`)
	f.Add(`{"type":"app_rate_limited","minute_rate_limited":1518467820}`)
	f.Fuzz(func(t *testing.T, body string) {
		ev, err := decodeEvent([]byte(body))
		if err != nil {
			return
		}
		if ev.challenge != "" && ev.id != "" {
			t.Errorf("both a challenge and a callback: %+v", ev)
		}
		if q, ok := question(ev.inner); ok && ev.id == "" {
			t.Errorf("a question outside a callback: %+v", q)
		}
	})
}

// FuzzDecodeInteraction: any signed interaction body is refused or read,
// and a note modal's submission read is either refused as unreadable or
// gives its text and kind.
func FuzzDecodeInteraction(f *testing.F) {
	for _, p := range []string{
		`{"type":"block_actions","user":{"id":"U0AIKO"},"trigger_id":"T123","response_url":"https://hooks.slack.com/actions/1","actions":[{"action_id":"note","block_id":"actions","value":"acme","type":"button"}]}`,
		`{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme","state":{"values":{"note_text":{"text":{"type":"plain_text_input","value":"QBR booked"}},"note_kind":{"kind":{"type":"static_select","selected_option":{"value":"meeting"}}}}}}}`,
		`{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","private_metadata":"acme"}}`,
		`{"type":"view_submission","user":{"id":"U0AIKO"},"view":{"callback_id":"note","state":{"values":null}}}`,
		`{"type":"block_actions","user":{"id":"U1"},"actions":[]}`,
	} {
		f.Add("payload=" + url.QueryEscape(p))
	}
	f.Add("payload=%7Bnope")
	f.Fuzz(func(t *testing.T, body string) {
		ic, err := decodeInteraction([]byte(body))
		if err != nil {
			return
		}
		if ic.User.ID == "" {
			t.Errorf("accepted an interaction without a user: %+v", ic)
		}
		if ic.Type != slack.InteractionTypeViewSubmission {
			return
		}
		text, kind, err := noteInput(ic.View)
		switch {
		case err != nil && !errors.Is(err, errBadPayload):
			t.Errorf("noteInput error %v is not errBadPayload", err)
		case err == nil && kind == "":
			t.Errorf("a submission read without a kind (text %q)", text)
		}
	})
}
