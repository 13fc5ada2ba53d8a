// Package i18n holds csbot's message catalogues (YAML files under
// locales/, embedded: en.yaml and ja.yaml, plus one pair per command
// family such as risk.en.yaml and risk.ja.yaml) and picks the language a reply is
// written in. Handlers ask a Localizer for a message by key; the local
// formats of dates, day counts, numbers and money live here too.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// Default is the language used when nothing else chooses one.
const Default = "en"

// English is the Default localizer, for replies not translated yet: a
// Japanese member sees them whole in English rather than mixed.
var English = For(Default)

//go:embed locales/*.yaml
var locales embed.FS

// bundle holds every catalogue; a malformed catalogue stops the binary at
// start, and the tests load the same files.
var bundle = mustLoad(locales)

func mustLoad(fsys fs.FS) *goi18n.Bundle {
	b, err := load(fsys)
	if err != nil {
		panic(err)
	}
	return b
}

// load parses every catalogue file in fsys's locales folder.
func load(fsys fs.FS) (*goi18n.Bundle, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(fsys, "locales/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(buf, name); err != nil {
			return nil, fmt.Errorf("message catalogue %s: %w", name, err)
		}
	}
	return b, nil
}

// Supported lists the languages csbot has a catalogue for, e.g. "en", "ja".
func Supported() []string {
	tags := bundle.LanguageTags()
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	return out
}

// matcher maps a locale such as "ja-JP" or "en_GB" to a catalogue.
var matcher = language.NewMatcher(bundle.LanguageTags())

// Match is the supported language a locale asks for ("ja-JP" gives "ja"),
// and false when it asks for none csbot has.
func Match(locale string) (string, bool) {
	locale = strings.ReplaceAll(strings.TrimSpace(locale), "_", "-")
	if locale == "" {
		return "", false
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return "", false
	}
	_, i, conf := matcher.Match(tag)
	if conf < language.High {
		return "", false
	}
	return bundle.LanguageTags()[i].String(), true
}

// Resolve picks a reply's language: the first of the locales, in order of
// preference (the member's setting, the platform's, the deployment's), that
// csbot has a catalogue for; Default when none is.
func Resolve(locales ...string) string {
	for _, l := range locales {
		if lang, ok := Match(l); ok {
			return lang
		}
	}
	return Default
}

// Localizer writes messages in one language, falling back to English for
// a key its catalogue lacks (the tests keep the catalogues in step).
type Localizer struct {
	lang string
	// currency is what Amount writes amounts in (see Org.For).
	currency string
	l        *goi18n.Localizer
	// p groups digits as the language does.
	p *message.Printer
}

// For returns the Localizer of a supported language ("en", "ja"), or of the
// language Resolve picks for a locale. There is one per language, shared (a
// Localizer is never changed once made): the router wants one per request
// and the jobs one per message.
func For(locale string) *Localizer { return byLang[Resolve(locale)] }

// byLang holds For's Localizers, one per supported language: Resolve picks
// only those.
var byLang = func() map[string]*Localizer {
	m := map[string]*Localizer{}
	for _, lang := range Supported() {
		m[lang] = &Localizer{lang: lang, l: goi18n.NewLocalizer(bundle, lang, Default), p: message.NewPrinter(language.Make(lang))}
	}
	return m
}()

// Org is a deployment's language and currency (CSBOT_LOCALE, currency),
// for what csbot writes on its own, with no request to take them from.
type Org struct{ Locale, Currency string }

// For is the Localizer of a member whose locale is memberLocale ("" when
// they chose none), writing amounts in the org's currency.
func (o Org) For(memberLocale string) *Localizer {
	l := *For(Resolve(memberLocale, o.Locale)) // a copy: For's are shared
	l.currency = o.Currency
	return &l
}

// Amount is v in the Localizer's currency (see Org.For), else a plain
// number: 215,000 or ¥215,000.
func (l *Localizer) Amount(v int64) string { return l.Money(v, l.currency) }

// Lang is the language the Localizer writes, e.g. "ja".
func (l *Localizer) Lang() string { return l.lang }

// Data is a message's placeholders by name: {{.Name}} in the catalogue.
type Data = map[string]any

// List is a placeholder's value made of several items, written as the
// language lists them: "a, b" in English, "a、b" in Japanese.
type List []string

// T is the message key in the Localizer's language, its placeholders
// filled from data. An unknown key comes back as itself, so a missing
// message shows where it is instead of an empty reply.
func (l *Localizer) T(key string, data Data) string {
	return l.localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: l.fill(data)})
}

// N is T for a message with plural forms, chosen by count; data also gets
// {{.Count}}.
func (l *Localizer) N(key string, count int, data Data) string {
	d := Data{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return l.localize(&goi18n.LocalizeConfig{MessageID: key, PluralCount: count, TemplateData: l.fill(d)})
}

// Join writes items as a list in the language: "a, b" or "a、b".
func (l *Localizer) Join(items []string) string {
	return strings.Join(items, l.localize(&goi18n.LocalizeConfig{MessageID: "format.list_sep"}))
}

// fill writes data's Lists in the language; data itself is left as it
// was, as a message may be written in several languages.
func (l *Localizer) fill(data Data) Data {
	var out Data
	for k, v := range data {
		list, ok := v.(List)
		if !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(data)
		}
		out[k] = l.Join(list)
	}
	if out == nil {
		return data
	}
	return out
}

// Grammar is the prefix of translations of text that the command grammar
// holds in English, such as "grammar.health.summary": English needs no
// catalogue entry for them, the grammar is the English.
const Grammar = "grammar."

// Lookup is the message key in the Localizer's language, and false when
// that language's catalogue lacks it (no English fallback), for text whose
// English lives in code: see Grammar.
func (l *Localizer) Lookup(key string, data Data) (string, bool) {
	s, tag, err := l.l.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil || tag.String() != l.lang {
		return "", false
	}
	return s, true
}

func (l *Localizer) localize(c *goi18n.LocalizeConfig) string {
	s, err := l.l.Localize(c)
	if err != nil {
		slog.Error("message missing from the catalogue", "key", c.MessageID, "lang", l.lang, "err", err)
		return c.MessageID
	}
	return s
}
