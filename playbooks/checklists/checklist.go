// Package checklists holds the mentor checklists that onboard new CS hires:
// templates written in YAML (embedded defaults, overridable from a folder),
// the progress of one new hire through a template, and the nudges the
// scheduler queues (the new hire's Monday "what's next", the mentor's weekly
// summary, overdue alerts to the mentor and, later, the lead).
package checklists

import (
	"embed"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/internal/yamlspec"
)

// defaultFiles are the templates csbot ships with.
//
//go:embed defaults/*.yaml
var defaultFiles embed.FS

// Template is a standard onboarding checklist, e.g. csm-30-60-90.
type Template struct {
	Name string
	// Description is one line for `/cs checklist templates`, with its
	// translations.
	Description yamlspec.Texts
	// Items are in the order of the file: grouped by week, each with its
	// due offset from the start date.
	Items []Item
	// Source is the file the template came from.
	Source   string
	nameLine int
}

// Item is one step of a template.
type Item struct {
	// Key is the item's name, unique in its template, e.g. shadow-calls.
	Key string
	// Title says what the new hire does, in the template's language
	// (English in the defaults); Titles holds it in other languages, by
	// language ("ja").
	Title  string
	Titles map[string]string
	// Week groups the item: week 1 is days 0-6 after the start date.
	Week int
	// Due is the due date as days after the start date.
	Due int
	// Link points to the material, if any.
	Link string
	// SignOff: the item counts as complete only once the mentor verified it.
	SignOff bool
	// Evidence: marking it done needs a link or a note.
	Evidence bool
	Line     int
}

// TitleIn is the item's title in lang, else in the template's language.
func (it Item) TitleIn(lang string) string {
	return yamlspec.Texts{Text: it.Title, Translations: it.Titles}.In(lang)
}

// Weeks is how many weeks the template spans.
func (t Template) Weeks() int {
	w := 0
	for _, it := range t.Items {
		w = max(w, it.Week)
	}
	return w
}

// Find resolves what someone typed as an item: its number (1-based), its
// key, or an unambiguous prefix of its key or title. It returns the index,
// or an error that tells the person, in the localizer's language, what to
// type instead.
func (t Template) Find(l *i18n.Localizer, query string) (int, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return -1, errors.New(l.T("checklist.find.which", nil))
	}
	if n, err := strconv.Atoi(q); err == nil {
		if n < 1 || n > len(t.Items) {
			return -1, errors.New(l.T("checklist.find.range", i18n.Data{"N": n, "Template": t.Name, "Last": len(t.Items)}))
		}
		return n - 1, nil
	}
	var matches []int
	for i, it := range t.Items {
		titles := append([]string{it.Title}, slices.Collect(maps.Values(it.Titles))...)
		if it.Key == q || slices.ContainsFunc(titles, func(s string) bool { return strings.ToLower(s) == q }) {
			return i, nil
		}
		if strings.HasPrefix(it.Key, q) || slices.ContainsFunc(titles, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), q) }) {
			matches = append(matches, i)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		keys := make([]string, len(t.Items))
		for i, it := range t.Items {
			keys[i] = it.Key
		}
		data := i18n.Data{"Template": t.Name, "Query": query}
		if near := suggest.Closest(q, keys, 3); len(near) > 0 {
			data["Names"] = i18n.List(near)
			return -1, errors.New(l.T("checklist.find.none_near", data))
		}
		return -1, errors.New(l.T("checklist.find.none", data))
	}
	names := make([]string, len(matches))
	for i, m := range matches {
		names[i] = fmt.Sprintf("%d %s", m+1, t.Items[m].Key)
	}
	return -1, errors.New(l.T("checklist.find.many", i18n.Data{"Query": query, "N": len(matches), "Names": l.Join(names)}))
}

// Set is the templates in force, sorted by name. A loaded Set is read-only.
type Set struct {
	Templates []Template
}

// Lookup finds a template by name.
func (s *Set) Lookup(name string) (Template, bool) {
	i, ok := slices.BinarySearchFunc(s.Templates, name, func(t Template, name string) int {
		return strings.Compare(t.Name, name)
	})
	if !ok {
		return Template{}, false
	}
	return s.Templates[i], true
}

// Names lists the template names.
func (s *Set) Names() []string {
	out := make([]string, len(s.Templates))
	for i, t := range s.Templates {
		out[i] = t.Name
	}
	return out
}

// Load reads the built-in templates and, when dir is not "", the *.yaml
// (and *.yml) files in dir: a template with the name of a built-in one
// replaces it, any other adds a template. Every problem in every file is
// reported, each naming the file, line and field.
func Load(dir string) (*Set, error) {
	all, err := yamlspec.LoadAll(defaultFiles, "defaults/*.yaml", dir, "template", Parse,
		func(t Template) (string, int) { return t.Name, t.nameLine })
	if err != nil {
		return nil, err
	}
	return &Set{Templates: all}, nil
}
