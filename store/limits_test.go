package store_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/csbot/csbot/store"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name, value string
		limit       int
		want        string // "" for no error
	}{
		{"empty", "", 3, ""},
		{"at the limit", "abc", 3, ""},
		{"runes, not bytes", "日本語", 3, ""},
		{"one over", "abcd", 3, "name is 4 characters, more than the limit of 3: shorten it"},
		{"multibyte over", "日本語か", 3, "name is 4 characters, more than the limit of 3: shorten it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := store.CheckText("name", tt.value, tt.limit)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckText(%q) = %v, want nil", tt.value, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, store.ErrTooLong) {
				t.Fatalf("CheckText(%q) = %v, want %q wrapping ErrTooLong", tt.value, err, tt.want)
			}
		})
	}
	if err := store.CheckText("", "abcd", 3); err == nil || err.Error() != "is 4 characters, more than the limit of 3: shorten it" {
		t.Errorf("CheckText without a field = %v", err)
	}
}

func TestAddARRSaturates(t *testing.T) {
	tests := []struct {
		a, b, want int64
	}{
		{1, 2, 3},
		{store.MaxARR, store.MaxARR, 2 * store.MaxARR},
		{math.MaxInt64, 1, math.MaxInt64},
		{math.MaxInt64 - store.MaxARR + 1, store.MaxARR, math.MaxInt64},
		{math.MinInt64 + 1, -1, -math.MaxInt64},
		{-math.MaxInt64, -store.MaxARR, -math.MaxInt64},
		{math.MaxInt64, math.MinInt64, -1},
	}
	for _, tt := range tests {
		if got := store.AddARR(tt.a, tt.b); got != tt.want {
			t.Errorf("AddARR(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	// Ten thousand accounts at the cap overflow a plain sum; AddARR stays positive.
	var sum int64
	for range 10000 {
		sum = store.AddARR(sum, store.MaxARR)
	}
	if sum != math.MaxInt64 {
		t.Errorf("sum of 10,000 capped amounts = %d, want math.MaxInt64", sum)
	}
}

func TestChecks(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name  string
		check func() error
		want  string // a part of the error; "" for none
	}{
		{"account ok", store.Account{Name: long(store.MaxName), ARR: store.MaxARR}.Check, ""},
		{"account name", store.Account{Name: long(store.MaxName + 1)}.Check, "name is 201 characters"},
		{"account ARR", store.Account{Name: "Acme", ARR: store.MaxARR + 1}.Check, "ARR 1000000000000001 is outside 0..1000000000000000"},
		{"account negative ARR", store.Account{Name: "Acme", ARR: -1}.Check, "outside"},
		{"milestone", store.Account{Name: "Acme", Milestones: []store.Milestone{{Name: long(store.MaxName + 1)}}}.Check, "milestone name is 201"},
		{"member", store.Member{Name: long(store.MaxName + 1)}.Check, "name is 201"},
		{"team", store.Team{Name: "ok", Segment: long(store.MaxLabel + 1)}.Check, "segment is 101"},
		{"touch ok", store.Touch{Text: long(store.MaxNote)}.Check, ""},
		{"touch", store.Touch{Text: long(store.MaxNote + 1)}.Check, "text is 4001 characters"},
		{"evidence", store.Assignment{Items: []store.ItemState{{Key: "kickoff", Evidence: long(store.MaxNote + 1)}}}.Check, "evidence of kickoff is 4001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Check() = %v, want %q", err, tt.want)
			}
		})
	}
}
