package commands_test

import (
	"context"
	"testing"

	"github.com/csbot/csbot/bot"
)

// /cs channel says what a mark means and lets admins alone set it, in
// both languages; outside a channel it says where to type it.
func TestChannelGolden(t *testing.T) {
	steps := []step{
		{"aiko", "/cs channel"},
		{"aiko", "/cs channel external"},
		{"ops", "/cs channel external"},
		{"aiko", "/cs channel show"},
		{"ops", "/cs channel internal"},
	}
	for _, lang := range languages {
		t.Run("lang"+lang.suffix, func(t *testing.T) {
			r := lang.router(newFixture(t))
			got := transcript(bot.WithChannel(context.Background(), "C0SUPPORT"), r, steps) +
				transcript(context.Background(), r, []step{{"aiko", "/cs channel"}})
			assertGolden(t, "channel"+lang.suffix, "the channel conversation", got)
		})
	}
}
