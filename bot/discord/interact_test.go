package discord

import (
	"fmt"
	"testing"

	"github.com/csbot/csbot/store"
)

func TestAccountChoices(t *testing.T) {
	rows := []store.AccountRow{
		{Slug: "tenjin-retail-group", Name: "Tenjin Retail Group"},
		{Slug: "acme-labs", Name: "Acme Labs"},
		{Slug: "acme", Name: "Acme Corp"},
		{Slug: "sakura-logistics", Name: "Sakura Logistics"},
		{Slug: "さくら物流", Name: "さくら物流"},
		{Slug: "サクラ商事", Name: "サクラ商事"},
	}
	tests := []struct {
		typed string
		want  []string
	}{
		{"acme", []string{"acme", "acme-labs"}},     // by name: Acme Corp, Acme Labs
		{"sakura l", []string{"sakura-logistics"}},  // the name's start, with a space
		{"TENJ", []string{"tenjin-retail-group"}},   // any case
		{"tenjni", []string{"tenjin-retail-group"}}, // a typo
		{"zzzz", nil}, // nothing near
		{"ＳＡＫＵＲＡ", []string{"sakura-logistics"}}, // full-width
		// A Japanese name's start, in either kana, half-width too; sorted
		// as hiragana, so さくら商事 before さくら物流.
		{"さくら", []string{"サクラ商事", "さくら物流"}},
		{"ｻｸﾗ", []string{"サクラ商事", "さくら物流"}},
		{"サクラ物", []string{"さくら物流", "サクラ商事"}},  // the prefix, then the near names
		{"さくら物硫", []string{"さくら物流", "サクラ商事"}}, // a typo in Japanese, then a name two edits away
		{"", []string{"acme", "acme-labs", "sakura-logistics", "tenjin-retail-group", "サクラ商事", "さくら物流"}},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range accountChoices(rows, tc.typed) {
			got = append(got, c.Value.(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("accountChoices(%q) = %v, want %v", tc.typed, got, tc.want)
		}
	}
	var many []store.AccountRow
	for i := range 100 {
		many = append(many, store.AccountRow{Slug: fmt.Sprintf("acme-%03d", i), Name: fmt.Sprintf("Acme %03d", i)})
	}
	if n := len(accountChoices(many, "acme")); n != maxAutocomplete {
		t.Errorf("%d choices, Discord shows at most %d", n, maxAutocomplete)
	}
}

// Autocomplete runs on every keystroke: over 10,000 accounts it must stay
// far inside Discord's 3 seconds.
func BenchmarkAccountChoices(b *testing.B) {
	words := []string{"Sakura", "Tenjin", "Kitsune", "Fujimoto", "Meridian", "Nishikawa", "Acme", "Hoshi", "Yamato", "Orion"}
	var rows []store.AccountRow
	for i := range 10000 {
		name := fmt.Sprintf("%s %s %04d", words[i%len(words)], words[(i/len(words))%len(words)], i)
		rows = append(rows, store.AccountRow{Slug: fmt.Sprintf("account-%05d", i), Name: name})
	}
	for _, typed := range []string{"sakura", "skaura tenjin 0999"} {
		b.Run(typed, func(b *testing.B) {
			for b.Loop() {
				accountChoices(rows, typed)
			}
		})
	}
}
