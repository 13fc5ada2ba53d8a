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

// Key is the form in which names are matched: Fold, then katakana as
// hiragana (Kana), so サクラ, ｻｸﾗ and さくら find each other. Slugs stay in
// Fold's form (a katakana slug is stored as written); Key is for comparing.
func Key(s string) string { return Kana(Fold(s)) }

// Kana writes katakana as hiragana, for text Fold has folded already.
func Kana(s string) string {
	if !strings.ContainsFunc(s, isKatakana) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isKatakana(r) {
			return r - katakanaOffset
		}
		return r
	}, s)
}

// katakanaOffset is the distance from a katakana to its hiragana: the
// blocks are laid out in parallel from ァ/ぁ to ヶ/ゖ, and ヽヾ/ゝゞ.
const katakanaOffset = 'ァ' - 'ぁ'

// isKatakana reports a katakana that has a hiragana of its own; ヷ-ヺ and
// the prolonged sound mark ー have none and are left as they are.
func isKatakana(r rune) bool {
	return r >= 'ァ' && r <= 'ヶ' || r == 'ヽ' || r == 'ヾ'
}

// Closest returns up to n candidates nearest to word by edit distance,
// nearest first, leaving out those too far to be a plausible typo. A
// candidate that starts with word counts as near, and a long candidate is
// also compared by its start, so "acmr" finds "Acme Corp". Both sides are
// compared by Key, by characters, so Japanese names work too, in either
// kana.
//
// The cost is bounded whatever the user typed: a candidate whose length
// differs from word's by more than the distance allowed is skipped without
// comparing, and a comparison stops as soon as it exceeds that distance.
func Closest(word string, candidates []string, n int) []string {
	word = Key(word)
	w := []rune(word)
	limit := max(2, len(w)/3)
	type scored struct {
		s string
		d int
	}
	var out []scored
	for _, c := range candidates {
		lc := Key(c)
		var d int
		switch {
		case lc == word:
			d = 0
		case strings.HasPrefix(lc, word) || len(w) >= 3 && strings.Contains(lc, word):
			d = 1
		default:
			r := []rune(lc)
			d = within(w, r, limit)
			if len(r) > len(w) {
				d = min(d, within(w, r[:len(w)], limit-1)+1)
			}
		}
		if d <= limit {
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
	return within(ra, rb, max(len(ra), len(rb)))
}

// within is the edit distance of a and b when it is at most k, else k+1.
// Only the cells within k of the diagonal can hold a distance of at most
// k, so it costs O(k·len(a)) and stops early once two rows in a row exceed
// k (a swap reaches back two rows).
func within(a, b []rune, k int) int {
	inf := k + 1
	if len(a)-len(b) > k || len(b)-len(a) > k {
		return inf
	}
	n := len(b)
	prev2, prev, cur := make([]int, n+1), make([]int, n+1), make([]int, n+1)
	for j := range prev {
		prev[j] = min(j, inf)
	}
	prevMin := 0
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(n, i+k)
		cur[0] = min(i, inf)
		if lo > 1 {
			cur[lo-1] = inf
		}
		rowMin := cur[0]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = min(v, inf)
			rowMin = min(rowMin, cur[j])
		}
		if hi < n {
			cur[hi+1] = inf
		}
		if rowMin > k && prevMin > k {
			return inf
		}
		prevMin = rowMin
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n]
}
