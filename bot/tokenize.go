package bot

import (
	"strings"
	"unicode"
)

// quotes maps opening to closing quotes. Chat clients often turn straight
// quotes into typographic ones, so both group words.
var quotes = map[rune]rune{'"': '"', '“': '”', '\'': '\'', '‘': '’'}

// Tokenize splits a command line into words. Quotes group words
// ("Sakura Logistics", name:"Aiko Tanaka"); a single quote opens only at the
// start of a word, so "customer's" stays one word, and a quote left open
// runs to the end of the line rather than failing the command.
func Tokenize(s string) []string {
	var out []string
	for {
		word, rest, ok := CutWord(s)
		if !ok {
			return out
		}
		out = append(out, word)
		s = rest
	}
}

// CutWord returns the first word of s (unquoted) and the raw text after it.
func CutWord(s string) (word, rest string, ok bool) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if s == "" {
		return "", "", false
	}
	var b strings.Builder
	var closing rune
	for i, r := range s {
		switch {
		case closing != 0:
			if r == closing {
				closing = 0
				continue
			}
			b.WriteRune(r)
		case unicode.IsSpace(r):
			return b.String(), strings.TrimLeftFunc(s[i:], unicode.IsSpace), true
		case quotes[r] != 0 && (r == '"' || r == '“' || b.Len() == 0):
			closing = quotes[r]
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), "", true
}

// Quote makes s one word for Tokenize, whose quotes group words.
func Quote(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) && !strings.ContainsAny(s, "\"“") && !strings.HasPrefix(s, "'") && !strings.HasPrefix(s, "‘") {
		return s
	}
	switch {
	case !strings.Contains(s, `"`):
		return `"` + s + `"`
	case !strings.Contains(s, "”"):
		return "“" + s + "”"
	}
	return `"` + strings.ReplaceAll(s, `"`, "") + `"`
}
