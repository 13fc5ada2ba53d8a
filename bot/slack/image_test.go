package slack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// uploads lists, in order, the upload steps the fake Slack saw: the
// method, and where the file was shared (channel_id and thread_ts).
func uploads(t *testing.T, f *fakeSlack) []string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		switch c.Method {
		case "conversations.open":
			out = append(out, "open "+c.Form.Get("users"))
		case "files.getUploadURLExternal":
			if c.Form.Get("filename") != "acme-health.png" || !strings.Contains(c.Form.Get("alt_txt"), "health score of Acme Corp") {
				t.Errorf("upload asked for %v", c.Form)
			}
			out = append(out, "get url")
		case "upload_url":
			if c.Size < 1000 {
				t.Errorf("uploaded %d bytes, want a whole PNG", c.Size)
			}
			out = append(out, "upload")
		case "files.completeUploadExternal":
			out = append(out, strings.TrimSpace("share "+c.Form.Get("channel_id")+" "+c.Form.Get("thread_ts")))
		}
	}
	return out
}

// A chart goes where the answer went when the whole channel sees it, and
// to the asker's DM when only they do: a file cannot be ephemeral, and a
// response_url cannot carry one.
func TestChartDelivery(t *testing.T) {
	dmUpload := []string{"open U0AIKO", "get url", "upload", "share D0AIKO"}
	tests := []struct {
		name     string
		refuse   string // a channel csbot is not in
		command  string // a slash command's text
		event    string // or an event
		wantType string // the slash command's response_type
		wantNote bool   // the answer says the chart went to the DM
		want     []string
	}{
		{name: "slash command, only the asker sees it", command: "health acme chart", wantType: "ephemeral", wantNote: true, want: dmUpload},
		{name: "slash command shared", command: "health acme chart share", wantType: "in_channel",
			want: []string{"get url", "upload", "share C1"}},
		{name: "shared where csbot is not a member: DM instead", refuse: "C1", command: "health acme chart share", wantType: "in_channel",
			want: append([]string{"get url", "upload", "share C1"}, dmUpload...)},
		{name: "mention", wantNote: true, want: dmUpload,
			event: `{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme chart","ts":"1700000001.000200","channel":"C1","event_ts":"1700000001.000200"}`},
		{name: "mention shared, in the thread", want: []string{"get url", "upload", "share C2 1700000004.000400"},
			event: `{"type":"app_mention","user":"U0AIKO","text":"<@U0BOT> health acme chart share","ts":"1700000004.000400","channel":"C2","event_ts":"1700000004.000400"}`},
		{name: "direct message", want: []string{"get url", "upload", "share D0AIKO"},
			event: `{"type":"message","channel_type":"im","user":"U0AIKO","text":"health acme chart","ts":"1700000002.000300","channel":"D0AIKO"}`},
		{name: "no chart, no upload", command: "health acme", wantType: "ephemeral"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.slack.refuse = tc.refuse
			var answer string
			if tc.command != "" {
				code, body := e.command(t, "U0AIKO", tc.command)
				if a := decodeAck(t, body); code != 200 || a.ResponseType != tc.wantType {
					t.Fatalf("ack %d %s, want %s", code, body, tc.wantType)
				}
				answer = body
			} else {
				ev := event(fmt.Sprintf("EvChart%d", i), tc.event)
				if code, _ := e.post(t, "/slack/events", ev, sign(ev, time.Now(), secret)); code != 200 {
					t.Fatalf("event: status %d", code)
				}
			}
			e.app.Wait()
			for _, m := range []string{"chat.postMessage", "chat.postEphemeral"} {
				for _, c := range e.slack.called(m) {
					answer += c.Form.Get("blocks")
				}
			}
			if got := strings.Contains(answer, "The chart is in your direct messages with csbot."); got != tc.wantNote {
				t.Errorf("answer says the chart is in the DM: %v, want %v:\n%s", got, tc.wantNote, answer)
			}
			if diff := cmp.Diff(tc.want, uploads(t, e.slack)); diff != "" {
				t.Errorf("uploads (-want +got):\n%s", diff)
			}
		})
	}
}
