package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/store"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  health   acme ", []string{"health", "acme"}},
		{`health "Sakura Logistics" share`, []string{"health", "Sakura Logistics", "share"}},
		{`member ken name:"Ken Sato" roles:csm`, []string{"member", "ken", "name:Ken Sato", "roles:csm"}},
		{"note acme “smart quotes” work", []string{"note", "acme", "smart quotes", "work"}},
		{"note acme the customer's CTO", []string{"note", "acme", "the", "customer's", "CTO"}},
		{"note 'Kobe Steel' ok", []string{"note", "Kobe Steel", "ok"}},
		{`note acme "unclosed quote runs on`, []string{"note", "acme", "unclosed quote runs on"}},
		{"tabs\tand\nnewlines", []string{"tabs", "and", "newlines"}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, bot.Tokenize(tc.in)); diff != "" {
				t.Errorf("Tokenize(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestCutWordKeepsRawRest(t *testing.T) {
	word, rest, ok := bot.CutWord(`  "Sakura Logistics"   call: they said "wow"  `)
	if !ok || word != "Sakura Logistics" || rest != `call: they said "wow"  ` {
		t.Errorf("CutWord = %q, %q, %v", word, rest, ok)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"health acme", `a "b c" d`, "‘x’ “y”", `"`, "'", "a'b", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := bot.Tokenize(s)
		for _, w := range words {
			if strings.ContainsAny(w, " \t\n") && !strings.ContainsAny(s, `"'“‘`) {
				t.Errorf("word %q has a space though %q has no quotes", w, s)
			}
		}
		if strings.TrimSpace(s) != "" && len(words) == 0 {
			t.Errorf("Tokenize(%q) found no words", s)
		}
	})
}

func TestRegistryRefusesDuplicates(t *testing.T) {
	h := func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{}, nil }
	tests := []struct {
		name string
		cmds []bot.Command
		want string
	}{
		{"same name", []bot.Command{{Name: "health", Handler: h}, {Name: "health", Handler: h}}, `name "health" is already taken`},
		{"alias clashes", []bot.Command{{Name: "health", Handler: h}, {Name: "hc", Aliases: []string{"health"}, Handler: h}}, `name "health" is already taken`},
		{"no handler", []bot.Command{{Name: "x"}}, "a name and a handler are required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := bot.NewRegistry().Register(tc.cmds...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Register: err = %v, want %q", err, tc.want)
			}
		})
	}
}

// directory is a fake member directory: the router's only outside dependency.
type directory map[string]store.Member

func (d directory) MemberByIdentity(_ context.Context, platform, user string) (store.Member, error) {
	if m, ok := d[platform+":"+user]; ok {
		return m, nil
	}
	if user == "down" {
		return store.Member{}, store.ErrUnavailable
	}
	return store.Member{}, store.ErrNotFound
}

func TestRouter(t *testing.T) {
	var got *bot.Request
	reg := bot.NewRegistry()
	err := reg.Register(
		bot.Command{Name: "echo", Aliases: []string{"say"}, Usage: "<words>", Handler: func(_ context.Context, r *bot.Request) (bot.Reply, error) {
			got = r
			if len(r.Args) == 0 {
				return bot.Reply{}, bot.UsageErrorf("Say something.")
			}
			return bot.Reply{Text: strings.Join(r.Args, "|")}, nil
		}},
		bot.Command{Name: "fail", Handler: func(context.Context, *bot.Request) (bot.Reply, error) {
			return bot.Reply{}, errors.New("secret internal detail")
		}},
		bot.Command{Name: "help", Handler: func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{Text: "help!"}, nil }},
	)
	if err != nil {
		t.Fatal(err)
	}
	rt := bot.NewRouter(reg, directory{"slack:U1": {ID: "aiko"}}, slog.New(slog.DiscardHandler))
	tests := []struct {
		name, user, text string
		want             bot.Reply
	}{
		{"slash prefix", "U1", "/cs echo a b", bot.Reply{Text: "a|b"}},
		{"bare prefix", "U1", "cs say a", bot.Reply{Text: "a"}},
		{"no prefix", "U1", "echo a", bot.Reply{Text: "a"}},
		{"empty is help", "U1", "/cs", bot.Reply{Text: "help!"}},
		{"usage error", "U1", "/cs echo", bot.Reply{Text: "Say something.", Error: true, Fields: []bot.Field{{Name: "Usage", Value: "/cs echo <words>"}}}},
		{"internal error hides detail", "U1", "/cs fail", bot.Reply{Text: "Something went wrong (fail). It has been logged; try again, or tell a csbot admin if it keeps happening.", Error: true}},
		{"unknown user", "U9", "/cs echo a", bot.Reply{Text: "You are not registered with csbot yet, so it cannot show you customer data. Ask a csbot admin to add you with `/cs team member`.", Error: true}},
		{"store down", "down", "/cs echo a", bot.Reply{Text: "csbot cannot reach its database right now, try again in a minute.", Error: true}},
		{"too long", "U1", "/cs echo " + strings.Repeat("é", 3000), bot.Reply{Text: "That message is too long (6009 bytes); csbot reads at most 4 KiB. Shorten it and try again.", Error: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rt.Handle(context.Background(), "slack", tc.user, tc.text)
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("Handle(%q) (-want +got):\n%s", tc.text, diff)
			}
		})
	}
	var seen []string
	rt.OnHandled(func(command, platform, outcome string, _ time.Duration) {
		seen = append(seen, command+"/"+platform+"/"+outcome)
	})
	rt.Handle(context.Background(), "slack", "U1", "/cs echo hello")
	rt.Handle(context.Background(), "slack", "U1", "/cs fail")
	rt.Handle(context.Background(), "slack", "U1", "/cs nosuch")
	if diff := cmp.Diff([]string{"echo/slack/ok", "fail/slack/error", "none/slack/error"}, seen); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	if got == nil || got.Member.ID != "aiko" || got.Command != "echo" || got.Platform != "slack" || got.Text != "hello" {
		t.Errorf("request passed to the handler = %+v", got)
	}
}

func TestAmount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 120000: "120,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := bot.Amount(in); got != want {
			t.Errorf("Amount(%d) = %q, want %q", in, got, want)
		}
	}
}

// The note form's line reads back as the account and the text, whatever
// the slug holds; Quote is Tokenize's inverse for one word.
func TestNoteLine(t *testing.T) {
	tests := []struct {
		slug, kind, text string
		want             string
		words            []string
	}{
		{"acme", "", "call with the CTO", "note acme call with the CTO", []string{"note", "acme", "call", "with", "the", "CTO"}},
		{"acme", "note", "renewal talk", "note acme renewal talk", []string{"note", "acme", "renewal", "talk"}},
		{"acme", "meeting", "QBR", "note acme meeting: QBR", []string{"note", "acme", "meeting:", "QBR"}},
		{"Kobe Steel", "", "ok", `note "Kobe Steel" ok`, []string{"note", "Kobe Steel", "ok"}},
		{`say "hi"`, "", "ok", `note “say "hi"” ok`, []string{"note", `say "hi"`, "ok"}},
		{"'quoted", "", "", `note "'quoted"`, []string{"note", "'quoted"}},
	}
	for _, tc := range tests {
		got := bot.NoteLine(tc.slug, tc.kind, tc.text)
		if got != tc.want {
			t.Errorf("NoteLine(%q, %q, %q) = %q, want %q", tc.slug, tc.kind, tc.text, got, tc.want)
		}
		if diff := cmp.Diff(tc.words, bot.Tokenize(got)); diff != "" {
			t.Errorf("Tokenize(%q) (-want +got):\n%s", got, diff)
		}
	}
	note := bot.Button{ID: bot.NoteButton, Label: "Log a touch", Value: "acme"}
	run := bot.Button{ID: "health", Value: "health acme"}
	if !note.OpensNote() || run.OpensNote() {
		t.Error("OpensNote is wrong")
	}
	if got := note.Typed(); got != "note acme <what happened>" {
		t.Errorf("note button typed = %q", got)
	}
	if got := run.Typed(); got != "health acme" {
		t.Errorf("health button typed = %q", got)
	}
}
