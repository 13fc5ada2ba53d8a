package teams

import (
	"testing"
)

// FuzzDecodeActivity: any signed outgoing webhook body is refused, or read
// as a user's message with an id and a send time, whose command text is
// cut out without panicking.
func FuzzDecodeActivity(f *testing.F) {
	f.Add(activity(kenjiAAD, "<at>csbot</at> health kumo"))
	f.Add(activity(kenjiAAD, "<p><at>csbot</at>&nbsp;health&nbsp;&quot;Kumo Robotics&quot;</p>"))
	f.Add(`{"type":"message","id":"1","timestamp":"2026-12-06T19:06:25.1234567Z","from":{"aadObjectId":"x"},"text":"<at>csbot</at>"}`)
	f.Add(`{"type":"message","id":"","timestamp":"2026-12-06T19:06:25Z","from":{"aadObjectId":"x"}}`)
	f.Add(`{"type":"message","id":"1","timestamp":"2026-12-06T19:06:25+99:00","from":{"aadObjectId":"x"}}`)
	f.Add(`{"type":"conversationUpdate","from":{"aadObjectId":"x"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		in, sent, err := decodeActivity([]byte(body))
		if err != nil {
			return
		}
		if in.Type != "message" || in.ID == "" || in.From.AADObjectID == "" {
			t.Errorf("accepted an activity csbot cannot answer once: %+v sent %v", in, sent)
		}
		_ = CommandText(in.Text, DefaultBotName)
	})
}
