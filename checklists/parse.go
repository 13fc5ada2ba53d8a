package checklists

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/store"
)

// Error is one problem in a template file. Its text is
// "file:line: field: message", e.g.
//
//	csm.yaml:12: items[1].wek: unknown field (did you mean week?)
type Error struct {
	File  string
	Line  int    // 0 when the YAML parser gave none
	Field string // path of the field, e.g. items[1].due; "" for the file
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

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
	nameRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLine  = regexp.MustCompile(`^yaml: line (\d+): `)
	durations = regexp.MustCompile(`^([0-9]+)([dw])$`)
)

// Parse reads one template from YAML. name is the file name errors mention.
// Every problem found is reported, each as an *Error naming the file, line
// and field, joined with errors.Join.
//
// An item without due falls due on the last day of its week (7×week−1 days
// after the start date).
func Parse(name string, data []byte) (Template, error) {
	p := parser{file: name}
	t := p.parse(data)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b error) int { return a.(*Error).Line - b.(*Error).Line })
		return Template{}, errors.Join(p.errs...)
	}
	t.Source = name
	return t, nil
}

type parser struct {
	file string
	errs []error
}

func (p *parser) errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) decode(data []byte) (doc *yaml.Node) {
	defer func() {
		if r := recover(); r != nil {
			p.errs = append(p.errs, &Error{File: p.file, Msg: fmt.Sprintf("invalid YAML: %v", r)})
			doc = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "", "empty file: a template needs at least a name and items")
			return nil
		}
		e := &Error{File: p.file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "invalid YAML: " + err.Error()[len(m[0]):]
		}
		p.errs = append(p.errs, e)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: "one template per file: found a second YAML document"})
		return nil
	}
	return &n
}

func (p *parser) noAliases(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		p.errorf(n, "", "YAML anchors and aliases (&name, *name, <<) are not supported: write the value out")
		return false
	}
	for _, c := range n.Content {
		if !p.noAliases(c) {
			return false
		}
	}
	return true
}

func (p *parser) parse(data []byte) Template {
	doc := p.decode(data)
	if doc == nil || !p.noAliases(doc) {
		return Template{}
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "want a mapping with name, description and items, got %s", kindName(root))
		return Template{}
	}
	var t Template
	var items *yaml.Node
	unknown := p.fields(root, "", templateFields, func(key string, v *yaml.Node, field string) {
		switch key {
		case "name":
			t.Name, t.nameLine = p.name(v, field), v.Line
		case "description":
			if v.ShortTag() != "!!null" {
				t.Description, _ = p.str(v, field)
			}
		case "items":
			items = v
		}
	})
	if !p.has(root, "name") && unknown == 0 {
		p.errorf(root, "name", "missing: every template needs a name, e.g. name: csm-30-60-90")
	}
	switch {
	case items == nil || items.ShortTag() == "!!null":
		if unknown == 0 {
			p.errorf(root, "items", "missing: a template needs at least one item")
		}
	case items.Kind != yaml.SequenceNode:
		p.errorf(items, "items", "want a list of items, got %s", kindName(items))
	case len(items.Content) == 0:
		p.errorf(items, "items", "empty: a template needs at least one item")
	case len(items.Content) > MaxItems:
		p.errorf(items, "items", "%d items: at most %d", len(items.Content), MaxItems)
	default:
		first := map[string]int{}
		for i, n := range items.Content {
			field := fmt.Sprintf("items[%d]", i)
			it, ok := p.item(n, field)
			if !ok {
				continue
			}
			if line, dup := first[it.Key]; dup {
				p.errorf(p.valueOf(n, "name"), field+".name", "duplicate item name %s (first at line %d)", it.Key, line)
				continue
			}
			first[it.Key] = n.Line
			t.Items = append(t.Items, it)
		}
	}
	return t
}

func (p *parser) item(n *yaml.Node, field string) (Item, bool) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, field, "want an item (a mapping with name, title and week), got %s", kindName(n))
		return Item{}, false
	}
	before := len(p.errs)
	it := Item{Line: n.Line, Due: -1}
	unknown := p.fields(n, field+".", itemFields, func(key string, v *yaml.Node, f string) {
		switch key {
		case "name":
			it.Key = p.name(v, f)
		case "title":
			if s, ok := p.str(v, f); ok {
				s = strings.TrimSpace(s)
				switch {
				case s == "":
					p.errorf(v, f, "empty: say what the new hire does, e.g. title: Shadow three customer calls")
				case len([]rune(s)) > maxTitle:
					p.errorf(v, f, "%d characters: at most %d", len([]rune(s)), maxTitle)
				}
				it.Title = s
			}
		case "week":
			var w int
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || v.Decode(&w) != nil {
				p.errorf(v, f, "want a week number 1-%d, got %s", MaxWeeks, kindName(v))
			} else if w < 1 || w > MaxWeeks {
				p.errorf(v, f, "%d: use a week number 1-%d", w, MaxWeeks)
			} else {
				it.Week = w
			}
		case "due":
			it.Due = p.due(v, f)
		case "link":
			if s, ok := p.str(v, f); ok {
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > maxLink {
					p.errorf(v, f, "%s is not a web address: use https://...", kindName(v))
				} else {
					it.Link = s
				}
			}
		case "signoff":
			it.SignOff = p.boolean(v, f)
		case "evidence":
			it.Evidence = p.boolean(v, f)
		}
	})
	if unknown == 0 {
		for _, req := range []struct{ key, hint string }{
			{"name", "every item needs a name, e.g. name: shadow-calls"},
			{"title", "every item needs a title, e.g. title: Shadow three customer calls"},
			{"week", "say which week the item belongs to, e.g. week: 2"},
		} {
			if !p.has(n, req.key) {
				p.errorf(n, field+"."+req.key, "missing: %s", req.hint)
			}
		}
	}
	if it.Due < 0 && it.Week > 0 {
		it.Due = 7*it.Week - 1
	}
	return it, len(p.errs) == before
}

// due reads days after the start date: 10d or 2w.
func (p *parser) due(v *yaml.Node, field string) int {
	s, ok := p.str(v, field)
	if !ok {
		return -1
	}
	m := durations.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		p.errorf(v, field, "%s: give days or weeks after the start date, e.g. due: 10d or due: 2w", kindName(v))
		return -1
	}
	n, err := strconv.Atoi(m[1])
	if err == nil && m[2] == "w" {
		n *= 7
	}
	if err != nil || n > maxDue {
		p.errorf(v, field, "%s: at most %dd (%d weeks) after the start date", s, maxDue, MaxWeeks)
		return -1
	}
	return n
}

// fields walks a mapping, reporting unknown and duplicate keys, and calls
// fn for each known one. It returns how many keys were unknown.
func (p *parser) fields(m *yaml.Node, prefix string, known []string, fn func(key string, v *yaml.Node, field string)) (unknown int) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		field := prefix + k.Value
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, prefix+"?", "want a field name, got %s", kindName(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.errorf(k, field, "duplicate field (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			p.errorf(k, field, "unknown field (%s)", hint(k.Value, known))
			unknown++
			continue
		}
		fn(k.Value, v, field)
	}
	return unknown
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

func (p *parser) has(m *yaml.Node, key string) bool { return p.valueOf(m, key) != nil }

func (p *parser) valueOf(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		if v := []rune(n.Value); len(v) > 40 {
			return strconv.Quote(string(v[:40]) + "...")
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}

func (p *parser) str(v *yaml.Node, field string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		p.errorf(v, field, "want text, got %s", kindName(v))
		return "", false
	}
	return v.Value, true
}

func (p *parser) name(v *yaml.Node, field string) string {
	s, ok := p.str(v, field)
	if !ok {
		return ""
	}
	if len(s) > store.MaxSlug || !nameRE.MatchString(s) {
		ex := store.Slugify(s)
		if ex == "" {
			ex = "shadow-calls"
		}
		p.errorf(v, field, "%q: use lowercase letters, digits and dashes, at most %d characters (e.g. %s)", s, store.MaxSlug, ex)
		return ""
	}
	if strings.Trim(s, "0123456789") == "" {
		// People pick items by number too: a name of digits would be ambiguous.
		p.errorf(v, field, "%q: a name needs a letter; numbers already stand for the item's position", s)
		return ""
	}
	return s
}

func (p *parser) boolean(v *yaml.Node, field string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
		p.errorf(v, field, "want true or false, got %s", kindName(v))
	}
	return b
}
