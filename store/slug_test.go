package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Acme Corp", "acme-corp"},
		{"  Tōkyō Gas & Power, Inc. ", "tōkyō-gas-power-inc"},
		{"ＳＡＫＵＲＡ", "sakura"},         // full-width
		{"さくら物流", "さくら物流"},           // hiragana and kanji kept
		{"株式会社 さくら物流", "株式会社-さくら物流"}, // words joined by '-'
		{"ｻｸﾗ商事", "サクラ商事"},           // half-width katakana made full-width
		{"ｶﾞｰﾃﾞﾝ", "ガーデン"},           // voiced marks composed; ー is a letter
		{"①テクノ㈱", "1テクノ-株"},          // ① is 1, ㈱ is (株)
		{"ミライ・ワークス", "ミライ-ワークス"},     // the middle dot separates
		{"Ｒｉｎ　Ｉｔｏ", "rin-ito"},       // ideographic space
		{"佐々木工業", "佐々木工業"},           // 々 is a letter
		{"・・・！", ""},
		{"", ""},
		{strings.Repeat("ab ", 40), strings.Repeat("ab-", 21) + "a"}, // cut at 64 bytes, as before
		// 64 bytes hold 21 three-byte characters: the 22nd is left out whole.
		{strings.Repeat("漢", 30), strings.Repeat("漢", 21)},
		{strings.Repeat("漢", 20) + " 字", strings.Repeat("漢", 20) + "-字"}, // 64 bytes exactly
		{strings.Repeat("漢", 21) + " 字", strings.Repeat("漢", 21)},        // no trailing dash
	}
	for _, tc := range tests {
		got := Slugify(tc.name)
		if got != tc.want {
			t.Errorf("Slugify(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if got != "" && !ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q, which ValidSlug refuses", tc.name, got)
		}
	}
}

func TestValidSlug(t *testing.T) {
	for s, want := range map[string]bool{
		"acme": true, "acme-labs": true, "a--b": true, "さくら物流": true, "1テクノ-株": true,
		"": false, "-acme": false, "acme-": false, "Acme": false, "ａｃｍｅ": false, "ｻｸﾗ": false,
		"acme corp": false, "acme_corp": false, "\xff": false, strings.Repeat("a", MaxSlug+1): false, strings.Repeat("漢", 22): false,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzSlugify: a slug is valid, within MaxSlug bytes, and stable.
func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Acme Corp", "ＳＡＫＵＲＡ", "ｶﾞｰﾃﾞﾝ", "①テクノ㈱", "İstanbul", "नमस्ते"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := Slugify(name)
		if s == "" {
			return
		}
		if !ValidSlug(s) || len(s) > MaxSlug || !utf8.ValidString(s) {
			t.Fatalf("Slugify(%q) = %q: not a valid slug", name, s)
		}
		if again := Slugify(s); again != s {
			t.Fatalf("Slugify(%q) = %q, but Slugify(%q) = %q", name, s, s, again)
		}
	})
}
