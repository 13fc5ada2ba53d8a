package checklists

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/csbot/csbot/internal/yamlspec"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/internal/suggest"
)

// Error is one problem in a file, with its file, line and field.
type Error = yamlspec.Error

// Limits on what a template may say.
const (
	MaxItems = 100
	MaxWeeks = 52
	maxDue   = 7 * MaxWeeks
	maxTitle = 200
	maxLink  = 2000
)

var (
	templateFields = []string{"name", "description", "items"}
	itemFields     = []string{"name", "title", "week", "due", "link", "signoff", "evidence"}
	synonyms       = map[string]string{
		"steps": "items", "tasks": "items", "id": "name", "key": "name", "text": "title", "label": "title",
		"url": "link", "material": "link", "href": "link", "deadline": "due", "offset": "due",
		"sign_off": "signoff", "sign-off": "signoff", "verify": "signoff", "mentor": "signoff",
		"proof": "evidence",
	}
	durations = regexp.MustCompile(`^([0-9]+)([dw])$`)
)

// Parse reads one template from YAML. name is the file name errors mention.
// Every problem found is reported, each as an *Error naming the file, line
// and field, joined with errors.Join.
//
// An item without due falls due on the last day of its week (7×week−1 days
// after the start date).
func Parse(name string, data []byte) (Template, error) {
	p := parser{yamlspec.Parser{File: name, Kind: "template", Empty: "a template needs at least a name and items", Hint: hint}}
	t := p.parse(data)
	if err := p.Err(); err != nil {
		return Template{}, err
	}
	t.Source = name
	return t, nil
}

type parser struct{ yamlspec.Parser }

func (p *parser) parse(data []byte) Template {
	root := p.Root(data, "name, description and items")
	if root == nil {
		return Template{}
	}
	var t Template
	var items *yaml.Node
	unknown := p.Fields(root, "", templateFields, func(key string, v *yaml.Node, field string) {
		switch key {
		case "name":
			t.Name, t.nameLine = p.name(v, field), v.Line
		case "description":
			if v.ShortTag() != "!!null" {
				t.Description = p.Texts(v, field, p.Text)
			}
		case "items":
			items = v
		}
	})
	if !p.Has(root, "name") && unknown == 0 {
		p.Errorf(root, "name", "missing: every template needs a name, e.g. name: csm-30-60-90")
	}
	switch {
	case items == nil || items.ShortTag() == "!!null":
		if unknown == 0 {
			p.Errorf(root, "items", "missing: a template needs at least one item")
		}
	case items.Kind != yaml.SequenceNode:
		p.Errorf(items, "items", "want a list of items, got %s", yamlspec.KindName(items))
	case len(items.Content) == 0:
		p.Errorf(items, "items", "empty: a template needs at least one item")
	case len(items.Content) > MaxItems:
		p.Errorf(items, "items", "%d items: at most %d", len(items.Content), MaxItems)
	default:
		first := map[string]int{}
		for i, n := range items.Content {
			field := fmt.Sprintf("items[%d]", i)
			it, ok := p.item(n, field)
			if !ok {
				continue
			}
			if line, dup := first[it.Key]; dup {
				p.Errorf(p.ValueOf(n, "name"), field+".name", "duplicate item name %s (first at line %d)", it.Key, line)
				continue
			}
			first[it.Key] = n.Line
			t.Items = append(t.Items, it)
		}
	}
	return t
}

// title reads one title.
func (p *parser) title(v *yaml.Node, field string) string {
	s, ok := p.Str(v, field)
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		p.Errorf(v, field, "empty: say what the new hire does, e.g. title: Shadow three customer calls")
	case len([]rune(s)) > maxTitle:
		p.Errorf(v, field, "%d characters: at most %d", len([]rune(s)), maxTitle)
	}
	return s
}

func (p *parser) item(n *yaml.Node, field string) (Item, bool) {
	if n.Kind != yaml.MappingNode {
		p.Errorf(n, field, "want an item (a mapping with name, title and week), got %s", yamlspec.KindName(n))
		return Item{}, false
	}
	before := len(p.Errs)
	it := Item{Line: n.Line, Due: -1}
	unknown := p.Fields(n, field+".", itemFields, func(key string, v *yaml.Node, f string) {
		switch key {
		case "name":
			it.Key = p.name(v, f)
		case "title":
			title := p.Texts(v, f, p.title)
			it.Title, it.Titles = title.Text, title.Translations
		case "week":
			var w int
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&w) != nil {
				p.Errorf(v, f, "want a week number 1-%d, got %s", MaxWeeks, yamlspec.KindName(v))
			} else if w < 1 || w > MaxWeeks {
				p.Errorf(v, f, "%d: use a week number 1-%d", w, MaxWeeks)
			} else {
				it.Week = w
			}
		case "due":
			it.Due = p.due(v, f)
		case "link":
			if s, ok := p.Str(v, f); ok {
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > maxLink {
					p.Errorf(v, f, "%s is not a web address: use https://...", yamlspec.KindName(v))
				} else {
					it.Link = s
				}
			}
		case "signoff":
			it.SignOff = p.Boolean(v, f)
		case "evidence":
			it.Evidence = p.Boolean(v, f)
		}
	})
	if unknown == 0 {
		for _, req := range []struct{ key, hint string }{
			{"name", "every item needs a name, e.g. name: shadow-calls"},
			{"title", "every item needs a title, e.g. title: Shadow three customer calls"},
			{"week", "say which week the item belongs to, e.g. week: 2"},
		} {
			if !p.Has(n, req.key) {
				p.Errorf(n, field+"."+req.key, "missing: %s", req.hint)
			}
		}
	}
	if it.Due < 0 && it.Week > 0 {
		it.Due = 7*it.Week - 1
	}
	return it, len(p.Errs) == before
}

// due reads days after the start date: 10d or 2w.
func (p *parser) due(v *yaml.Node, field string) int {
	s, ok := p.Str(v, field)
	if !ok {
		return -1
	}
	m := durations.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		p.Errorf(v, field, "%s: give days or weeks after the start date, e.g. due: 10d or due: 2w", yamlspec.KindName(v))
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err == nil && m[2] == "w" {
		n *= 7
	}
	if err != nil || n > maxDue {
		p.Errorf(v, field, "%s: at most %dd (%d weeks) after the start date", s, maxDue, MaxWeeks)
		return -1
	}
	return n
}

func hint(key string, known []string) string {
	if s, ok := synonyms[strings.ToLower(key)]; ok && slices.Contains(known, s) {
		return "did you mean " + s + "?"
	}
	if near := suggest.Closest(key, known, 1); len(near) > 0 {
		return "did you mean " + near[0] + "?"
	}
	return "known fields: " + strings.Join(known, ", ")
}

func (p *parser) name(v *yaml.Node, field string) string {
	s := p.Name(v, field, "shadow-calls")
	if s != "" && strings.Trim(s, "0123456789") == "" {
		// People pick items by number too: a name of digits would be ambiguous.
		p.Errorf(v, field, "%q: a name needs a letter; numbers already stand for the item's position", s)
		return ""
	}
	return s
}
