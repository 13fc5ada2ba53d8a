package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/golden"
)

func healthReply() bot.Reply {
	return bot.Reply{
		Title: "Acme Corp · health 91/100 (green)",
		Band:  "green",
		Text:  "▲ +4 in 7 days, ▲ +16 in 30 days  ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇████",
		Fields: []bot.Field{
			{Name: "Score", Value: "91/100 (green)"},
			{Name: "Tier", Value: "high touch"},
			{Name: "Owner", Value: "Aiko Tanaka (@aiko)"},
			{Name: "ARR", Value: "240,000"},
			{Name: "Renewal", Value: "2027-06-13 (in 200 days)"},
		},
		Sections: []bot.Section{
			{Title: "Components", Lines: []string{
				"usage         87  x 39% = 33.8  90 of 100 seats active, 80% of key features",
				"engagement   100  x 22% = 22.2  last touch 3 days ago",
				"No data for onboarding: left out, the other weights re-normalised.",
			}},
			{Title: "Risks", Lines: []string{"No churn-risk rule fires."}},
		},
		Buttons: []bot.Button{
			{ID: "note", Label: "Log a touch", Value: "acme"},
			{ID: "onboarding", Label: "Onboarding", Value: "onboarding acme"},
		},
		Footer: "as of 2026-11-25 10:00 UTC · account data updated 2026-11-25",
		Image:  &bot.Image{Name: "acme-health.png", Alt: "health over 90 days", PNG: []byte("\x89PNG")},
	}
}

func indented(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// The outgoing webhook's answers, as Teams receives them.
func TestAnswerGolden(t *testing.T) {
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
			},
			Sections: []bot.Section{{Lines: []string{
				"Y  58  Initech (initech)  high · Tokyo · @aiko · ARR 180,000  risk: renewal-at-risk",
				"    - renews in 60 days (2027-01-24) with health 58, below 60",
			}}},
			Footer: "2 accounts",
		}},
		{"error-usage", bot.Reply{
			Text:   "Which account? Give its name or slug.",
			Error:  true,
			Fields: []bot.Field{{Name: "Usage", Value: "/cs health <account> [share]"}},
		}},
		{"no-data", bot.Reply{Title: "Acme Corp · no health data yet", Band: "none", Text: "No usage, touch or survey data has arrived."}},
		{"reminder", bot.Reply{
			Title: "Reminder: weekly check in", Text: "Acme Corp: weekly check-in is due today.", Footer: "playbook high-touch",
			Buttons: []bot.Button{{ID: "reminder-done", Label: "Done", Value: "reminder done r1"}, {ID: "x", Value: "reminder snooze 1d r1"}},
		}},
		// Text-only replies are markdown messages.
		{"md-error", bot.Reply{Text: "You are not registered with csbot yet, so it cannot show you customer data.", Error: true}},
		{"md-escape", bot.Reply{Text: "Use `/cs note <account> <text>` & check a < b > c.\nSecond line: <at>AT&T</at>\n\n  "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden.Assert(t, "answer-"+tt.name+".golden", indented(answer(i18n.English, tt.reply, "csbot")))
		})
	}
}

// What Workflows receives: every part of a message, each mentioning the
// member only in the first.
func TestWorkflowsGolden(t *testing.T) {
	tests := []struct {
		name  string
		reply bot.Reply
		who   *mention
	}{
		{"digest-mention", bot.Reply{Title: "Churn-risk digest: Tokyo", Band: "yellow", Text: "1 account at risk", Sections: []bot.Section{{Title: "At risk", Lines: []string{"Initech: renews in 60 days with health 58"}}}},
			&mention{name: "Haruto Sato", handle: "haruto", aadID: "5f4b2c1e-8a3d-4e6f-9b7a-1c2d3e4f5a6b"}},
		{"reminder-no-aad", bot.Reply{Title: "Reminder: QBR", Text: "Acme Corp: QBR is due."}, &mention{name: "Yui Nakamura", handle: "yui"}},
		{"channel-text", bot.Reply{Text: "Weekly summary is late today."}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []Activity
			for _, c := range render(i18n.English, tt.reply, "csbot", tt.who) {
				msgs = append(msgs, message(c))
			}
			golden.Assert(t, "workflows-"+tt.name+".golden", indented(msgs))
		})
	}
}

// lines makes n distinct lines of about width runes; every other one is
// aligned, and they carry characters that need escaping elsewhere.
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

// Long replies split into cards that each fit a Teams message, with every
// line once, the title first and the hints and footer last.
func TestRenderLimits(t *testing.T) {
	long := strings.Repeat("x", 3000)
	var fields []bot.Field
	for i := range 40 {
		fields = append(fields, bot.Field{Name: fmt.Sprintf("F%02d", i), Value: strings.Repeat("v&", 300*i)})
	}
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{ID: fmt.Sprintf("b%02d", i), Label: "Open", Value: "health acme-" + strings.Repeat("z", 100)})
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
		who   *mention
	}{
		{"40 long fields", bot.Reply{Title: "t", Fields: fields}, nil},
		{"500 long lines", bot.Reply{Title: "t", Sections: []bot.Section{{Title: "Big", Lines: lines("big", 500, 150)}}}, nil},
		{"30 sections of 40 lines", bot.Reply{Title: "t", Band: "red", Sections: many(30, 40, 120), Buttons: buttons[:2], Footer: "f"}, &mention{name: "N", handle: "n", aadID: "x"}},
		{"30 buttons", bot.Reply{Title: "t", Buttons: buttons}, nil},
		{"3000-char title and line", bot.Reply{Title: long, Band: "green", Text: long}, nil},
		{"everything", bot.Reply{
			Title: long, Band: "yellow", Text: strings.Join(lines("text", 100, 60), "\n"), Fields: fields,
			Sections: append(many(20, 20, 80), bot.Section{Lines: lines("tail", 300, 150)}),
			Buttons:  buttons, Footer: strings.Repeat("f<", 2000),
		}, &mention{name: "N", handle: "n"}},
		{"empty", bot.Reply{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards := render(i18n.English, tt.reply, "csbot", tt.who)
			var all strings.Builder
			for i, c := range cards {
				if n := len(mustJSON(c)); n > cardBudget {
					t.Errorf("card %d: %d bytes, budget %d", i, n, cardBudget)
				}
				if n := len(mustJSON(message(c))); n > MaxMessageBytes {
					t.Errorf("message %d: %d bytes, Teams takes %d", i, n, MaxMessageBytes)
				}
				if len(c.Body) == 0 && len(cards) > 1 {
					t.Errorf("card %d is empty", i)
				}
				if ents := c.MSTeams.Entities; (i == 0 && tt.who != nil && tt.who.aadID != "") != (len(ents) == 1) {
					t.Errorf("card %d has %d mention entities", i, len(ents))
				}
				all.Write(mustJSON(c))
			}
			if n := len(mustJSON(answer(i18n.English, tt.reply, "csbot"))); n > MaxMessageBytes {
				t.Errorf("outgoing webhook answer: %d bytes, Teams takes %d", n, MaxMessageBytes)
			}
			text := all.String()
			var in []string
			in = append(in, strings.Split(tt.reply.Text, "\n")...)
			for _, s := range tt.reply.Sections {
				in = append(in, s.Lines...)
			}
			for _, l := range in {
				if l == "" || utf8.RuneCountInString(l) > maxLine {
					continue
				}
				want := string(mustJSON(l))
				if bot.Aligned(l) {
					want = string(mustJSON(strings.ReplaceAll(l, " ", "\u00a0")))
				}
				if n := strings.Count(text, want); n != 1 {
					t.Errorf("line %.30q appears %d times, want 1", l, n)
				}
			}
			if tt.reply.Title != "" {
				first := string(mustJSON(cards[0].Body[min(1, len(cards[0].Body)-1)]))
				if tt.who == nil {
					first = string(mustJSON(cards[0].Body[0]))
				}
				if !strings.Contains(first, `"weight":"Bolder","size":"Medium"`) {
					t.Errorf("the title does not open the first card: %.200s", first)
				}
			}
			last := cards[len(cards)-1].Body
			if tt.reply.Footer != "" && last[len(last)-1].Size != "Small" {
				t.Errorf("the footer does not close the last card: %+v", last[len(last)-1])
			}
			nhints := 0
			for _, c := range cards {
				for _, e := range c.Body {
					if strings.Contains(e.Text, "reply `@csbot ") {
						nhints++
					}
				}
			}
			if nhints != len(tt.reply.Buttons) {
				t.Errorf("%d hints, want %d", nhints, len(tt.reply.Buttons))
			}
		})
	}
}

// An answer longer than one message is cut, saying how much is left.
func TestAnswerCutNotice(t *testing.T) {
	r := bot.Reply{Title: "Accounts", Sections: []bot.Section{{Lines: lines("acct", 400, 150)}}}
	n := len(render(i18n.English, r, "csbot", nil))
	if n < 2 {
		t.Fatalf("%d cards, want a reply that needs several", n)
	}
	a := answer(i18n.English, r, "csbot")
	body := a.Attachments[0].Content.Body
	want := fmt.Sprintf("so it stops here (the rest would need %d more messages)", n-1)
	if got := body[len(body)-1].Text; !strings.Contains(got, want) {
		t.Errorf("last element = %q, want the cut notice with %q", got, want)
	}
}

func BenchmarkAnswer(b *testing.B) {
	r := healthReply()
	for b.Loop() {
		_ = mustJSON(answer(i18n.English, r, "csbot"))
	}
}
