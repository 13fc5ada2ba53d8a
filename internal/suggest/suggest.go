// Package suggest finds what a user probably meant: the command, account
// or column nearest to a typo.
package suggest

import (
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold is the form in which names are compared: NFKC, so that full-width
// ＳＡＫＵＲＡ is SAKURA and half-width ｻｸﾗ is サクラ, then lower-cased.
func Fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.ToLower(norm.NFKC.String(s))
		}
	}
	return strings.ToLower(s) // ASCII is NFKC already: the common case, kept cheap
}

// Closest returns up to n candidates nearest to word by edit distance,
// nearest first, leaving out those too far to be a plausible typo. A
// candidate that starts with word counts as near, and a long candidate is
// also compared by its start, so "acmr" finds "Acme Corp". Both sides are
// compared folded (Fold), by characters, so Japanese names work too.
func Closest(word string, candidates []string, n int) []string {
	word = Fold(word)
	wr := []rune(word)
	type scored struct {
		s string
		d int
	}
	var out []scored
	for _, c := range candidates {
		lc := Fold(c)
		d := Distance(word, lc)
		if r := []rune(lc); len(r) > len(wr) {
			d = min(d, Distance(word, string(r[:len(wr)]))+1)
		}
		if strings.HasPrefix(lc, word) || strings.Contains(lc, word) && len(wr) >= 3 {
			d = min(d, 1)
		}
		if d <= max(2, len(wr)/3) {
			out = append(out, scored{c, d})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	res := make([]string, 0, n)
	for _, s := range out {
		if len(res) == n {
			break
		}
		res = append(res, s.s)
	}
	return res
}

// Distance is the edit distance of two strings, counting a swap of
// neighbours (tire, tier) as one edit.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
