// Package yamlspec reads the YAML files people write for csbot (playbooks,
// checklist templates) so that every mistake is reported with its file,
// line and field, all at once.
package yamlspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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
