package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

// A member over the limit is told to wait and nothing runs, whichever
// platform they write from; other members are not held back.
func TestLimitPerMember(t *testing.T) {
	runs := map[string]int{}
	reg := bot.NewRegistry()
	if err := reg.Register(bot.Command{Name: "count", Handler: func(_ context.Context, r *bot.Request) (bot.Reply, error) {
		runs[r.Member.ID]++
		return bot.Reply{Text: "counted"}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	aiko := store.Member{ID: "aiko"}
	rt := bot.NewRouter(reg, directory{"slack:U1": aiko, "discord:D1": aiko, "slack:U2": {ID: "ben"}}, slog.New(slog.DiscardHandler))
	// An hour per refill: no token comes back while the test runs.
	rt.LimitPerMember(bot.Limit{Commands: 3, Per: 3 * time.Hour})
	ctx := context.Background()
	for _, user := range []string{"U1", "U1"} {
		if r := rt.Handle(ctx, "slack", user, "/cs count"); r.Error {
			t.Fatalf("command within the limit refused: %s", r.Text)
		}
	}
	if r := rt.Handle(ctx, "discord", "D1", "/cs count"); r.Error {
		t.Fatalf("third command refused: %s", r.Text)
	}
	r := rt.Handle(ctx, "slack", "U1", "/cs count")
	if !r.Error || !strings.Contains(r.Text, "faster than csbot takes them (at most 3 every 3h0m0s). Wait 3600 s and try again; nothing was run.") {
		t.Errorf("fourth command answered %+v", r)
	}
	if r := rt.Handle(ctx, "discord", "D1", "/cs count"); !r.Error {
		t.Errorf("the same member on another platform ran past the limit: %+v", r)
	}
	if r := rt.Handle(ctx, "slack", "U2", "/cs count"); r.Error {
		t.Errorf("another member was held back: %s", r.Text)
	}
	if runs["aiko"] != 3 || runs["ben"] != 1 {
		t.Errorf("runs = %v, want aiko 3, ben 1", runs)
	}
	rt.LimitPerMember(bot.Limit{})
	for range 20 {
		if r := rt.Handle(ctx, "slack", "U1", "/cs count"); r.Error {
			t.Fatalf("limit off, command refused: %s", r.Text)
		}
	}
}

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want bot.Limit
		ok   bool
	}{
		{"10/10s", bot.Limit{Commands: 10, Per: 10 * time.Second}, true},
		{" 30 / 1m ", bot.Limit{Commands: 30, Per: time.Minute}, true},
		{"off", bot.Limit{}, true},
		{"0", bot.Limit{}, true},
		{"10", bot.Limit{}, false},
		{"-1/10s", bot.Limit{}, false},
		{"10/0s", bot.Limit{}, false},
		{"ten/10s", bot.Limit{}, false},
	}
	for _, tc := range tests {
		got, err := bot.ParseLimit(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok {
			if back, err := bot.ParseLimit(got.String()); err != nil || back != got {
				t.Errorf("ParseLimit(%q) = %v, %v: String does not read back", got.String(), back, err)
			}
		}
	}
}
