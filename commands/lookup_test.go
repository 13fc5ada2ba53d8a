package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Account names are matched folded: full-width and half-width forms, and
// any case, find the same account, and so do katakana and hiragana (a
// prefix in the kana typed wins); a near miss in Japanese is suggested.
func TestJapaneseLookups(t *testing.T) {
	f := newFixture(t)
	engine := health.NewEngine(f.st, health.DefaultConfig(), func() time.Time { return now })
	for _, a := range []store.Account{
		{Slug: "sakura", Name: "Sakura Logistics", Tier: store.TierLow, Phase: store.PhaseAdoption, Owner: "aiko"},
		{Slug: store.Slugify("さくら物流"), Name: "さくら物流", Tier: store.TierHigh, Phase: store.PhaseAdoption, Owner: "aiko"},
		{Slug: store.Slugify("サクラ商事"), Name: "サクラ商事", Tier: store.TierTech, Phase: store.PhaseAdoption, Owner: "aiko"},
	} {
		if err := engine.Put(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		line, want string
		err        bool
	}{
		{"/cs health ＳＡＫＵＲＡ", "Sakura Logistics", false},      // full-width is the slug
		{"/cs health SAKURA logi", "Sakura Logistics", false}, // name prefix, any case
		{"/cs health さくら", "さくら物流", false},                    // prefix of a Japanese name
		{"/cs health ｻｸﾗ", "サクラ商事", false},                    // half-width katakana
		{"/cs health ｻｸﾗ商事", "サクラ商事", false},                  // the whole name, half-width
		{"/cs health さくら物硫", "Did you mean さくら物流", true},      // one kanji wrong
		{"/cs health さくら商", "サクラ商事", false},                   // hiragana finds katakana
		{"/cs health サクラ物", "さくら物流", false},                   // and katakana hiragana
		{"/cs note さくら物流 電話で打ち合わせ", "さくら物流", false},           // other commands resolve the same way
	}
	for _, tc := range tests {
		r := f.router.Handle(context.Background(), "console", "aiko", tc.line)
		got := console.Render(r)
		if r.Error != tc.err || !strings.Contains(got, tc.want) {
			t.Errorf("%s: error %v, reply lacks %q:\n%s", tc.line, r.Error, tc.want, got)
		}
	}
}
