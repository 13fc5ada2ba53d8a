package bot

import "strings"

// Fence opens and closes a code block in Slack's and Discord's markdown.
const Fence = "```"

// FenceCost is what wrapping a run of code lines adds: Fence+"\n" before
// and "\n"+Fence after.
const FenceCost = 2 * (len(Fence) + 1)

// Line is one line of a reply rendered as markdown. Code lines go in a
// code block, so that aligned columns keep a monospace font; Gap asks for a
// blank line before the line unless it opens the text.
type Line struct {
	Text      string
	Code, Gap bool
}

// Aligned reports whether s lays out columns with runs of spaces.
func Aligned(s string) bool { return strings.Contains(strings.TrimRight(s, " "), "  ") }

// Cost is what appending l to lines adds to their joined text, with size
// measuring text as the platform counts it (runes, UTF-16 units).
func (l Line) Cost(lines []Line, size func(string) int) int {
	n := size(l.Text)
	if len(lines) > 0 {
		n++ // the newline before it
		if l.Gap {
			n++
		}
	}
	if l.Code && (len(lines) == 0 || !lines[len(lines)-1].Code) {
		n += FenceCost
	}
	return n
}

// JoinLines writes lines one per line, fencing each run of code lines.
func JoinLines(lines []Line) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
			if l.Gap {
				b.WriteByte('\n')
			}
		}
		if l.Code && (i == 0 || !lines[i-1].Code) {
			b.WriteString(Fence + "\n")
		}
		b.WriteString(l.Text)
		if l.Code && (i == len(lines)-1 || !lines[i+1].Code) {
			b.WriteString("\n" + Fence)
		}
	}
	return b.String()
}
