package discord_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// in is an interaction typed in channel.
func in(channel, body string) string {
	return strings.Replace(body, `"channel_id":"C1"`, `"channel_id":"`+channel+`"`, 1)
}

// An admin marks a channel external with `/cs channel external`; `share`
// there answers the asker alone, saying why, and elsewhere still posts
// for the channel. Changes are audited with the channel they came from.
func TestShareIsRefusedInAnExternalChannel(t *testing.T) {
	e := newEnv(t)
	if _, body := e.send(t, in("C9", interaction(2, aiko, slash([]string{"channel", "external"})))); !strings.Contains(body, "marked this channel external") {
		t.Fatalf("marking C9 external: %s", body)
	}
	share := slash([]string{"health"}, str("account", "acme"), flag("share"))
	tests := []struct {
		channel   string
		ephemeral bool
	}{
		{"C9", true},
		{"C1", false},
	}
	for _, tc := range tests {
		t.Run(tc.channel, func(t *testing.T) {
			code, body := e.send(t, in(tc.channel, interaction(2, aiko, share)))
			a := decode(t, body)
			if code != 200 || a.Type != 4 || (a.Data.Flags == 64) != tc.ephemeral || !strings.Contains(body, "Acme Corp") {
				t.Errorf("%d %s; want type 4, ephemeral %v, with the health", code, body, tc.ephemeral)
			}
			if said := strings.Contains(body, i18n.English.T("adapter.not_shared.external", nil)); said != tc.ephemeral {
				t.Errorf("answer says why it is private = %v, want %v: %s", said, tc.ephemeral, body)
			}
		})
	}
	// The channel's name, when the payload carries it, names it in the
	// trail (a DM's channel has none).
	for _, tc := range []struct{ account, payload, name string }{
		{"acme", "", ""},
		{"acme-labs", `"channel":{"id":"C9","name":"cs-sales","type":0},`, "cs-sales"},
	} {
		body := strings.Replace(in("C9", interaction(2, aiko, slash([]string{"note"}, str("account", tc.account), str("text", "call with the CTO")))), "{", "{"+tc.payload, 1)
		if _, answer := e.send(t, body); !strings.Contains(answer, "Acme") {
			t.Fatalf("note: %s", answer)
		}
		e.ad.Wait()
		recs, err := e.st.Audit(context.Background(), store.AuditAccount, tc.account, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := recs[len(recs)-1].Actor, (store.Actor{Name: "aiko", Platform: "discord", Channel: "C9", ChannelName: tc.name}); got != want {
			t.Errorf("note with %s audited as %+v, want %+v", cmp.Or(tc.payload, "no channel object"), got, want)
		}
	}
}

// A message csbot posts into a channel on its own leaves customer figures
// out where an admin marked the channel external.
func TestSendToAnExternalChannelLeavesFiguresOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.st.SetChannelMark(ctx, "discord", "C9", store.ChannelExternal); err != nil {
		t.Fatal(err)
	}
	digest := bot.Reply{Title: "Churn-risk digest: Tokyo", Fields: []bot.Field{{Name: "ARR at risk", Value: "9,999,999", Sensitive: true}}}
	for _, tc := range []struct {
		channel string
		shown   bool
	}{{"C1", true}, {"C9", false}} {
		if err := e.ad.Send(ctx, bot.Destination{Channel: tc.channel}, digest); err != nil {
			t.Fatal(err)
		}
		posts := e.discord.called(http.MethodPost, "channels/"+tc.channel+"/messages")
		if len(posts) != 1 {
			t.Fatalf("%d posts in %s, want 1", len(posts), tc.channel)
		}
		got := fmt.Sprint(posts[0].JSON)
		if !strings.Contains(got, "Churn-risk digest") || strings.Contains(got, "9,999,999") != tc.shown || strings.Contains(got, i18n.English.T("adapter.redacted", nil)) == tc.shown {
			t.Errorf("%s: figures shown = %v, want %v: %s", tc.channel, !tc.shown, tc.shown, got)
		}
	}
}
