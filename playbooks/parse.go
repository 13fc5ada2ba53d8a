package playbooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Error is one problem in a playbook file. Its text is
// "file:line: field: message", e.g.
//
//	high-touch.yaml:12: steps[1].evry: unknown field (did you mean every?)
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

// Limits on what a playbook may say.
const (
	maxDays = 3650 // offsets and cadences: ten years
	maxName = store.MaxSlug
)

// The fields of each mapping, in the order the errors list them.
var (
	playbookFields  = []string{"name", "description", "when", "manual", "disabled", "steps"}
	stepFields      = []string{"name", "every", "anchor", "offset", "offsets", "signal", "to", "batch", "message", "header", "when"}
	conditionFields = []string{"tier", "band", "phase"}
	// synonyms catch words people reach for instead of the field's name.
	synonyms = map[string]string{
		"recipient": "to", "recipients": "to", "send_to": "to", "owner": "to",
		"cadence": "every", "interval": "every", "repeat": "every",
		"template": "message", "text": "message", "body": "message",
		"condition": "when", "conditions": "when", "if": "when", "only": "when",
		"trigger": "signal", "signals": "signal", "on": "signal",
		"days": "offsets", "title": "header", "tiers": "tier", "bands": "band", "phases": "phase",
	}
	bands   = []string{health.Green, health.Yellow, health.Red, health.NoData}
	signals = func() []string {
		s := []string{SignalUsageDrop, SignalDetractor, SignalStepMissed, SignalAnyRisk}
		for _, r := range health.Rules {
			if !slices.Contains(s, r) {
				s = append(s, r)
			}
		}
		return s
	}()
)

var nameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Parse reads one playbook from YAML. name is the file name that errors
// mention. Every problem found is reported, each as an *Error naming the
// file, line and field, joined with errors.Join.
func Parse(name string, data []byte) (Playbook, error) {
	p := parser{file: name}
	pb := p.parse(data)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b error) int {
			return a.(*Error).Line - b.(*Error).Line
		})
		return Playbook{}, errors.Join(p.errs...)
	}
	pb.Source = name
	return pb, nil
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

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// decode reads the one YAML document of a file.
func (p *parser) decode(data []byte) (doc *yaml.Node) {
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has panicked on odd input before
			p.errs = append(p.errs, &Error{File: p.file, Msg: fmt.Sprintf("invalid YAML: %v", r)})
			doc = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "", "empty file: a playbook needs at least a name and steps")
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
		p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: "one playbook per file: found a second YAML document"})
		return nil
	}
	return &n
}

func (p *parser) parse(data []byte) Playbook {
	doc := p.decode(data)
	if doc == nil {
		return Playbook{}
	}
	if !p.noAliases(doc) {
		return Playbook{}
	}
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "", "want a mapping with name, description, when and steps, got %s", kindName(root))
		return Playbook{}
	}
	var pb Playbook
	var steps *yaml.Node
	unknown := p.fields(root, "", playbookFields, func(key string, v *yaml.Node, field string) {
		switch key {
		case "name":
			pb.Name, pb.nameLine = p.name(v, field), v.Line
		case "description":
			if v.ShortTag() != "!!null" {
				pb.Description, _ = p.str(v, field)
			}
		case "when":
			pb.When = p.condition(v, field)
		case "manual":
			pb.Manual = p.boolean(v, field)
		case "disabled":
			pb.Disabled = p.boolean(v, field)
		case "steps":
			steps = v
		}
	})
	if !p.has(root, "name") && unknown == 0 {
		p.errorf(root, "name", "missing: every playbook needs a name, e.g. name: high-touch")
	}
	switch {
	case steps == nil || steps.ShortTag() == "!!null":
		if !pb.Disabled && unknown == 0 {
			p.errorf(root, "steps", "missing: a playbook needs at least one step")
		}
	case steps.Kind != yaml.SequenceNode:
		p.errorf(steps, "steps", "want a list of steps, got %s", kindName(steps))
	case len(steps.Content) == 0 && !pb.Disabled:
		p.errorf(steps, "steps", "empty: a playbook needs at least one step")
	default:
		first := map[string]int{}
		for i, sn := range steps.Content {
			field := fmt.Sprintf("steps[%d]", i)
			s, ok := p.step(sn, field)
			if !ok {
				continue
			}
			if line, dup := first[s.Name]; dup {
				p.errorf(p.valueOf(sn, "name"), field+".name", "duplicate step name %s (first at line %d)", s.Name, line)
				continue
			}
			first[s.Name] = sn.Line
			pb.Steps = append(pb.Steps, s)
		}
	}
	return pb
}

// noAliases rejects anchors and aliases: they would let a small file expand
// into a huge one, and playbooks are short enough to spell out.
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

// fields walks a mapping, reporting unknown and duplicate keys, and calls
// fn for each known one with its value and its field path.
// It returns how many keys were unknown: a misspelt key also makes the
// field it meant look missing, and that second error would only be noise.
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
			p.errorf(k, field, "unknown field (%s)", suggest(k.Value, known))
			unknown++
			continue
		}
		fn(k.Value, v, field)
	}
	return unknown
}

func (p *parser) has(m *yaml.Node, key string) bool { return p.valueOf(m, key) != nil }

// valueOf returns the value of key in mapping m, or nil.
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

func suggest(key string, known []string) string {
	if s, ok := synonyms[strings.ToLower(key)]; ok && slices.Contains(known, s) {
		return "did you mean " + s + "?"
	}
	if s := closest(key, known); s != "" {
		return "did you mean " + s + "?"
	}
	return "known fields: " + strings.Join(known, ", ")
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
	if len(s) > maxName || !nameRE.MatchString(s) {
		p.errorf(v, field, "%q: use lowercase letters, digits and dashes, at most %d characters (e.g. %s)", s, maxName, exampleName(s))
		return ""
	}
	return s
}

func exampleName(s string) string {
	if n := store.Slugify(s); n != "" {
		return n
	}
	return "weekly-check-in"
}

func (p *parser) boolean(v *yaml.Node, field string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
		p.errorf(v, field, "want true or false, got %s", kindName(v))
	}
	return b
}

// list reads a scalar or a list of scalars.
func (p *parser) list(v *yaml.Node, field string) []*yaml.Node {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			return nil
		}
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for i, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				p.errorf(e, fmt.Sprintf("%s[%d]", field, i), "want a value, got %s", kindName(e))
				continue
			}
			out = append(out, e)
		}
		return out
	}
	p.errorf(v, field, "want a value or a list of values, got %s", kindName(v))
	return nil
}

func (p *parser) condition(v *yaml.Node, field string) Condition {
	var c Condition
	if v.ShortTag() == "!!null" {
		return c
	}
	if v.Kind != yaml.MappingNode {
		p.errorf(v, field, "want a mapping of tier, band and phase, got %s", kindName(v))
		return c
	}
	p.fields(v, field+".", conditionFields, func(key string, v *yaml.Node, field string) {
		for _, e := range p.list(v, field) {
			switch key {
			case "tier":
				t, err := store.ParseTier(e.Value)
				if err != nil {
					p.errorf(e, field, "%v", err)
				} else if !slices.Contains(c.Tiers, t) {
					c.Tiers = append(c.Tiers, t)
				}
			case "band":
				b := strings.ToLower(strings.TrimSpace(e.Value))
				if !slices.Contains(bands, b) {
					p.errorf(e, field, "unknown band %q: use %s", e.Value, strings.Join(bands, ", "))
				} else if !slices.Contains(c.Bands, b) {
					c.Bands = append(c.Bands, b)
				}
			case "phase":
				ph, err := store.ParsePhase(e.Value)
				if err != nil {
					p.errorf(e, field, "%v", err)
				} else if !slices.Contains(c.Phases, ph) {
					c.Phases = append(c.Phases, ph)
				}
			}
		}
	})
	return c
}

// oneOf reads a value that must be one of a fixed set.
func (p *parser) oneOf(v *yaml.Node, field, what string, valid []string) string {
	s, ok := p.str(v, field)
	if !ok {
		return ""
	}
	if !slices.Contains(valid, s) {
		hint := "use " + strings.Join(valid, ", ")
		if c := closest(s, valid); c != "" {
			hint = "did you mean " + c + "?"
		}
		p.errorf(v, field, "unknown %s %q (%s)", what, s, hint)
		return ""
	}
	return s
}

func (p *parser) step(n *yaml.Node, field string) (Step, bool) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, field, "want a step (a mapping with name, timing, to and message), got %s", kindName(n))
		return Step{}, false
	}
	before := len(p.errs)
	s := Step{Line: n.Line}
	var offsetField string
	var message, header *yaml.Node
	unknown := p.fields(n, field+".", stepFields, func(key string, v *yaml.Node, f string) {
		switch key {
		case "name":
			s.Name = p.name(v, f)
		case "every":
			s.Every = p.every(v, f)
		case "anchor":
			s.Anchor = p.oneOf(v, f, "anchor", Anchors)
		case "offset", "offsets":
			if offsetField != "" {
				p.errorf(v, f, "set offset or offsets, not both")
				return
			}
			offsetField = f
			items := p.list(v, f)
			if len(items) == 0 && v.Kind != yaml.MappingNode {
				p.errorf(v, f, "empty: give at least one offset, e.g. %s: -90d", key)
			}
			for i, e := range items {
				ef := f
				if v.Kind == yaml.SequenceNode {
					ef = fmt.Sprintf("%s[%d]", f, i)
				}
				d, ok := p.days(e, ef)
				if !ok {
					continue
				}
				if slices.Contains(s.Offsets, d) {
					p.errorf(e, ef, "%dd is listed twice", d)
					continue
				}
				s.Offsets = append(s.Offsets, d)
			}
		case "signal":
			s.Signal = p.oneOf(v, f, "signal", signals)
		case "to":
			s.To = p.oneOf(v, f, "recipient", Recipients)
		case "batch":
			s.Batch = p.boolean(v, f)
		case "message":
			message = v
		case "header":
			header = v
		case "when":
			s.When = p.condition(v, f)
		}
	})
	if !p.has(n, "name") && unknown == 0 {
		p.errorf(n, field+".name", "missing: every step needs a name, e.g. name: weekly-check-in")
	}
	if !p.has(n, "to") && unknown == 0 {
		p.errorf(n, field+".to", "missing: say who gets the message (%s)", strings.Join(Recipients, ", "))
	}
	switch {
	case message == nil && unknown > 0:
	case message == nil:
		p.errorf(n, field+".message", "missing: every step needs a message")
	default:
		if text, ok := p.str(message, field+".message"); ok {
			s.Message = text
			s.message = p.template(message, field+".message", text, sampleData)
		}
	}
	if header != nil {
		if !s.Batch {
			p.errorf(header, field+".header", "only batch steps have a header: add batch: true or remove it")
		} else if text, ok := p.str(header, field+".header"); ok {
			s.Header = text
			s.header = p.template(header, field+".header", text, sampleBatch)
		}
	}
	if unknown == 0 {
		p.timing(n, field, offsetField)
	}
	return s, len(p.errs) == before
}

// timing checks that the step has exactly one way to fall due.
func (p *parser) timing(n *yaml.Node, field, offsetField string) {
	var set []string
	for _, k := range []string{"every", "anchor", "signal"} {
		if p.has(n, k) {
			set = append(set, k)
		}
	}
	hasAnchor := p.has(n, "anchor")
	switch {
	case len(set) == 0 && offsetField == "":
		p.errorf(n, field, "no timing: set every (e.g. every: 7d), anchor with offset (e.g. anchor: renewal, offset: -90d), or signal")
	case len(set) > 1:
		p.errorf(n, field, "two timings (%s): a step uses one of every, anchor or signal", strings.Join(set, " and "))
	case hasAnchor && offsetField == "":
		p.errorf(p.valueOf(n, "anchor"), field+".anchor", "needs offset or offsets, e.g. offset: -90d")
	case !hasAnchor && offsetField != "":
		p.errorf(p.valueOf(n, offsetField[strings.LastIndex(offsetField, ".")+1:]), offsetField, "needs an anchor (%s)", strings.Join(Anchors, " or "))
	}
}

// template compiles a message and reports its problems at the YAML line
// they are on.
func (p *parser) template(v *yaml.Node, field, text string, data any) *template.Template {
	t, terr := compile(field, text, data)
	if terr == nil {
		return t
	}
	line := v.Line
	if v.Style&yaml.LiteralStyle != 0 {
		// A literal block starts on the line after its |. A parse error at
		// the end of the text points past it: name its last line instead.
		line += min(terr.line, strings.Count(strings.TrimRight(text, "\n"), "\n")+1)
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Msg: terr.msg})
	return nil
}

// every reads a cadence: 7d, 2w or a Go duration such as 36h.
func (p *parser) every(v *yaml.Node, field string) time.Duration {
	s, ok := p.str(v, field)
	if !ok {
		return 0
	}
	d, err := parseDuration(s)
	switch {
	case err != nil:
		p.errorf(v, field, "%v", err)
		return 0
	case d <= 0:
		p.errorf(v, field, "%s: a cadence must be positive", s)
		return 0
	case d > maxDays*day:
		p.errorf(v, field, "%s: at most %dd", s, maxDays)
		return 0
	}
	return d
}

// days reads an offset in whole days: -90d, 2w, or a Go duration of whole
// days such as 48h.
func (p *parser) days(v *yaml.Node, field string) (int, bool) {
	d, err := parseDuration(v.Value)
	switch {
	case err != nil:
		p.errorf(v, field, "%v", err)
		return 0, false
	case d%day != 0:
		p.errorf(v, field, "%s: offsets are whole days, e.g. -90d", v.Value)
		return 0, false
	case d > maxDays*day || d < -maxDays*day:
		p.errorf(v, field, "%s: at most %dd either side of the anchor", v.Value, maxDays)
		return 0, false
	}
	return int(d / day), true
}

// parseDuration accepts Nd (days), Nw (weeks) and Go durations (36h, 90m),
// with an optional sign.
func parseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty: give a duration such as 7d, 2w or 36h")
	}
	if _, err := strconv.Atoi(t); err == nil {
		return 0, fmt.Errorf("%s: give a unit, e.g. %sd (days), %sw (weeks) or %sh (hours)", t, t, t, t)
	}
	if unit := t[len(t)-1]; unit == 'd' || unit == 'w' {
		n, err := strconv.Atoi(t[:len(t)-1])
		if err != nil || t[:len(t)-1] == "" {
			return 0, fmt.Errorf("%q is not a duration: use e.g. 7d, 2w or 36h", s)
		}
		if n > 2*maxDays || n < -2*maxDays {
			return 0, fmt.Errorf("%s: at most %dd", t, maxDays)
		}
		if unit == 'w' {
			n *= 7
		}
		return time.Duration(n) * day, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: use e.g. 7d, 2w or 36h", s)
	}
	return d, nil
}

// closest returns the option nearest to s (case-insensitive, edit distance
// at most 2 and less than the length of s), or "".
func closest(s string, options []string) string {
	ls := strings.ToLower(s)
	best, bestD := "", 3
	for _, o := range options {
		lo := strings.ToLower(o)
		if lo == ls {
			return o
		}
		if d := distance(ls, lo); d < bestD && d < len(ls) {
			best, bestD = o, d
		}
	}
	return best
}

// distance is the optimal-string-alignment edit distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 64
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
