package playbooks

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	closeness "github.com/csbot/csbot/internal/suggest"
	"github.com/csbot/csbot/internal/yamlspec"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// Error is one problem in a file, with its file, line and field.
type Error = yamlspec.Error

// Limits on what a playbook may say.
const maxDays = 3650 // offsets and cadences: ten years

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

// Parse reads one playbook from YAML. name is the file name that errors
// mention. Every problem found is reported, each as an *Error naming the
// file, line and field, joined with errors.Join.
func Parse(name string, data []byte) (Playbook, error) {
	p := parser{yamlspec.Parser{File: name, Kind: "playbook", Empty: "a playbook needs at least a name and steps", Hint: suggest}}
	pb := p.parse(data)
	if err := p.Err(); err != nil {
		return Playbook{}, err
	}
	pb.Source = name
	return pb, nil
}

type parser struct{ yamlspec.Parser }

func (p *parser) parse(data []byte) Playbook {
	root := p.Root(data, "name, description, when and steps")
	if root == nil {
		return Playbook{}
	}
	var pb Playbook
	var steps *yaml.Node
	unknown := p.Fields(root, "", playbookFields, func(key string, v *yaml.Node, field string) {
		switch key {
		case "name":
			pb.Name, pb.nameLine = p.Name(v, field, "weekly-check-in"), v.Line
		case "description":
			if v.ShortTag() != "!!null" {
				pb.Description = p.Texts(v, field, p.Text)
			}
		case "when":
			pb.When = p.condition(v, field)
		case "manual":
			pb.Manual = p.Boolean(v, field)
		case "disabled":
			pb.Disabled = p.Boolean(v, field)
		case "steps":
			steps = v
		}
	})
	if !p.Has(root, "name") && unknown == 0 {
		p.Errorf(root, "name", "missing: every playbook needs a name, e.g. name: high-touch")
	}
	switch {
	case steps == nil || steps.ShortTag() == "!!null":
		if !pb.Disabled && unknown == 0 {
			p.Errorf(root, "steps", "missing: a playbook needs at least one step")
		}
	case steps.Kind != yaml.SequenceNode:
		p.Errorf(steps, "steps", "want a list of steps, got %s", yamlspec.KindName(steps))
	case len(steps.Content) == 0 && !pb.Disabled:
		p.Errorf(steps, "steps", "empty: a playbook needs at least one step")
	default:
		first := map[string]int{}
		for i, sn := range steps.Content {
			field := fmt.Sprintf("steps[%d]", i)
			s, ok := p.step(sn, field)
			if !ok {
				continue
			}
			if line, dup := first[s.Name]; dup {
				p.Errorf(p.ValueOf(sn, "name"), field+".name", "duplicate step name %s (first at line %d)", s.Name, line)
				continue
			}
			first[s.Name] = sn.Line
			pb.Steps = append(pb.Steps, s)
		}
	}
	return pb
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
				p.Errorf(e, fmt.Sprintf("%s[%d]", field, i), "want a value, got %s", yamlspec.KindName(e))
				continue
			}
			out = append(out, e)
		}
		return out
	}
	p.Errorf(v, field, "want a value or a list of values, got %s", yamlspec.KindName(v))
	return nil
}

func (p *parser) condition(v *yaml.Node, field string) Condition {
	var c Condition
	if v.ShortTag() == "!!null" {
		return c
	}
	if v.Kind != yaml.MappingNode {
		p.Errorf(v, field, "want a mapping of tier, band and phase, got %s", yamlspec.KindName(v))
		return c
	}
	p.Fields(v, field+".", conditionFields, func(key string, v *yaml.Node, field string) {
		for _, e := range p.list(v, field) {
			switch key {
			case "tier":
				t, err := store.ParseTier(e.Value)
				if err != nil {
					p.Errorf(e, field, "%v", err)
				} else if !slices.Contains(c.Tiers, t) {
					c.Tiers = append(c.Tiers, t)
				}
			case "band":
				b := strings.ToLower(strings.TrimSpace(e.Value))
				if !slices.Contains(bands, b) {
					p.Errorf(e, field, "unknown band %q: use %s", e.Value, strings.Join(bands, ", "))
				} else if !slices.Contains(c.Bands, b) {
					c.Bands = append(c.Bands, b)
				}
			case "phase":
				ph, err := store.ParsePhase(e.Value)
				if err != nil {
					p.Errorf(e, field, "%v", err)
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
	s, ok := p.Str(v, field)
	if !ok {
		return ""
	}
	if !slices.Contains(valid, s) {
		hint := "use " + strings.Join(valid, ", ")
		if c := closest(s, valid); c != "" {
			hint = "did you mean " + c + "?"
		}
		p.Errorf(v, field, "unknown %s %q (%s)", what, s, hint)
		return ""
	}
	return s
}

func (p *parser) step(n *yaml.Node, field string) (Step, bool) {
	if n.Kind != yaml.MappingNode {
		p.Errorf(n, field, "want a step (a mapping with name, timing, to and message), got %s", yamlspec.KindName(n))
		return Step{}, false
	}
	before := len(p.Errs)
	s := Step{Line: n.Line}
	var offsetField string
	var message, header *yaml.Node
	unknown := p.Fields(n, field+".", stepFields, func(key string, v *yaml.Node, f string) {
		switch key {
		case "name":
			s.Name = p.Name(v, f, "weekly-check-in")
		case "every":
			s.Every = p.every(v, f)
		case "anchor":
			s.Anchor = p.oneOf(v, f, "anchor", Anchors)
		case "offset", "offsets":
			if offsetField != "" {
				p.Errorf(v, f, "set offset or offsets, not both")
				return
			}
			offsetField = f
			items := p.list(v, f)
			if len(items) == 0 && v.Kind != yaml.MappingNode {
				p.Errorf(v, f, "empty: give at least one offset, e.g. %s: -90d", key)
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
					p.Errorf(e, ef, "%dd is listed twice", d)
					continue
				}
				s.Offsets = append(s.Offsets, d)
			}
		case "signal":
			s.Signal = p.oneOf(v, f, "signal", signals)
		case "to":
			s.To = p.oneOf(v, f, "recipient", Recipients)
		case "batch":
			s.Batch = p.Boolean(v, f)
		case "message":
			message = v
		case "header":
			header = v
		case "when":
			s.When = p.condition(v, f)
		}
	})
	if !p.Has(n, "name") && unknown == 0 {
		p.Errorf(n, field+".name", "missing: every step needs a name, e.g. name: weekly-check-in")
	}
	if !p.Has(n, "to") && unknown == 0 {
		p.Errorf(n, field+".to", "missing: say who gets the message (%s)", strings.Join(Recipients, ", "))
	}
	switch {
	case message == nil && unknown > 0:
	case message == nil:
		p.Errorf(n, field+".message", "missing: every step needs a message")
	default:
		s.Message, s.message = p.texts(&s, message, field+".message", sampleData, false)
	}
	if header != nil {
		if !s.Batch {
			p.Errorf(header, field+".header", "only batch steps have a header: add batch: true or remove it")
		} else {
			s.Header, s.header = p.texts(&s, header, field+".header", sampleBatch, true)
		}
	}
	for lang, t := range s.Translations {
		c := s.in[lang]
		if t.Message == "" {
			c.message = s.message // a header translated alone keeps the message
		}
		if t.Header == "" {
			c.header = s.header
		}
		s.in[lang] = c
	}
	if unknown == 0 {
		p.timing(n, field, offsetField)
	}
	return s, len(p.Errs) == before
}

// timing checks that the step has exactly one way to fall due.
func (p *parser) timing(n *yaml.Node, field, offsetField string) {
	var set []string
	for _, k := range []string{"every", "anchor", "signal"} {
		if p.Has(n, k) {
			set = append(set, k)
		}
	}
	hasAnchor := p.Has(n, "anchor")
	switch {
	case len(set) == 0 && offsetField == "":
		p.Errorf(n, field, "no timing: set every (e.g. every: 7d), anchor with offset (e.g. anchor: renewal, offset: -90d), or signal")
	case len(set) > 1:
		p.Errorf(n, field, "two timings (%s): a step uses one of every, anchor or signal", strings.Join(set, " and "))
	case hasAnchor && offsetField == "":
		p.Errorf(p.ValueOf(n, "anchor"), field+".anchor", "needs offset or offsets, e.g. offset: -90d")
	case !hasAnchor && offsetField != "":
		p.Errorf(p.ValueOf(n, offsetField[strings.LastIndex(offsetField, ".")+1:]), offsetField, "needs an anchor (%s)", strings.Join(Anchors, " or "))
	}
}

// texts reads a message or header: one template, in the playbook's
// language, or a mapping of languages to templates ("en: ...", "ja: ...")
// whose English (else first) entry is the default; the others go into
// s.Translations.
func (p *parser) texts(s *Step, v *yaml.Node, field string, data any, header bool) (string, *template.Template) {
	if v.Kind != yaml.MappingNode {
		str, ok := p.Str(v, field)
		if !ok {
			return "", nil
		}
		return str, p.template(v, field, str, data)
	}
	type text struct {
		str string
		t   *template.Template
	}
	texts := map[string]text{}
	def := p.ByLanguage(v, field, func(lang string, val *yaml.Node, f string) {
		if str, ok := p.Str(val, f); ok {
			texts[lang] = text{str, p.template(val, f, str, data)}
		}
	})
	for lang, tx := range texts {
		if lang != def {
			s.translate(lang, tx.str, tx.t, header)
		}
	}
	return texts[def].str, texts[def].t
}

// translate records a message, or a header, in lang.
func (s *Step) translate(lang, str string, t *template.Template, header bool) {
	if s.Translations == nil {
		s.Translations, s.in = map[string]Text{}, map[string]compiled{}
	}
	tr, c := s.Translations[lang], s.in[lang]
	if header {
		tr.Header, c.header = str, t
	} else {
		tr.Message, c.message = str, t
	}
	s.Translations[lang], s.in[lang] = tr, c
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
	p.Errs = append(p.Errs, &Error{File: p.File, Line: line, Field: field, Msg: terr.msg})
	return nil
}

// every reads a cadence: 7d, 2w or a Go duration such as 36h.
func (p *parser) every(v *yaml.Node, field string) time.Duration {
	s, ok := p.Str(v, field)
	if !ok {
		return 0
	}
	d, err := parseDuration(s)
	switch {
	case err != nil:
		p.Errorf(v, field, "%v", err)
		return 0
	case d <= 0:
		p.Errorf(v, field, "%s: a cadence must be positive", s)
		return 0
	case d > maxDays*day:
		p.Errorf(v, field, "%s: at most %dd", s, maxDays)
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
		p.Errorf(v, field, "%v", err)
		return 0, false
	case d%day != 0:
		p.Errorf(v, field, "%s: offsets are whole days, e.g. -90d", v.Value)
		return 0, false
	case d > maxDays*day || d < -maxDays*day:
		p.Errorf(v, field, "%s: at most %dd either side of the anchor", v.Value, maxDays)
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
		if d := closeness.Distance(ls, lo); d < bestD && d < len(ls) {
			best, bestD = o, d
		}
	}
	return best
}
