package slack

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
)

var testImage = bot.Image{Name: "acme-health.png", Alt: "Line chart of the health of Acme Corp", PNG: []byte("\x89PNG\r\n\x1a\n not really a chart")}

func TestClientUpload(t *testing.T) {
	e := newTestEnv(t)
	if err := e.client.Upload(context.Background(), "C1", "1700000001.000200", testImage, "Acme Corp · health"); err != nil {
		t.Fatal(err)
	}
	calls := e.slack.Calls()
	want := []summary{
		{Method: "files.getUploadURLExternal", Fields: map[string]string{"filename": "acme-health.png", "length": strconv.Itoa(len(testImage.PNG)), "alt_txt": testImage.Alt}},
		{Method: "upload_url", Fields: map[string]string{}},
		{Method: "files.completeUploadExternal", Fields: map[string]string{"channel_id": "C1", "thread_ts": "1700000001.000200"}},
	}
	if diff := cmp.Diff(want, summarize(calls, "filename", "length", "alt_txt", "channel_id", "thread_ts")); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
	if up := calls[1]; up.Path != "/upload/v1/F1" || !bytes.Equal(up.File, testImage.PNG) || up.FileName != "acme-health.png" {
		t.Errorf("upload: path %s, name %q, %d bytes; want the whole file at the URL Slack gave", up.Path, up.FileName, len(up.File))
	}
	if diff := cmp.Diff(jsonOf(t, `[{"id":"F1","title":"Acme Corp · health"}]`), jsonOf(t, calls[2].Form.Get("files"))); diff != "" {
		t.Errorf("completed files (-want +got):\n%s", diff)
	}
}

func TestClientUploadDM(t *testing.T) {
	e := newTestEnv(t)
	if err := e.client.UploadDM(context.Background(), "U2", testImage, "chart"); err != nil {
		t.Fatal(err)
	}
	want := []summary{
		{Method: "conversations.open", Fields: map[string]string{"users": "U2"}},
		{Method: "files.getUploadURLExternal", Fields: map[string]string{}},
		{Method: "upload_url", Fields: map[string]string{}},
		{Method: "files.completeUploadExternal", Fields: map[string]string{"channel_id": "D1"}},
	}
	if diff := cmp.Diff(want, summarize(e.slack.Calls(), "users", "channel_id", "thread_ts")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestClientUploadAltTextClipped(t *testing.T) {
	e := newTestEnv(t)
	img := testImage
	img.Alt = strings.Repeat("é", 1500)
	if err := e.client.Upload(context.Background(), "C1", "", img, "t"); err != nil {
		t.Fatal(err)
	}
	alt := e.slack.Calls()[0].Form.Get("alt_txt")
	if n := utf8.RuneCountInString(alt); n != maxAltText || !strings.HasSuffix(alt, "…") {
		t.Errorf("alt_txt has %d runes (ends %q), want %d ending in …", n, alt[len(alt)-3:], maxAltText)
	}
}

// Each step is retried on its own; a retried upload sends the whole file.
func TestClientUploadRetries(t *testing.T) {
	e := newTestEnv(t)
	e.slack.Script("upload_url", fakeReply{status: http.StatusInternalServerError, body: "<html>oops</html>"})
	e.slack.Script("files.completeUploadExternal", fakeReply{status: http.StatusTooManyRequests, retryAfter: "3"})
	if err := e.client.Upload(context.Background(), "C1", "", testImage, "t"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range e.slack.Calls() {
		got = append(got, c.Method)
		if c.Method == "upload_url" && !bytes.Equal(c.File, testImage.PNG) {
			t.Errorf("upload try sent %d bytes, want all %d", len(c.File), len(testImage.PNG))
		}
	}
	want := []string{"files.getUploadURLExternal", "upload_url", "upload_url", "files.completeUploadExternal", "files.completeUploadExternal"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 3 * time.Second}, e.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestClientUploadFails(t *testing.T) {
	tests := []struct {
		name   string
		script func(f *fakeSlack)
		img    bot.Image
		want   []string // substrings of the error
		calls  int
	}{
		{"uploads disabled", func(f *fakeSlack) {
			f.Script("files.getUploadURLExternal", fakeReply{body: `{"ok":false,"error":"file_uploads_disabled"}`})
		}, testImage, []string{"files.getUploadURLExternal acme-health.png", "file_uploads_disabled"}, 1},
		{"not in the channel", func(f *fakeSlack) {
			f.Script("files.completeUploadExternal", fakeReply{body: `{"ok":false,"error":"not_in_channel"}`})
		}, testImage, []string{"files.completeUploadExternal channel C1, acme-health.png", "not_in_channel"}, 3},
		{"empty file", nil, bot.Image{Name: "empty.png"}, []string{"upload empty.png: the file is empty"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			if tc.script != nil {
				tc.script(e.slack)
			}
			err := e.client.Upload(context.Background(), "C1", "", tc.img, "t")
			if !errors.Is(err, ErrDeliveryFailed) {
				t.Fatalf("err = %v, want ErrDeliveryFailed", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if n := len(e.slack.Calls()); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
		})
	}
}
