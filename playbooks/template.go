package playbooks

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/csbot/csbot/store/health"
)

// Data is what a step's message template sees, e.g.
//
//	{{.Account}} renews on {{.Renewal}} ({{plural .DaysToRenewal "day"}} from now).
//
// Dates are YYYY-MM-DD (UTC) and "" when unknown.
type Data struct {
	Playbook string // playbook name
	Step     string // step name

	Account string // the account's display name
	Slug    string
	Tier    string // high, low, tech
	Phase   string // onboarding, adoption, expansion
	Owner   string // member id of the owner CSM, "" when unowned
	Region  string
	Segment string
	ARR     int64

	Score int      // health 0..100, -1 without data
	Band  string   // green, yellow, red, none
	Risks []string // the reasons of the churn-risk rules that fire

	LastTouch      string // date of the last touch
	DaysSinceTouch int    // -1 when never touched
	LastTouchAgo   string // "today", "yesterday", "12 days ago", "never"

	Due           string // the day the step fell due
	Renewal       string
	DaysToRenewal int // negative once past; 0 without a renewal date
	PhaseStart    string
	DaysInPhase   int
	Offset        int // anchored steps: days from the anchor, negative before

	Seats       int
	ActiveUsers int
	Utilisation int // active users per seat in percent, -1 without seats
	NPS         int // latest answer 0..10, -1 without one

	Signal        string   // signal steps: the signal
	Reason        string   // signal steps: why it fired, in words
	NextMilestone string   // first milestone not done, "" when none
	Overdue       []string // milestones not done by their due day
}

// BatchData is what a batch step's header template sees.
type BatchData struct {
	Playbook string
	Step     string
	Count    int      // accounts due
	Accounts []string // the names of those listed (at most BatchLines), sorted
}

// funcs are the helpers templates may call besides text/template's own.
var funcs = template.FuncMap{
	// plural 1 "day" = "1 day", plural 3 "day" = "3 days"; negatives count
	// as their size, so "renewed {{plural .DaysToRenewal "day"}} ago" works.
	"plural": func(n int, noun string) string { return health.Plural(max(n, -n), noun) },
	"abs":    func(n int) int { return max(n, -n) },
	"join":   strings.Join,
}

// sampleData has every field set, so executing a template on it reaches
// what a real account would.
var sampleData = Data{
	Playbook: "sample", Step: "sample",
	Account: "Acme Corp", Slug: "acme-corp", Tier: "high", Phase: "onboarding", Owner: "aiko",
	Region: "Tokyo", Segment: "enterprise", ARR: 120000,
	Score: 55, Band: "yellow", Risks: []string{"health fell 18 points in 30 days"},
	LastTouch: "2026-03-01", DaysSinceTouch: 9, LastTouchAgo: "9 days ago",
	Due: "2026-03-08", Renewal: "2026-07-08", DaysToRenewal: 120, PhaseStart: "2026-02-01", DaysInPhase: 37, Offset: -120,
	Seats: 40, ActiveUsers: 12, Utilisation: 30, NPS: 5,
	Signal: SignalUsageDrop, Reason: "12 of 40 seats active (30%)", NextMilestone: "Data imported", Overdue: []string{"Admin configured"},
}

var sampleBatch = BatchData{Playbook: "sample", Step: "sample", Count: 2, Accounts: []string{"Acme Corp", "Globex"}}

// maxOutput bounds what checking a template on sample data may write.
const maxOutput = 64 << 10

// tmplError is a template problem at a line of the template text (1-based).
type tmplError struct {
	line int
	msg  string
}

// compile parses a message template and checks it against the data type:
// every field it names must exist, and it must run on sample data.
func compile(name, text string, data any) (*template.Template, *tmplError) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, templateError(name, err)
	}
	if len(t.Templates()) > 1 {
		return nil, &tmplError{line: 1, msg: "{{define}} and {{block}} are not supported in playbook messages"}
	}
	c := checker{tree: t.Tree, root: reflect.TypeOf(data)}
	c.list(t.Root, c.root)
	if c.err != nil {
		return nil, c.err
	}
	if err := t.Execute(&limitWriter{n: maxOutput}, data); err != nil {
		return nil, templateError(name, err)
	}
	return t, nil
}

var (
	tmplLine    = regexp.MustCompile(`^template: [^:]*:(\d+)(?::\d+)?: (?:executing "[^"]*" )?`)
	tmplStarted = regexp.MustCompile(` started at [^:]*:\d+$`)
)

// templateError turns text/template's "template: message:3:5: ..." into a
// line and a message.
func templateError(name string, err error) *tmplError {
	msg := err.Error()
	line := 1
	if m := tmplLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(msg, "template: "+name+": ")
	msg = tmplStarted.ReplaceAllString(msg, "") // "unclosed action started at message:2"
	return &tmplError{line: line, msg: msg}
}

type limitWriter struct{ n int }

var errTooLong = errors.New("output longer than 64 KiB")

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errTooLong
	}
	w.n -= len(p)
	return len(p), nil
}

var _ io.Writer = (*limitWriter)(nil)

// checker walks a template's parse tree, following the type of dot, and
// records the first field that the data type does not have. Where the type
// is not known (variables, function results) it stops checking; executing
// on sample data covers those.
type checker struct {
	tree *parse.Tree
	root reflect.Type
	err  *tmplError
}

func (c *checker) fail(n parse.Node, format string, args ...any) {
	if c.err != nil {
		return
	}
	line := 1
	loc, _ := c.tree.ErrorContext(n)
	if parts := strings.Split(loc, ":"); len(parts) >= 2 {
		if l, err := strconv.Atoi(parts[len(parts)-2]); err == nil {
			line = l
		}
	}
	c.err = &tmplError{line: line, msg: fmt.Sprintf(format, args...)}
}

func (c *checker) list(l *parse.ListNode, dot reflect.Type) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		c.node(n, dot)
	}
}

func (c *checker) node(n parse.Node, dot reflect.Type) {
	switch n := n.(type) {
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot)
	case *parse.IfNode:
		c.pipe(n.Pipe, dot)
		c.list(n.List, dot)
		c.list(n.ElseList, dot)
	case *parse.WithNode:
		t := c.pipe(n.Pipe, dot)
		c.list(n.List, t)
		c.list(n.ElseList, dot)
	case *parse.RangeNode:
		// Only over the lists of the data (.Risks, .Overdue, .Accounts), so
		// a message's cost is bounded by the account, not by a number in it.
		t := elem(c.pipe(n.Pipe, dot))
		if t == nil && c.err == nil {
			c.fail(n, "range works only over lists such as .Risks or .Overdue")
		}
		c.list(n.List, t)
		c.list(n.ElseList, dot)
	case *parse.TemplateNode:
		c.fail(n, "{{template}} is not supported in playbook messages")
	}
}

// pipe checks a pipeline and returns the type it yields when known.
func (c *checker) pipe(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var out reflect.Type
	for i, cmd := range p.Cmds {
		out = nil
		for _, arg := range cmd.Args {
			t := c.arg(arg, dot)
			if len(cmd.Args) == 1 && i == len(p.Cmds)-1 {
				out = t
			}
		}
	}
	return out
}

func (c *checker) arg(n parse.Node, dot reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(n, dot, n.Ident)
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			return c.fields(n, c.root, n.Ident[1:])
		}
	case *parse.ChainNode:
		c.arg(n.Node, dot)
	case *parse.PipeNode:
		return c.pipe(n, dot)
	}
	return nil
}

// fields resolves a chain of field names from t; it reports the first
// that does not exist and returns the final type, or nil when unknown.
func (c *checker) fields(n parse.Node, t reflect.Type, idents []string) reflect.Type {
	for _, id := range idents {
		if t == nil {
			return nil
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := t.FieldByName(id)
			if !ok || !f.IsExported() {
				c.fail(n, "unknown field .%s%s", id, suggestField(t, id))
				return nil
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		case reflect.Interface:
			return nil
		default:
			c.fail(n, "can't use .%s on %s", id, t)
			return nil
		}
	}
	return t
}

func elem(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	}
	return nil
}

func suggestField(t reflect.Type, id string) string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, f.Name)
		}
	}
	if s := closest(id, names); s != "" {
		return " (did you mean ." + s + "?)"
	}
	if len(names) <= 6 {
		return " (use ." + strings.Join(names, ", .") + ")"
	}
	return " (the fields are listed in the README and on playbooks.Data)"
}
