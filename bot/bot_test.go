package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/i18n"
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
		{"no handler", []bot.Command{{Name: "x"}}, "a handler is required"},
		{"no name", []bot.Command{{Handler: h}}, "a name is required"},
		{"argument named twice", []bot.Command{{Name: "x", Args: []bot.Arg{{Name: "a"}, {Name: "a"}}, Handler: h}}, `argument "a": a unique lower-case name`},
		{"enum without choices", []bot.Command{{Name: "x", Args: []bot.Arg{{Name: "a", Kind: bot.Enum}}, Handler: h}}, "an enum needs choices"},
		{"spaced positional", []bot.Command{{Name: "x", Args: []bot.Arg{{Name: "a", Spaced: true}}, Handler: h}}, "only options are spaced or bare"},
		{"two free texts", []bot.Command{{Name: "x", Args: []bot.Arg{{Name: "a", Kind: bot.Text}, {Name: "b", Kind: bot.Text}}, Handler: h}}, "at most one argument takes free text"},
		{"args and subcommands", []bot.Command{{Name: "x", Args: []bot.Arg{{Name: "a"}}, Subcommands: []bot.Subcommand{{Name: "s"}}, Handler: h}}, "either arguments or subcommands"},
		{"unknown default", []bot.Command{{Name: "x", Subcommands: []bot.Subcommand{{Name: "s"}}, Default: "t", Handler: h}}, `default subcommand "t"`},
		{"subcommand without handler", []bot.Command{{Name: "x", Subcommands: []bot.Subcommand{{Name: "s"}}}}, `subcommand "s": a handler is required`},
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
		bot.Command{Name: "echo", Aliases: []string{"say"}, Args: []bot.Arg{{Name: "words", Kind: bot.Text}}, Handler: func(_ context.Context, r *bot.Request) (bot.Reply, error) {
			got = r
			if !r.Has("words") {
				return bot.Reply{}, bot.UsageErrorf("Say something.")
			}
			return bot.Reply{Text: strings.ReplaceAll(r.Arg("words"), " ", "|")}, nil
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
		{"usage error", "U1", "/cs echo", bot.Reply{Text: "Say something.", Error: true, Fields: []bot.Field{{Name: "Usage", Value: "/cs echo [words]"}}}},
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
	if got == nil || got.Member.ID != "aiko" || got.Command != "echo" || got.Platform != "slack" || got.Arg("words") != "hello" {
		t.Errorf("request passed to the handler = %+v", got)
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

// Subcommands and arguments reach handlers parsed, whether typed or given
// as a platform's form; bad ones are refused with the subcommand's usage.
func TestRouterSubcommandsAndCalls(t *testing.T) {
	var got *bot.Request
	h := func(_ context.Context, r *bot.Request) (bot.Reply, error) {
		got = r
		return bot.Reply{Text: r.Sub + " " + r.Arg("id") + " " + r.Duration("for").String()}, nil
	}
	reg := bot.NewRegistry()
	if err := reg.Register(bot.Command{Name: "reminder", Handler: h, Subcommands: []bot.Subcommand{
		{Name: "done", Args: []bot.Arg{{Name: "id", Required: true}}},
		{Name: "snooze", Args: []bot.Arg{{Name: "for", Kind: bot.Duration, Required: true, Choices: []string{"1d", "1w"}}, {Name: "id", Required: true}}},
	}}); err != nil {
		t.Fatal(err)
	}
	rt := bot.NewRouter(reg, directory{"discord:U1": {ID: "aiko"}}, slog.New(slog.DiscardHandler))
	usage := func(line string) []bot.Field { return []bot.Field{{Name: "Usage", Value: line}} }
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() bot.Reply
		want bot.Reply
	}{
		{"typed", func() bot.Reply { return rt.Handle(ctx, "discord", "U1", "reminder SNOOZE 1W r/1") }, bot.Reply{Text: "snooze r/1 168h0m0s"}},
		{"called", func() bot.Reply {
			return rt.HandleCall(ctx, "discord", "U1", bot.Call{Command: "reminder", Sub: "snooze", Args: map[string]string{"for": "1d", "id": "r/1"}})
		}, bot.Reply{Text: "snooze r/1 24h0m0s"}},
		{"no subcommand", func() bot.Reply { return rt.Handle(ctx, "discord", "U1", "reminder") },
			bot.Reply{Error: true, Text: "Say `done <id>` or `snooze 1d|1w <id>`.", Fields: usage("/cs reminder done <id> | snooze 1d|1w <id>")}},
		{"unknown subcommand", func() bot.Reply { return rt.Handle(ctx, "discord", "U1", "reminder later r/1") },
			bot.Reply{Error: true, Text: "There is no `reminder later`.", Fields: usage("/cs reminder done <id> | snooze 1d|1w <id>")}},
		{"bad value typed", func() bot.Reply { return rt.Handle(ctx, "discord", "U1", "reminder snooze 2d r/1") },
			bot.Reply{Error: true, Text: "`for` must be one of 1d, 1w.", Fields: usage("/cs reminder snooze 1d|1w <id>")}},
		{"bad value called", func() bot.Reply {
			return rt.HandleCall(ctx, "discord", "U1", bot.Call{Command: "reminder", Sub: "snooze", Args: map[string]string{"for": "2d", "id": "r/1"}})
		}, bot.Reply{Error: true, Text: "`for` must be one of 1d, 1w.", Fields: usage("/cs reminder snooze 1d|1w <id>")}},
		{"missing value called", func() bot.Reply {
			return rt.HandleCall(ctx, "discord", "U1", bot.Call{Command: "reminder", Sub: "done", Args: map[string]string{"id": " "}})
		}, bot.Reply{Error: true, Text: "`id` is missing.", Fields: usage("/cs reminder done <id>")}},
		{"unknown option called", func() bot.Reply {
			return rt.HandleCall(ctx, "discord", "U1", bot.Call{Command: "reminder", Sub: "done", Args: map[string]string{"id": "r", "x": "y"}})
		}, bot.Reply{Error: true, Text: "csbot cannot run that: csbot's commands changed since this platform learned them: there is no option \"x\". Ask an admin to register csbot's commands again."}},
		{"stale subcommand called", func() bot.Reply {
			return rt.HandleCall(ctx, "discord", "U1", bot.Call{Command: "reminder", Sub: "gone"})
		}, bot.Reply{Error: true, Text: "csbot cannot run that: csbot's commands changed since this platform learned them: /cs reminder has no subcommand \"gone\". Ask an admin to register csbot's commands again."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			r := tc.run()
			if diff := cmp.Diff(tc.want, r); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if r.Error && got != nil {
				t.Errorf("the handler ran for a refused call: %+v", got)
			}
		})
	}
}

// localeDir is who the locale tests' chat users are: a member who reads
// Japanese, one English, one who chose nothing.
var localeDir = directory{"slack:JA": {ID: "aiko", Locale: "ja-JP"}, "slack:EN": {ID: "emma", Locale: "en-US"}, "slack:NONE": {ID: "ken"}}

// TestRouterLocale checks which language answers: the member's locale,
// else the platform's, else the deployment's; and that handlers get it, in
// the request and in the context.
func TestRouterLocale(t *testing.T) {
	reg := bot.NewRegistry()
	err := reg.Register(bot.Command{Name: "lang", Handler: func(ctx context.Context, r *bot.Request) (bot.Reply, error) {
		// Helpers without the request read the same language from the context.
		if got := i18n.FromContext(ctx).Lang(); got != r.Locale {
			return bot.Reply{}, fmt.Errorf("the context's localizer writes %q, the request %q", got, r.Locale)
		}
		return bot.Reply{Text: r.Locale}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	dir := localeDir
	for _, tc := range []struct {
		name, deployment, platform, user, text, want string
	}{
		{"member's locale", "", "", "JA", "lang", "ja"},
		{"member's locale over the platform's", "", "ja", "EN", "lang", "en"},
		{"platform's when the member has none", "", "ja-JP", "NONE", "lang", "ja"},
		{"deployment's when neither says", "ja", "", "NONE", "lang", "ja"},
		{"default English", "", "", "NONE", "lang", "en"},
		{"unknown command in Japanese", "", "", "JA", "helth", "`helth` というコマンドはありません。`/cs help` でcsbotでできることを確認できます。"},
		{"not registered, platform's locale", "", "ja", "U9", "lang", "csbotにまだ登録されていないため、顧客データを表示できません。csbotの管理者に `/cs team member` での登録を依頼してください。"},
		{"not registered, deployment's locale", "ja", "", "U9", "lang", "csbotにまだ登録されていないため、顧客データを表示できません。csbotの管理者に `/cs team member` での登録を依頼してください。"},
		{"store down in Japanese", "ja", "", "down", "lang", "csbotが現在データベースに接続できません。1分ほど待ってからもう一度お試しください。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := bot.NewRouter(reg, dir, slog.New(slog.DiscardHandler))
			rt.SetLocale(tc.deployment)
			ctx := bot.WithUserLocale(context.Background(), tc.platform)
			if got := rt.Handle(ctx, "slack", tc.user, tc.text).Text; got != tc.want {
				t.Errorf("Handle(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// A refused argument is explained in the member's language, usage line
// included, whatever the deployment's language.
func TestArgErrorInMemberLanguage(t *testing.T) {
	reg := bot.NewRegistry()
	err := reg.Register(bot.Command{Name: "accounts", Args: []bot.Arg{{Name: "tier", Kind: bot.Enum, Option: true, Choices: []string{"high", "low", "tech"}}},
		Handler: func(context.Context, *bot.Request) (bot.Reply, error) { return bot.Reply{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	dir := localeDir
	for _, deployment := range []string{"en", "ja"} {
		rt := bot.NewRouter(reg, dir, slog.New(slog.DiscardHandler))
		rt.SetLocale(deployment)
		for user, want := range map[string]bot.Reply{
			"JA": {Error: true, Text: "`tier` には high、low、tech のいずれかを指定してください。", Fields: []bot.Field{{Name: "使い方", Value: "/cs accounts [tier:high|low|tech]"}}},
			"EN": {Error: true, Text: "`tier` must be one of high, low, tech.", Fields: []bot.Field{{Name: "Usage", Value: "/cs accounts [tier:high|low|tech]"}}},
		} {
			if diff := cmp.Diff(want, rt.Handle(context.Background(), "slack", user, "accounts tier:gold")); diff != "" {
				t.Errorf("deployment %s, member %s (-want +got):\n%s", deployment, user, diff)
			}
		}
	}
}

// Adapters write their own forms in the language the router answers in.
func TestRouterLocalizer(t *testing.T) {
	dir := localeDir
	for _, tc := range []struct{ name, deployment, platform, user, want string }{
		{"member's locale", "", "", "JA", "ja"},
		{"member's locale over the deployment's", "ja", "ja", "EN", "en"},
		{"platform's when the member has none", "", "ja-JP", "NONE", "ja"},
		{"platform's for a stranger", "", "ja", "U9", "ja"},
		{"deployment's for a stranger", "ja", "", "U9", "ja"},
		{"deployment's when the store is down", "ja", "", "down", "ja"},
		{"default", "", "", "U9", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := bot.NewRouter(bot.NewRegistry(), dir, slog.New(slog.DiscardHandler))
			rt.SetLocale(tc.deployment)
			if got := rt.Localizer(bot.WithUserLocale(context.Background(), tc.platform), "slack", tc.user).Lang(); got != tc.want {
				t.Errorf("Localizer = %s, want %s", got, tc.want)
			}
		})
	}
}
