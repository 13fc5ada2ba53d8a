package teams

import (
	"context"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// An outgoing webhook's answer is seen by the whole channel: ARR, NPS and
// risk reasons stay out of it unless an admin marked the channel internal.
func TestCustomerFiguresOnlyInInternalChannels(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, text string
		// figures appear only in an internal channel.
		figures []string
	}{
		{"health", "<at>csbot</at> health kumo", []string{`"title":"ARR"`, "NPS\u00a0"}},
		// kenji reads Japanese: the renewal rule's reason.
		{"risk", "<at>csbot</at> risk", []string{`"title":"ARR at risk"`, "を下回っています"}},
		{"kpi", "<at>csbot</at> kpi", []string{`"title":"NPS"`, `"title":"Net revenue retention"`}},
	}
	check := func(t *testing.T, text string, figures []string, internal bool) {
		raw := string(mustJSON(e.ask(t, kenjiAAD, text)))
		for _, f := range figures {
			if strings.Contains(raw, f) != internal {
				t.Errorf("%q shown = %v, want %v:\n%s", f, !internal, internal, raw)
			}
		}
		if strings.Contains(raw, bot.RedactedNote) == internal {
			t.Errorf("note shown = %v, want %v", internal, !internal)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name+" unmarked", func(t *testing.T) { check(t, tc.text, tc.figures, false) })
	}
	// The mark is the channel's, whichever thread the message is in.
	if err := e.st.SetChannelMark(context.Background(), Platform, "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype", store.ChannelInternal); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name+" internal", func(t *testing.T) { check(t, tc.text, tc.figures, true) })
	}
}
