// Package yamlspec reads the YAML files people write for csbot (playbooks,
// checklist templates) so that every mistake is reported with its file,
// line and field, all at once.
package yamlspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// Error is one problem in a file. Its text is "file:line: field: message",
// e.g. high-touch.yaml:12: steps[1].evry: unknown field (did you mean every?)
type Error struct {
	File  string
	Line  int    // 0 when the YAML parser gave none
	Field string // path of the field, e.g. steps[1].every; "" for the file
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

// Parser collects the problems of one file.
type Parser struct {
	File string
	Errs []error
	// Kind names what one file holds ("playbook"), Empty what an empty
	// file lacks ("a playbook needs at least a name and steps").
	Kind, Empty string
	// Hint suggests what an unknown key may have meant.
	Hint func(key string, known []string) string
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// Errorf records a problem at node n (its line) and field.
func (p *Parser) Errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.Errs = append(p.Errs, &Error{File: p.File, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Decode parses one YAML document, recording syntax errors with their line.
func (p *Parser) Decode(data []byte) (doc *yaml.Node) {
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has panicked on odd input before
			p.Errs = append(p.Errs, &Error{File: p.File, Msg: fmt.Sprintf("invalid YAML: %v", r)})
			doc = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			p.Errorf(nil, "", "empty file: %s", p.Empty)
			return nil
		}
		e := &Error{File: p.File, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "invalid YAML: " + err.Error()[len(m[0]):]
		}
		p.Errs = append(p.Errs, e)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		p.Errs = append(p.Errs, &Error{File: p.File, Line: line, Msg: "one " + p.Kind + " per file: found a second YAML document"})
		return nil
	}
	return &n
}

// NoAliases reports (and records) YAML anchors and aliases, which are refused.
func (p *Parser) NoAliases(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		p.Errorf(n, "", "YAML anchors and aliases (&name, *name, <<) are not supported: write the value out")
		return false
	}
	for _, c := range n.Content {
		if !p.NoAliases(c) {
			return false
		}
	}
	return true
}

// Fields calls fn for every key of mapping m, recording unknown and
// duplicate keys; it returns how many keys were unknown.
func (p *Parser) Fields(m *yaml.Node, prefix string, known []string, fn func(key string, v *yaml.Node, field string)) (unknown int) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		field := prefix + k.Value
		if k.Kind != yaml.ScalarNode {
			p.Errorf(k, prefix+"?", "want a field name, got %s", KindName(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			p.Errorf(k, field, "duplicate field (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			p.Errorf(k, field, "unknown field (%s)", p.Hint(k.Value, known))
			unknown++
			continue
		}
		fn(k.Value, v, field)
	}
	return unknown
}

// ValueOf returns the value of key in mapping m, or nil.
func (p *Parser) ValueOf(m *yaml.Node, key string) *yaml.Node {
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

// Str reads a string scalar.
func (p *Parser) Str(v *yaml.Node, field string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		p.Errorf(v, field, "want text, got %s", KindName(v))
		return "", false
	}
	return v.Value, true
}

// Text is Str without the flag: "" for what is not text, reported.
func (p *Parser) Text(v *yaml.Node, field string) string {
	s, _ := p.Str(v, field)
	return s
}

// Boolean reads true or false.
func (p *Parser) Boolean(v *yaml.Node, field string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
		p.Errorf(v, field, "want true or false, got %s", KindName(v))
	}
	return b
}

// KindName describes a node for an error message.
func KindName(n *yaml.Node) string {
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

// Has reports whether mapping m has key.
func (p *Parser) Has(m *yaml.Node, key string) bool { return p.ValueOf(m, key) != nil }

// ByLanguage reads text given one per language, a mapping such as
// "en: ...", "ja: ...": each is called for every language csbot speaks, in
// file order, and any other key is reported. It returns the language of the
// default text, English when given, else the first; "" (reported) when
// there is none.
func (p *Parser) ByLanguage(v *yaml.Node, field string, each func(lang string, val *yaml.Node, field string)) string {
	def := ""
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		f := field + "." + k.Value
		if lang, ok := i18n.Match(k.Value); !ok || lang != k.Value {
			p.Errorf(k, f, "unknown language %q: csbot speaks %s", k.Value, strings.Join(i18n.Supported(), ", "))
			continue
		}
		if def == "" || k.Value == i18n.Default {
			def = k.Value
		}
		each(k.Value, val, f)
	}
	if def == "" {
		p.Errorf(v, field, "empty: give the text, or one per language (en: ..., ja: ...)")
	}
	return def
}

// Texts is a text in the file's language (English in the defaults) and
// its translations by language ("ja").
type Texts struct {
	Text         string
	Translations map[string]string
}

// In is the text in lang, else in the file's language.
func (t Texts) In(lang string) string {
	if s, ok := t.Translations[lang]; ok {
		return s
	}
	return t.Text
}

// Texts reads one text, or a mapping of languages to texts ("en: ...",
// "ja: ...") whose English (else first) entry is the text and the others
// its translations; one reads each text.
func (p *Parser) Texts(v *yaml.Node, field string, one func(v *yaml.Node, field string) string) Texts {
	if v.Kind != yaml.MappingNode {
		return Texts{Text: one(v, field)}
	}
	in := map[string]string{}
	def := p.ByLanguage(v, field, func(lang string, val *yaml.Node, f string) { in[lang] = one(val, f) })
	t := Texts{Text: in[def]}
	if delete(in, def); len(in) > 0 {
		t.Translations = in
	}
	return t
}

// LoadAll parses the built-in files (matching pattern in defaults) and,
// when dir is not "", the *.yaml and *.yml files in dir, skipping hidden
// ones (editors' swap files). A file in dir whose content has the name of
// a built-in one replaces it; any other adds one; two files in dir with
// one name are an error. Every problem in every file is reported. name
// gives a parsed file's name and the line it stands on; what says what a
// file holds ("playbook"), for messages. The result is sorted by name.
func LoadAll[T any](defaults fs.FS, pattern, dir, what string, parse func(file string, data []byte) (T, error), name func(T) (string, int)) ([]T, error) {
	byName := map[string]T{}
	var errs []error
	builtIn, err := fs.Glob(defaults, pattern)
	if err != nil {
		return nil, err
	}
	for _, file := range builtIn {
		data, err := fs.ReadFile(defaults, file)
		if err != nil {
			return nil, err
		}
		v, err := parse(file, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n, _ := name(v)
		byName[n] = v
	}
	if dir != "" {
		files, err := yamlFiles(dir, what)
		if err != nil {
			return nil, err
		}
		seen := map[string]string{}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("read %s: %w", what, err))
				continue
			}
			v, err := parse(file, data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n, line := name(v)
			if other, dup := seen[n]; dup {
				errs = append(errs, &Error{File: file, Line: line, Field: "name", Msg: fmt.Sprintf("%s %s is also defined in %s: keep one", what, n, other)})
				continue
			}
			seen[n] = file
			byName[n] = v
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]T, len(names))
	for i, n := range names {
		out[i] = byName[n]
	}
	return out, nil
}

// yamlFiles lists the YAML files of dir, sorted, skipping hidden files.
func yamlFiles(dir, what string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %ss folder: %w", what, err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		ext := path.Ext(n)
		if e.IsDir() || strings.HasPrefix(n, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		files = append(files, filepath.Join(dir, n))
	}
	return files, nil
}

// Root decodes the file and returns its top-level mapping, or nil after
// recording why there is none; want lists what the mapping should hold.
func (p *Parser) Root(data []byte, want string) *yaml.Node {
	doc := p.Decode(data)
	if doc == nil || !p.NoAliases(doc) {
		return nil
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.Errorf(root, "", "want a mapping with %s, got %s", want, KindName(root))
		return nil
	}
	return root
}

// Err returns every recorded problem in line order, or nil.
func (p *Parser) Err() error {
	if len(p.Errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.Errs, func(a, b error) int { return a.(*Error).Line - b.(*Error).Line })
	return errors.Join(p.Errs...)
}

var nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Name reads a name people type: lowercase letters, digits and dashes, at
// most store.MaxSlug characters; example is offered when s slugifies to
// nothing.
func (p *Parser) Name(v *yaml.Node, field, example string) string {
	s, ok := p.Str(v, field)
	if !ok {
		return ""
	}
	if len(s) > store.MaxSlug || !nameRE.MatchString(s) {
		if n := store.Slugify(s); n != "" {
			example = n
		}
		p.Errorf(v, field, "%q: use lowercase letters, digits and dashes, at most %d characters (e.g. %s)", s, store.MaxSlug, example)
		return ""
	}
	return s
}
