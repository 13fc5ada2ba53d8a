package bot_test

import (
	"testing"
	"unicode/utf8"

	"github.com/csbot/csbot/bot"
)

// Renderers pack lines by their Cost: the costs must add up to the joined
// text exactly, or a message would overflow a platform's limit.
func TestLineCostsAddUpToTheJoinedText(t *testing.T) {
	lines := []bot.Line{
		{Text: "*Components*"},
		{Text: "usage   87", Code: true},
		{Text: "engagement 100", Code: true},
		{Text: "*Risks*", Gap: true},
		{Text: "none"},
		{Text: "a  b", Code: true, Gap: true},
	}
	want := "*Components*\n```\nusage   87\nengagement 100\n```\n\n*Risks*\nnone\n\n```\na  b\n```"
	total := 0
	for i, l := range lines {
		total += l.Cost(lines[:i], utf8.RuneCountInString)
	}
	got := bot.JoinLines(lines)
	if got != want {
		t.Errorf("JoinLines = %q, want %q", got, want)
	}
	if total != utf8.RuneCountInString(got) {
		t.Errorf("costs add up to %d, the text is %d runes", total, utf8.RuneCountInString(got))
	}
}

func TestAligned(t *testing.T) {
	for s, want := range map[string]bool{"usage   87": true, "one space only": false, "trailing  ": false, "": false} {
		if got := bot.Aligned(s); got != want {
			t.Errorf("Aligned(%q) = %v, want %v", s, got, want)
		}
	}
}
