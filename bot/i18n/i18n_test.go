package i18n

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"gopkg.in/yaml.v3"
)

// placeholderRE finds a template's placeholders: {{.Name}}.
var placeholderRE = regexp.MustCompile(`\{\{-?\s*\.(\w+)`)

// placeholders are the names a message's forms use, sorted.
func placeholders(m *goi18n.Message) []string {
	var names []string
	for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, sub := range placeholderRE.FindAllStringSubmatch(form, -1) {
			names = append(names, sub[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// catalogueProblems lists every key that one catalogue in fsys has and
// another lacks, and every key whose placeholders differ between two.
func catalogueProblems(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	byLang := map[string]map[string][]string{}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		f, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
		if err != nil {
			return nil, err
		}
		// A language may spread over several files: en.yaml, risk.en.yaml.
		base := strings.TrimSuffix(path.Base(name), ".yaml")
		lang := base[strings.LastIndex(base, ".")+1:]
		keys := byLang[lang]
		if keys == nil {
			keys = map[string][]string{}
			byLang[lang] = keys
		}
		for _, m := range f.Messages {
			if _, dup := keys[m.ID]; dup {
				return nil, fmt.Errorf("%s: key %s is in two %s files", name, m.ID, lang)
			}
			keys[m.ID] = placeholders(m)
		}
	}
	var problems []string
	for lang, keys := range byLang {
		for other, otherKeys := range byLang {
			if lang == other {
				continue
			}
			for key, ph := range keys {
				oph, ok := otherKeys[key]
				switch {
				case !ok && strings.HasPrefix(key, Grammar) && other == Default:
					// English grammar text lives in the commands.
				case !ok:
					problems = append(problems, fmt.Sprintf("%s is in %s but not in %s", key, lang, other))
				case lang < other && !slices.Equal(ph, oph):
					problems = append(problems, fmt.Sprintf("%s has placeholders %v in %s but %v in %s", key, ph, lang, oph, other))
				}
			}
		}
	}
	slices.Sort(problems)
	return problems, nil
}

func TestCataloguesMatch(t *testing.T) {
	problems, err := catalogueProblems(locales)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if got := Supported(); !slices.Contains(got, "en") || !slices.Contains(got, "ja") {
		t.Errorf("Supported() = %v, want en and ja", got)
	}
}

// TestCatalogueProblemsFound checks the check itself: a key missing from
// one language and placeholders that differ are both reported.
func TestCatalogueProblemsFound(t *testing.T) {
	fsys := fstest.MapFS{
		"locales/en.yaml":      {Data: []byte("a: \"hi {{.Name}}\"\nb: \"only English\"\nc: \"x\"\n")},
		"locales/ja.yaml":      {Data: []byte("a: \"こんにちは {{.Who}}\"\nc: \"x\"\ngrammar.c.summary: \"x\"\n")},
		"locales/more.ja.yaml": {Data: []byte("d: \"日本語だけ\"\n")},
	}
	got, err := catalogueProblems(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a has placeholders [Name] in en but [Who] in ja",
		"b is in en but not in ja",
		"d is in ja but not in en",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		locales []string
		want    string
	}{
		{nil, "en"},
		{[]string{"ja-JP"}, "ja"},
		{[]string{"ja_JP"}, "ja"},
		{[]string{"en-GB", "ja"}, "en"},
		{[]string{"", "ja-JP", "en"}, "ja"},
		{[]string{"fr-FR", "ja"}, "ja"},
		{[]string{"not a locale", ""}, "en"},
		{[]string{"", "", "ja"}, "ja"},
	} {
		if got := Resolve(tc.locales...); got != tc.want {
			t.Errorf("Resolve(%q) = %q, want %q", tc.locales, got, tc.want)
		}
	}
}

func TestT(t *testing.T) {
	for _, tc := range []struct {
		lang, key string
		data      Data
		want      string
	}{
		{"en", "router.unknown_see_help", Data{"Name": "helth"}, "There is no command `helth`. Type `/cs help` to see what csbot can do."},
		{"ja-JP", "router.unknown_see_help", Data{"Name": "helth"}, "`helth` というコマンドはありません。`/cs help` でcsbotでできることを確認できます。"},
		{"ja", "no.such.key", nil, "no.such.key"},
		// A List is written as the language lists.
		{"en", "args.one_of", Data{"Name": "tier", "Choices": List{"high", "low"}}, "`tier` must be one of high, low."},
		{"ja", "args.one_of", Data{"Name": "tier", "Choices": List{"high", "low"}}, "`tier` には high、low のいずれかを指定してください。"},
	} {
		if got := For(tc.lang).T(tc.key, tc.data); got != tc.want {
			t.Errorf("For(%q).T(%q) = %q, want %q", tc.lang, tc.key, got, tc.want)
		}
	}
}

func TestFromContext(t *testing.T) {
	if got := FromContext(context.Background()).Lang(); got != Default {
		t.Errorf("no localizer in the context: %q, want %q", got, Default)
	}
	if got := FromContext(NewContext(context.Background(), For("ja-JP"))).Lang(); got != "ja" {
		t.Errorf("carried localizer: %q, want ja", got)
	}
}

// keyUseRE finds catalogue keys written out in Go code: l.T("key", ...),
// l.N, l.Lookup, bot.Refusal and bot.UsageRefusal.
var keyUseRE = regexp.MustCompile(`\b(?:T|N|Lookup|Refusal|UsageRefusal)\("([a-z][a-z0-9_.]*[a-z0-9_])"\s*[,)]`)

// TestKeysInCodeExist fails when code asks for a key no catalogue has: the
// reply would show the key itself. Keys built at run time ("tier."+t) are
// the golden files' business.
func TestKeysInCodeExist(t *testing.T) {
	known := map[string]bool{}
	names, err := fs.Glob(locales, "locales/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		buf, err := fs.ReadFile(locales, name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := goi18n.ParseMessageFileBytes(buf, name, map[string]goi18n.UnmarshalFunc{"yaml": yaml.Unmarshal})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range f.Messages {
			known[m.ID] = true
		}
	}
	root := "../.."
	seen := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range keyUseRE.FindAllSubmatch(src, -1) {
			seen++
			if key := string(m[1]); !known[key] {
				t.Errorf("%s asks for %q, which no catalogue has", p, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 100 {
		t.Errorf("found only %d keys in the code: is the pattern still right?", seen)
	}
}

// For shares one Localizer per language: the same one for every locale
// that resolves to it, used by many goroutines at once (go test -race),
// and Org.For's currency stays on its own copy.
func TestForSharesOnePerLanguage(t *testing.T) {
	if For("ja-JP") != For("ja") || For("en-GB") != For("") || For("ja") == For("en") {
		t.Fatal("For does not give one Localizer per language")
	}
	yen := Org{Locale: "ja", Currency: "JPY"}.For("")
	if yen == For("ja") || For("ja").Amount(1000) != "1,000" || yen.Amount(1000) == "1,000" {
		t.Errorf("Org.For changed the shared Localizer: %q, %q", For("ja").Amount(1000), yen.Amount(1000))
	}
	want := For("ja").N("format.days", 3, nil) + For("ja").Money(1234567, "JPY")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := For("ja").N("format.days", 3, nil) + For("ja").Money(1234567, "JPY"); got != want {
					t.Errorf("concurrent use: %q, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
