package teams

import (
	"html"
	"regexp"
	"strings"
)

// tag matches an HTML tag; Teams sends message text as HTML-ish markup:
// "<at>csbot</at>&nbsp;health acme", sometimes wrapped in <p> or <div>.
var tag = regexp.MustCompile(`<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>`)

// atMention matches one mention element; its inner text is the name shown.
var atMention = regexp.MustCompile(`(?is)<\s*at\b[^<>]*>(.*?)<\s*/\s*at\s*>`)

// blockTags separate words when removed; other tags (at, b, span...) wrap
// text inside a line and vanish without a trace.
var blockTags = map[string]bool{"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true, "tr": true, "td": true, "th": true, "table": true, "pre": true, "blockquote": true}

// spaces maps the invisible and non-breaking spaces Teams' editor inserts
// to what the tokenizer splits on.
var spaces = strings.NewReplacer("\u00a0", " ", "\u200b", "", "\u200c", "", "\u200d", "", "\ufeff", "", "\u202f", " ", "\u2007", " ")

// CommandText returns the command line of a Teams message: the text after
// the mention of the bot (the one named botName, else the first), with
// markup removed, entities decoded and non-breaking spaces made plain.
// Other mentions keep the name they show.
func CommandText(text, botName string) string {
	ms := atMention.FindAllStringSubmatchIndex(text, -1)
	cut := -1
	for _, m := range ms {
		if strings.EqualFold(strings.TrimSpace(plain(text[m[2]:m[3]])), botName) {
			cut = m[1]
			break
		}
	}
	if cut < 0 && len(ms) > 0 {
		cut = ms[0][1]
	}
	if cut >= 0 {
		text = text[cut:]
	}
	return strings.TrimSpace(plain(text))
}

// plain strips tags (block tags leave a space) and decodes entities, in
// that order, so an escaped "&lt;account&gt;" stays as typed.
func plain(s string) string {
	s = tag.ReplaceAllStringFunc(s, func(t string) string {
		m := tag.FindStringSubmatch(t)
		if blockTags[strings.ToLower(m[2])] {
			return " "
		}
		return ""
	})
	return spaces.Replace(html.UnescapeString(s))
}
