package discord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/golden"

	"github.com/bwmarrin/discordgo"

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
	}
}

func TestRenderGolden(t *testing.T) {
	longID := "reminder/high-touch/quarterly-business-review/fujimoto-heavy-industries/kenji/2026-11-25"
	tests := []struct {
		name  string
		reply bot.Reply
	}{
		{"health", healthReply()},
		{"error", bot.Reply{
			Text:   "Which account? Give its name or slug.",
			Error:  true,
			Fields: []bot.Field{{Name: "Usage", Value: "/cs health <account> [share]"}},
		}},
		{"escape", bot.Reply{
			Title:  "Tom & Jerry <Inc> *stars* foo_bar",
			Band:   "yellow",
			Text:   "Use `/cs note <account> <text>` for snake_case ~x~ a|b\n> not a quote\n# not a heading\nsee https://wiki.example.com/a_b_c",
			Fields: []bot.Field{{Name: "", Value: ""}},
			Footer: "/cs team show <team> lists *its* members",
		}},
		{"reminder", bot.Reply{
			Title: "Reminder: quarterly business review",
			Text:  "Fujimoto Heavy Industries: QBR due this week.",
			Buttons: []bot.Button{
				{ID: "health", Label: "Open health", Value: "health fujimoto-heavy-industries"},
				{ID: "reminder-done", Label: "Done", Value: "reminder done " + longID},
				{ID: "reminder-snooze-1d", Label: "Snooze 1 day", Value: "reminder snooze 1d " + longID},
				{ID: "dup", Label: "Open health again", Value: "health fujimoto-heavy-industries"},
			},
			Footer: "playbook high-touch",
		}},
		{"chart", bot.Reply{
			Title: "Acme Corp · health trend", Band: "none", Text: "▁▂▃▅▆▇",
			Image: &bot.Image{Name: "acme-health.png", Alt: "health over 90 days", PNG: []byte("\x89PNG")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(Render(i18n.English, tt.reply)); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "render-"+tt.name+".golden", buf.Bytes())
		})
	}
}

// Replies far over Discord's limits are split, never clipped away, and
// every message is within every limit.
func TestRenderSplitsWithinLimits(t *testing.T) {
	long := strings.Repeat("Tenjin Retail Group (tenjin)  high · Tokyo · @aiko · ARR 180,000  risk: red-band ", 3)
	var lines []string
	for i := range 400 {
		lines = append(lines, fmt.Sprintf("%3d  %s", i, long))
	}
	var fields []bot.Field
	for i := range 60 {
		fields = append(fields, bot.Field{Name: fmt.Sprintf("Field %d", i), Value: strings.Repeat("x", 900)})
	}
	var buttons []bot.Button
	for i := range 30 {
		buttons = append(buttons, bot.Button{ID: fmt.Sprint(i), Label: strings.Repeat("L", 100), Value: fmt.Sprintf("health a%d", i)})
	}
	tests := []struct {
		name  string
		reply bot.Reply
	}{
		{"long section", bot.Reply{Title: strings.Repeat("T", 300), Band: "red", Sections: []bot.Section{{Title: "At risk", Lines: lines}}, Footer: strings.Repeat("f", 3000)}},
		{"many fields", bot.Reply{Title: "Fields", Fields: fields, Text: strings.Repeat("word ", 2000), Buttons: buttons}},
		{"one huge line", bot.Reply{Text: strings.Repeat("界", 20000)}},
		{"code line longer than a description", bot.Reply{Sections: []bot.Section{{Lines: []string{"a  " + strings.Repeat("b", 9000)}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs := Render(i18n.English, tc.reply)
			var text strings.Builder
			buttonsSeen := 0
			for i, m := range msgs {
				checkMessage(t, i, m)
				for _, e := range m.Embeds {
					text.WriteString(e.Description)
					for _, f := range e.Fields {
						text.WriteString(f.Value)
					}
				}
				for _, row := range m.Components {
					buttonsSeen += len(row.(discordgo.ActionsRow).Components)
				}
			}
			for _, l := range tc.reply.Sections {
				for _, want := range l.Lines {
					if !strings.Contains(strings.ReplaceAll(text.String(), "\n", ""), strings.ReplaceAll(want, "\n", "")) && len(want) < maxDescription-bot.FenceCost {
						t.Errorf("line %.40q... lost", want)
					}
				}
			}
			if buttonsSeen != len(tc.reply.Buttons) {
				t.Errorf("%d buttons rendered, want %d", buttonsSeen, len(tc.reply.Buttons))
			}
			last := msgs[len(msgs)-1].Embeds
			if tc.reply.Footer != "" && last[len(last)-1].Footer == nil {
				t.Errorf("footer not on the last embed")
			}
		})
	}
}

func checkMessage(t *testing.T, i int, m Message) {
	t.Helper()
	if len(m.Embeds) == 0 || len(m.Embeds) > maxEmbeds {
		t.Errorf("message %d: %d embeds", i, len(m.Embeds))
	}
	total := 0
	for _, e := range m.Embeds {
		total += embedSize(e)
		if size(e.Title) > maxTitle || size(e.Description) > maxDescription || len(e.Fields) > maxFields {
			t.Errorf("message %d: embed over a limit: title %d, description %d, %d fields", i, size(e.Title), size(e.Description), len(e.Fields))
		}
		if e.Footer != nil && size(e.Footer.Text) > 2048 {
			t.Errorf("message %d: footer of %d", i, size(e.Footer.Text))
		}
		if strings.Count(e.Description, bot.Fence)%2 != 0 {
			t.Errorf("message %d: unbalanced code bot.Fence", i)
		}
		for _, f := range e.Fields {
			if n, v := size(f.Name), size(f.Value); n < 1 || n > maxFieldName || v < 1 || v > maxFieldValue {
				t.Errorf("message %d: field name %d, value %d", i, n, v)
			}
		}
	}
	if total > maxMessageText {
		t.Errorf("message %d: %d characters over its embeds", i, total)
	}
	if len(m.Components) > maxRows {
		t.Errorf("message %d: %d rows", i, len(m.Components))
	}
	for _, row := range m.Components {
		btns := row.(discordgo.ActionsRow).Components
		if len(btns) > maxRowItems {
			t.Errorf("message %d: %d buttons in a row", i, len(btns))
		}
		for _, c := range btns {
			b := c.(discordgo.Button)
			if len(b.CustomID) > maxCustomID || size(b.Label) > maxLabel {
				t.Errorf("message %d: button %q over a limit", i, b.CustomID)
			}
		}
	}
}

func TestCustomIDs(t *testing.T) {
	long := "reminder done " + strings.Repeat("x", 120)
	tests := []struct {
		kind, value string
		taken       []string
		wantID      string
		wantKey     bool
	}{
		{kindRun, "health acme", nil, "run:health acme", false},
		{kindRun, "health acme", []string{"run:health acme"}, "run2:health acme", false},
		{kindNote, "acme", nil, "note:acme", false},
		{kindRun, long, nil, "", true},
	}
	for _, tc := range tests {
		id, key := customID(tc.kind, tc.value, tc.taken)
		if tc.wantID != "" && id != tc.wantID || (key != "") != tc.wantKey || len(id) > maxCustomID {
			t.Errorf("customID(%q) = %q, %q", tc.value, id, key)
		}
		kind, value, gotKey, ok := parseCustomID(id)
		if !ok || kind != tc.kind || gotKey != key || key == "" && value != tc.value {
			t.Errorf("parseCustomID(%q) = %q %q %q %v", id, kind, value, gotKey, ok)
		}
	}
	if _, _, _, ok := parseCustomID("nothing"); ok {
		t.Error("an id without a kind parsed")
	}
}

func BenchmarkRender(b *testing.B) {
	r := healthReply()
	for b.Loop() {
		Render(i18n.English, r)
	}
}
