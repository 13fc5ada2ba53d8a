package suggest

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"health", "health", 0}, {"helth", "health", 1},
		{"tier", "tire", 1}, {"kitten", "sitting", 3}, {"東京", "京都", 2},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"help", "health", "onboarding", "accounts", "risk", "note", "whoami", "team"}
	tests := []struct {
		word string
		n    int
		want []string
	}{
		{"helth", 1, []string{"health"}},
		{"acount", 1, []string{"accounts"}},
		{"onb", 1, []string{"onboarding"}},
		{"xyzzy", 3, []string{}},
		{"acmr", 3, []string{"Acme Corp", "Acme Labs"}},
		{"さくら物硫", 3, []string{"さくら物流"}},   // one kanji wrong
		{"ｻｸﾗ", 3, []string{"サクラ商事"}},     // half-width is full-width
		{"ＧＬＯＢＥＸ", 1, []string{"Globex"}}, // full-width is ASCII
	}
	names := []string{"Globex", "Acme Labs", "Acme Corp", "Initech", "さくら物流", "サクラ商事", "ひまわり電機"}
	for _, tc := range tests {
		cands := cmds
		if tc.word == "acmr" || strings.ContainsFunc(tc.word, func(r rune) bool { return r >= utf8.RuneSelf }) {
			cands = names
		}
		if diff := cmp.Diff(tc.want, Closest(tc.word, cands, tc.n)); diff != "" {
			t.Errorf("Closest(%q) (-want +got):\n%s", tc.word, diff)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Acme": "acme", "ＳＡＫＵＲＡ": "sakura", "ｻｸﾗ": "サクラ", "ｶﾞｰﾃﾞﾝ": "ガーデン", "さくら物流": "さくら物流", "①": "1",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
