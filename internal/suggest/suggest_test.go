package suggest

import (
	"fmt"
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
		{"さくら物硫", 3, []string{"さくら物流", "サクラ商事"}}, // one kanji wrong; two edits from さくら商事
		{"ｻｸﾗ", 3, []string{"さくら物流", "サクラ商事"}},   // half-width is full-width, katakana is hiragana
		{"ヒマワリ", 1, []string{"ひまわり電機"}},
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

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Sakura", "sakura"},
		{"ＳＡＫＵＲＡ", "sakura"},
		{"サクラ物流", "さくら物流"},
		{"ｻｸﾗ", "さくら"},    // half-width: NFKC first
		{"ｶﾞｯｺｳ", "がっこう"}, // a voiced half-width kana composes into one
		{"さくら", "さくら"},
		{"ヴァイオリン", "ゔぁいおりん"}, // ヴ and ゔ are a pair
		{"ヵヶ", "ゕゖ"},         // the last pair of the blocks
		{"ヽヾ", "ゝゞ"},         // iteration marks
		{"スーパー", "すーぱー"},     // the prolonged sound mark has no hiragana
		{"ヷ", "ヷ"},           // nor has ヷ
		{"株式会社ヒカリ製作所", "株式会社ひかり製作所"},
	}
	for _, tc := range tests {
		if got := Key(tc.in); got != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Key(tc.want); got != tc.want {
			t.Errorf("Key(%q) = %q: not a fixed point", tc.want, got)
		}
	}
}

// names are n account names shaped like real ones.
func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Account %05d Holdings KK", i)
	}
	return out
}

// BenchmarkClosestLongMiss is the worst a user can type: an unknown name
// of 4,000 characters (what a chat message holds) or of 200 (the longest
// account name, which commands let through) searched over 10,000 names.
func BenchmarkClosestLongMiss(b *testing.B) {
	cands := names(10_000)
	for _, n := range []int{200, 4000} {
		word := strings.Repeat("x", n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if got := Closest(word, cands, 3); len(got) != 0 {
					b.Fatalf("Closest = %v", got)
				}
			}
		})
	}
}

// BenchmarkClosestTypo is the common case: a typo of a name of 10,000.
func BenchmarkClosestTypo(b *testing.B) {
	cands := names(10_000)
	for b.Loop() {
		if got := Closest("Acount 04242 Holdngs KK", cands, 3); len(got) == 0 || got[0] != "Account 04242 Holdings KK" {
			b.Fatalf("Closest = %v", got)
		}
	}
}

// fullDistance fills the whole matrix: the reference within is checked against.
func fullDistance(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// The banded, early-stopping search finds what the full matrix finds.
func TestWithinMatchesFullMatrix(t *testing.T) {
	words := []string{"", "a", "ab", "ba", "acme", "acmr", "acme corp", "kitten", "sitting", "tier", "tire", "東京", "京都", "abcabcabc", "cbacbacba", "xxxxxxxxxxxxxxxx"}
	for _, a := range words {
		for _, b := range words {
			for k := range 12 {
				checkWithin(t, a, b, k)
			}
		}
	}
}

func checkWithin(t *testing.T, a, b string, k int) {
	t.Helper()
	ra, rb := []rune(a), []rune(b)
	want := min(fullDistance(ra, rb), k+1)
	if got := within(ra, rb, k); got != want {
		t.Errorf("within(%q, %q, %d) = %d, want %d", a, b, k, got, want)
	}
}

func FuzzWithin(f *testing.F) {
	f.Add("acmr", "acme corp", 2)
	f.Add("tier", "tire", 1)
	f.Add("abcdef", "badcfe", 3)
	f.Fuzz(func(t *testing.T, a, b string, k int) {
		if len(a) > 64 || len(b) > 64 || k < 0 || k > 80 {
			t.Skip()
		}
		checkWithin(t, a, b, k)
	})
}

// BenchmarkKey is the folding every name of a book goes through when a
// lookup misses the slug: ASCII (the common case), hiragana, katakana.
func BenchmarkKey(b *testing.B) {
	for _, name := range []string{"Account 04711 Holdings KK", "さくら物流株式会社", "サクラ物流株式会社"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Key(name)
			}
		})
	}
}

// Key is what a lookup compares: folding its result again changes nothing
// (or a name and its own key would not match), and it keeps text valid.
// Chat platforms and imports hand csbot valid UTF-8 only.
func FuzzKey(f *testing.F) {
	for _, s := range []string{"さくら物流", "ｻｸﾗ", "ＳＡＫＵＲＡ", "ヴァイオリン", "ゝゞヽヾ", "ﾞﾟ", "ヷヸヹヺ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		k := Key(s)
		if again := Key(k); again != k {
			t.Errorf("Key(%q) = %q, but Key of that is %q", s, k, again)
		}
		if !utf8.ValidString(k) {
			t.Errorf("Key(%q) = %q: not valid UTF-8", s, k)
		}
	})
}
