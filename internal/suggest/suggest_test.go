package suggest

import (
	"testing"

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
	}
	for _, tc := range tests {
		cands := cmds
		if tc.word == "acmr" {
			cands = []string{"Globex", "Acme Labs", "Acme Corp", "Initech"}
		}
		if diff := cmp.Diff(tc.want, Closest(tc.word, cands, tc.n)); diff != "" {
			t.Errorf("Closest(%q) (-want +got):\n%s", tc.word, diff)
		}
	}
}
