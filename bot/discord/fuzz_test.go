package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
)

// FuzzDecodeInteraction: any signed interaction body is refused, or read
// into an interaction whose parts interact reads (its user, its command
// line, its button's or modal's custom id and text) without panicking.
func FuzzDecodeInteraction(f *testing.F) {
	cs, err := newCommandSet(testRegistry(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"type":1,"id":"1","application_id":"A","token":"t"}`)
	f.Add(`{"type":2,"id":"2","token":"t","member":{"user":{"id":"U1"}},"data":{"id":"C","name":"cs","type":1,"options":[{"name":"health","type":1,"options":[{"name":"account","type":3,"value":"acme"},{"name":"share","type":5,"value":true}]}]}}`)
	f.Add(`{"type":4,"id":"3","token":"t","user":{"id":"U1"},"data":{"id":"C","name":"cs","type":1,"options":[{"name":"health","type":1,"options":[{"name":"account","type":3,"value":"ac","focused":true}]}]}}`)
	f.Add(`{"type":3,"id":"4","token":"t","user":{"id":"U1"},"data":{"custom_id":"run:onboarding acme","component_type":2}}`)
	f.Add(`{"type":5,"id":"5","token":"t","user":{"id":"U1"},"data":{"custom_id":"note:acme","components":[{"type":1,"components":[{"type":4,"custom_id":"text","value":"call with the CTO"}]}]}}`)
	f.Add(`{"type":2,"id":"6","data":null}`)
	f.Add(`{"type":2,"id":"8","channel":{"id":"C1","name":"cs-sales","type":0},"data":{"id":"C","name":"cs","type":1}}`)
	f.Add(`{"type":2,"id":"9","channel":"C1"}`)
	f.Add(`{"type":5,"id":"7","data":{"components":[{"type":1,"components":[{"type":1}]}]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		i, _, err := decodeInteraction([]byte(body))
		if err != nil {
			return
		}
		if i.Type == 0 || i.ID == "" {
			t.Fatalf("accepted an interaction without a type or id: %+v", i)
		}
		_ = userOf(i)
		switch i.Type {
		case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
			_, _ = cs.call(i.ApplicationCommandData())
			_, _, _, _, _ = cs.find(i.ApplicationCommandData())
		case discordgo.InteractionMessageComponent:
			_, _, _, _ = parseCustomID(i.MessageComponentData().CustomID)
		case discordgo.InteractionModalSubmit:
			d := i.ModalSubmitData()
			_, _, _, _ = parseCustomID(d.CustomID)
			_ = inputValue(d.Components, noteInputID)
		}
	})
}

// The channel's name comes from the payload's partial channel object, when
// there is one with a name.
func TestDecodeInteractionChannelName(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"type":2,"id":"1","data":{"id":"C","name":"cs","type":1},"channel_id":"C1","channel":{"id":"C1","name":"cs-sales","type":0}}`, "cs-sales"},
		{`{"type":2,"id":"2","data":{"id":"C","name":"cs","type":1},"channel_id":"D1","channel":{"id":"D1","type":1}}`, ""}, // a DM
		{`{"type":2,"id":"3","data":{"id":"C","name":"cs","type":1},"channel_id":"C1"}`, ""},
	} {
		i, name, err := decodeInteraction([]byte(tc.body))
		if err != nil || i == nil || name != tc.want {
			t.Errorf("%s: name %q, %v; want %q", tc.body, name, err, tc.want)
		}
	}
}
