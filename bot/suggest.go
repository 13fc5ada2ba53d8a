package bot

import (
	"slices"
	"strings"
)

// Closest returns up to n candidates nearest to word by edit distance,
// nearest first, leaving out those too far to be a plausible typo. A
// candidate that starts with word counts as near, and a long candidate is
// also compared by its start, so "acmr" finds "Acme Corp".
func Closest(word string, candidates []string, n int) []string {
	word = strings.ToLower(word)
	type scored struct {
		s string
		d int
	}
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(word, lc)
		if r := []rune(lc); len(r) > len([]rune(word)) {
			d = min(d, distance(word, string(r[:len([]rune(word))]))+1)
		}
		if strings.HasPrefix(lc, word) || strings.Contains(lc, word) && len(word) >= 3 {
			d = min(d, 1)
		}
		if d <= max(2, len([]rune(word))/3) {
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

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
