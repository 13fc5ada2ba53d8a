package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/golden"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/csbot/csbot/bot"
)

func healthReply() bot.Reply {
	return bot.Reply{
		Title: "Acme Corp · health 91/100 (green)",
		Band:  "green",
		Fields: []bot.Field{
			{Name: "Score", Value: "91/100 (green)"},
			{Name: "Trend", Value: "▲ +4 in 7 days, ▲ +16 in 30 days  ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇████"},
			{Name: "Tier", Value: "high touch"},
			{Name: "Owner", Value: "Aiko Tanaka (@aiko)"},
			{Name: "Phase", Value: "adoption"},
			{Name: "ARR", Value: "240,000"},
			{Name: "Renewal", Value: "2027-06-13 (in 200 days)"},
		},
		Sections: []bot.Section{
			{Title: "Components", Lines: []string{
				"usage         87  x 39% = 33.8  90 of 100 seats active, 80% of key features",
				"engagement   100  x 22% = 22.2  last touch 3 days ago",
				"satisfaction  89  x 22% = 19.8  NPS 9/10, CSAT 4.5/5",
				"support       90  x 17% = 15.0  1 open ticket",
				"No data for onboarding: left out, the other weights re-normalised.",
			}},
			{Title: "Risks", Lines: []string{"No churn-risk rule fires."}},
		},
		Buttons: []bot.Button{
			{ID: "note", Label: "Log a touch", Value: "acme"},
			{ID: "onboarding", Label: "Onboarding", Value: "acme"},
		},
		Footer: "as of 2026-11-25 10:00 UTC · account data updated 2026-11-25",
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name  string
		reply bot.Reply
	}{
		{"health", healthReply()},
		{"risk-red", bot.Reply{
			Title: "Churn risks: team tokyo, at risk",
			Band:  "red",
			Fields: []bot.Field{
				{Name: "At risk", Value: "2 accounts"},
				{Name: "ARR at risk", Value: "220,000"},
				{Name: "Rules", Value: "health-drop 1, no-touch 1, nps-detractor 1, onboarding-stalled 1, red-band 1, renewal-at-risk 2"},
			},
			Sections: []bot.Section{{Lines: []string{
				"Y  58  Initech (initech)  high · Tokyo · @aiko · ARR 180,000  risk: renewal-at-risk, onboarding-stalled",
				"    - renews in 60 days (2027-01-24) with health 58, below 60",
				"    - onboarding stalled: no milestone done for 24 days (next: Data imported)",
				"R  33  Acme Labs (acme-labs)  low · Osaka · @ken · ARR 40,000  risk: red-band, health-drop, renewal-at-risk, nps-detractor, no-touch",
				"    - health 33 is in the red band (below 40)",
				"    - no touch for 60 days (low touch allows 45)",
			}}},
			Footer: "2 accounts",
		}},
		{"error", bot.Reply{
			Text:   "Which account? Give its name or slug.",
			Error:  true,
			Fields: []bot.Field{{Name: "Usage", Value: "/cs health <account> [share]"}},
		}},
		{"untitled", bot.Reply{
			Text:     "Logged a call on Acme Corp.",
			Sections: []bot.Section{{Title: "Examples", Lines: []string{"/cs note acme call with the CTO"}}},
		}},
		{"escape", bot.Reply{
			Title:  "Tom & Jerry <Inc>",
			Band:   "yellow",
			Text:   "Use `/cs note <account> <text>` & check a < b > c.\nSecond line: AT&T",
			Footer: "/cs team show <team> lists its members",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Keep &, < and > readable in the golden files: the escapes
			// under test are Slack's (&amp;), not JSON's (\u0026).
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(Render(tt.reply)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden.Assert(t, tt.name+".golden", got)
		})
	}
}

// lines makes n distinct lines of about width runes; every other one is
// aligned, and they carry characters that need escaping.
func lines(tag string, n, width int) []string {
	out := make([]string, n)
	for i := range out {
		sep := " "
		if i%2 == 0 {
			sep = "    "
		}
		l := fmt.Sprintf("[%s/%04d]%sa<b & c>d%s", tag, i, sep, sep)
		out[i] = l + strings.Repeat("é", max(width-utf8.RuneCountInString(l), 0))
	}
	return out
}

func buttons(n int) []bot.Button {
	var bs []bot.Button
	for i := range n {
		bs = append(bs, bot.Button{ID: fmt.Sprintf("b%02d", i), Label: strings.Repeat("L", 100), Value: "acme"})
	}
	return bs
}

func TestRenderLimits(t *testing.T) {
	long := strings.Repeat("x", 300)
	var fields []bot.Field
	for i := range 15 {
		fields = append(fields, bot.Field{Name: fmt.Sprintf("F%02d", i), Value: strings.Repeat("v&", 100*i)})
	}
	many := func(nsec, nlines, width int) []bot.Section {
		var ss []bot.Section
		for i := range nsec {
			ss = append(ss, bot.Section{Title: fmt.Sprintf("Section %02d", i), Lines: lines(fmt.Sprintf("s%02d", i), nlines, width)})
		}
		return ss
	}
	tests := []struct {
		name  string
		reply bot.Reply
	}{
		{"15 fields", bot.Reply{Title: "t", Fields: fields}},
		{"500 long lines", bot.Reply{Title: "t", Sections: []bot.Section{{Title: "Big", Lines: lines("big", 500, 150)}}}},
		{"60 sections", bot.Reply{Title: "t", Sections: many(60, 3, 40), Buttons: buttons(2), Footer: "f"}},
		{"30 sections of 40 lines", bot.Reply{Title: "t", Band: "red", Sections: many(30, 40, 120), Buttons: buttons(2), Footer: "f"}},
		{"30 buttons", bot.Reply{Title: "t", Buttons: buttons(30)}},
		{"300-char title", bot.Reply{Title: long, Band: "green", Text: "x"}},
		{"long text", bot.Reply{Text: strings.Join(lines("text", 300, 60), "\n")}},
		{"everything", bot.Reply{
			Title: long, Band: "yellow", Text: strings.Join(lines("text", 100, 60), "\n"), Fields: fields,
			Sections: append(many(60, 20, 80), bot.Section{Lines: lines("tail", 500, 150)}),
			Buttons:  buttons(30), Footer: strings.Repeat("f<", 2000),
		}},
		{"empty", bot.Reply{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := Render(tt.reply)
			checkLimits(t, msgs)
			var texts []string
			for _, m := range msgs {
				for _, b := range m.Blocks {
					if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
						texts = append(texts, s.Text.Text)
					}
				}
			}
			all := strings.Join(texts, "\n")
			var in []string
			in = append(in, strings.Split(tt.reply.Text, "\n")...)
			for _, s := range tt.reply.Sections {
				in = append(in, s.Lines...)
			}
			for _, l := range in {
				if l == "" {
					continue
				}
				if n := strings.Count(all, esc(l)); n != 1 {
					t.Errorf("line %.30q appears %d times, want 1", l, n)
				}
			}
			if tt.reply.Title != "" {
				h, ok := msgs[0].Blocks[0].(*slack.HeaderBlock)
				if !ok {
					t.Fatalf("first block is %T, want the header", msgs[0].Blocks[0])
				}
				if utf8.RuneCountInString(tt.reply.Title) > maxHeader && !strings.HasSuffix(h.Text.Text, "…") {
					t.Errorf("header %q is not clipped with …", h.Text.Text)
				}
			}
			last := msgs[len(msgs)-1].Blocks
			if tt.reply.Footer != "" {
				if _, ok := last[len(last)-1].(*slack.ContextBlock); !ok {
					t.Errorf("last block is %T, want the footer", last[len(last)-1])
				}
			}
			nbuttons := 0
			for _, b := range last {
				if a, ok := b.(*slack.ActionBlock); ok {
					nbuttons += len(a.Elements.ElementSet)
				}
			}
			if nbuttons != len(tt.reply.Buttons) {
				t.Errorf("last message has %d buttons, want %d", nbuttons, len(tt.reply.Buttons))
			}
		})
	}
}

var entity = regexp.MustCompile(`&(amp|lt|gt);`)

// checkLimits asserts Slack's limits on every message and that escapes and
// code fences are whole in every text.
func checkLimits(t *testing.T, msgs []Message) {
	t.Helper()
	if len(msgs) == 0 {
		t.Fatal("no messages")
	}
	text := func(where, s string, limit int) {
		t.Helper()
		if n := utf8.RuneCountInString(s); n > limit {
			t.Errorf("%s: %d runes, limit %d", where, n, limit)
		}
		if strings.Contains(entity.ReplaceAllString(s, ""), "&") {
			t.Errorf("%s: broken escape in %.40q…", where, s)
		}
	}
	headers := 0
	for i, m := range msgs {
		text(fmt.Sprintf("message %d fallback", i), m.Text, maxSectionText)
		if n := len(m.Blocks); n > maxBlocks {
			t.Errorf("message %d: %d blocks, limit %d", i, n, maxBlocks)
		}
		if len(m.Blocks) == 0 && len(msgs) > 1 {
			t.Errorf("message %d has no blocks", i)
		}
		ids := map[string]bool{}
		for j, b := range m.Blocks {
			where := fmt.Sprintf("message %d block %d", i, j)
			if id := b.ID(); id != "" {
				if ids[id] {
					t.Errorf("%s: duplicate block_id %q", where, id)
				}
				ids[id] = true
			}
			switch b := b.(type) {
			case *slack.HeaderBlock:
				headers++
				if i > 0 {
					t.Errorf("%s: header outside the first message", where)
				}
				if n := utf8.RuneCountInString(b.Text.Text); n > maxHeader {
					t.Errorf("%s: header of %d runes, limit %d", where, n, maxHeader)
				}
			case *slack.SectionBlock:
				if b.Text != nil {
					text(where, b.Text.Text, maxSectionText)
					if strings.Count(b.Text.Text, bot.Fence)%2 != 0 {
						t.Errorf("%s: unbalanced code bot.Fence", where)
					}
				}
				if len(b.Fields) > maxFields {
					t.Errorf("%s: %d fields, limit %d", where, len(b.Fields), maxFields)
				}
				for k, f := range b.Fields {
					text(fmt.Sprintf("%s field %d", where, k), f.Text, maxFieldText)
				}
				if b.Text == nil && len(b.Fields) == 0 {
					t.Errorf("%s: empty section", where)
				}
			case *slack.ActionBlock:
				if n := len(b.Elements.ElementSet); n > maxActions {
					t.Errorf("%s: %d elements, limit %d", where, n, maxActions)
				}
				for _, e := range b.Elements.ElementSet {
					if n := utf8.RuneCountInString(e.(*slack.ButtonBlockElement).Text.Text); n > maxButtonText {
						t.Errorf("%s: button label of %d runes", where, n)
					}
				}
			case *slack.ContextBlock:
				for _, e := range b.ContextElements.Elements {
					text(where, e.(*slack.TextBlockObject).Text, maxSectionText)
				}
			default:
				t.Errorf("%s: unexpected %T", where, b)
			}
		}
		if _, err := json.Marshal(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if headers > 1 {
		t.Errorf("%d headers, want at most 1", headers)
	}
}

func TestBlocksSplitLongLine(t *testing.T) {
	for _, sep := range []string{" ", "  "} {
		l := strings.Repeat("a&b<c>"+sep, 1500) // ~20,000 runes once escaped
		msgs := Render(bot.Reply{Sections: []bot.Section{{Lines: []string{l}}}})
		checkLimits(t, msgs)
		var got strings.Builder
		for _, b := range msgs[0].Blocks {
			s := b.(*slack.SectionBlock).Text.Text
			if sep == "  " {
				s = strings.TrimSuffix(strings.TrimPrefix(s, bot.Fence+"\n"), "\n"+bot.Fence)
			}
			got.WriteString(s)
		}
		if diff := cmp.Diff(esc(l), got.String()); diff != "" {
			t.Errorf("pieces of a %q-separated line do not rebuild it (-want +got):\n%s", sep, diff)
		}
	}
}

func TestBlocksClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 5, "abcd…"},
		{"ab&amp;cd", 5, "ab…"},
		{"ab&amp;cd", 8, "ab&amp;…"},
		{"éééééé", 4, "ééé…"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, clip(tt.in, tt.n)); diff != "" {
				t.Errorf("clip(%q, %d) (-want +got):\n%s", tt.in, tt.n, diff)
			}
		})
	}
}

func TestNoteModal(t *testing.T) {
	type text struct{ Type, Text string }
	type option struct {
		Text  text
		Value string
	}
	type element struct {
		Type          string
		ActionID      string `json:"action_id"`
		Multiline     bool
		MaxLength     int `json:"max_length"`
		Options       []option
		InitialOption *option `json:"initial_option"`
	}
	type block struct {
		Type     string
		BlockID  string `json:"block_id"`
		Label    *text
		Element  *element
		Elements []text
	}
	type view struct {
		Type            string
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		Title           text
		Submit          text
		Close           text
		Blocks          []block
	}
	// The form is in the member's language; the kinds' values stay the
	// words /cs note reads.
	for _, tc := range []struct {
		lang                                          string
		title, submit, close, account, note, kindName string
		kinds                                         []string
	}{
		{"en", "Log a touch", "Log", "Cancel", "Account: *Acme &amp; Co*", "Note", "Kind",
			[]string{"call", "meeting", "email", "qbr", "visit", "demo", "note"}},
		{"ja", "対応を記録", "記録", "キャンセル", "アカウント: *Acme &amp; Co*", "内容", "種類",
			[]string{"電話", "打ち合わせ", "メール", "QBR", "訪問", "デモ", "メモ"}},
	} {
		raw, err := json.Marshal(NoteModal(i18n.For(tc.lang), "acme", "Acme & Co", "C0SALES", "cs-sales"))
		if err != nil {
			t.Fatal(err)
		}
		var got view
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		var opts []option
		for i, k := range []string{"call", "meeting", "email", "qbr", "visit", "demo", "note"} {
			opts = append(opts, option{Text: text{"plain_text", tc.kinds[i]}, Value: k})
		}
		want := view{
			Type:            "modal",
			CallbackID:      NoteCallbackID,
			PrivateMetadata: "acme C0SALES cs-sales",
			Title:           text{"plain_text", tc.title},
			Submit:          text{"plain_text", tc.submit},
			Close:           text{"plain_text", tc.close},
			Blocks: []block{
				{Type: "context", Elements: []text{{"mrkdwn", tc.account}}},
				{Type: "input", BlockID: "note_text", Label: &text{"plain_text", tc.note}, Element: &element{Type: "plain_text_input", ActionID: "text", Multiline: true, MaxLength: 1200}},
				{Type: "input", BlockID: "note_kind", Label: &text{"plain_text", tc.kindName}, Element: &element{Type: "static_select", ActionID: "kind", Options: opts, InitialOption: &opts[6]}},
			},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("NoteModal in %s (-want +got):\n%s", tc.lang, diff)
		}
		// Slack counts characters.
		if utf8.RuneCountInString(got.Title.Text) > 24 || utf8.RuneCountInString(got.Submit.Text) > 24 || utf8.RuneCountInString(got.Close.Text) > 24 {
			t.Errorf("%s: modal title, submit and close must be at most 24 characters", tc.lang)
		}
	}
}
