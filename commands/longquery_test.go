package commands_test

import (
	"strconv"
	"strings"
	"testing"
)

// An account query longer than any account name is answered at once,
// without searching the names for one near it.
func TestAccountQueryLongerThanAnyName(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ command, query, rest string }{
		{"health", strings.Repeat("x", 4000), ""},
		{"note", strings.Repeat("x", 4000), " call went well"},
		{"onboarding", strings.Repeat("名", 201), ""},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			n := strconv.Itoa(len([]rune(tc.query)))
			assertRefused(t, f, "aiko", "/cs "+tc.command+" "+tc.query+tc.rest,
				[]string{"No account matches: you gave " + n + " characters, and account names have at most 200."})
		})
	}
}
