package bot

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/csbot/csbot/bot/i18n"
)

// Kind is what an argument takes, and so how it is checked and offered.
type Kind int

const (
	// Word is one word; quotes group several ("Kanto East").
	Word Kind = iota
	// Account is an account's slug, name or the start of it. Unless free
	// text follows it, it takes every word up to the arguments after it,
	// so `/cs health Acme Corp share` needs no quotes. The command resolves it.
	Account
	// Member is a csbot member id, typed with or without "@"; the value
	// is the bare id in lower case.
	Member
	// Duration is a span such as 30m, 12h, 1d or 2w.
	Duration
	// Date is a calendar day, YYYY-MM-DD.
	Date
	// Enum is one of Choices, in any case; the value is the choice.
	Enum
	// Text is the rest of the line exactly as typed, quotes and all.
	Text
	// Flag is a word present or not, such as "share".
	Flag
)

// Arg is one argument of a command or subcommand. Positional arguments
// fill in the order declared; flags, enums, options and "@member" words
// are recognised by their form wherever they stand.
type Arg struct {
	// Name is how handlers ask for it (req.Arg("tier")), what errors call
	// it, and the Discord option's name: lower case, digits and '-'.
	Name     string
	Kind     Kind
	Required bool
	// Choices are the values an Enum (or a Duration) accepts.
	Choices []string
	// Option arguments are typed name:value, anywhere: tier:high. An
	// enum's choice may also be typed bare: 90d for period:90d.
	Option bool
	// Spaced options may also be typed "name value": mentor @aiko.
	Spaced bool
	// Bare is an option's value when its name is typed alone: `chart` is
	// chart:nrr.
	Bare string
	// Help says what the argument is, for help and Discord.
	Help string
}

// Subcommand is one verb of a command with several: `/cs playbook start`.
type Subcommand struct {
	Name    string
	Args    []Arg
	Summary string
	Handler Handler
}

// positional reports an argument filled by place rather than by form.
func (a Arg) positional() bool { return !a.Option && a.Kind != Flag }

// durationRE is a whole number and a unit: minutes, hours, days, weeks.
var durationRE = regexp.MustCompile(`^([0-9]{1,4})([mhdw])$`)

// ParseDuration reads 30m, 12h, 1d or 2w.
func ParseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("'%s' is not a duration: use a number and m, h, d or w, e.g. 1d", s)
	}
	n, _ := strconv.Atoi(m[1]) // at most four digits
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// check validates a raw value and returns it as handlers read it. Its
// refusals, like every refusal of typed arguments, are keys of
// locales/args.*.yaml, written in the member's language.
func (a Arg) check(raw string) (string, error) {
	v := strings.TrimSpace(raw)
	switch a.Kind {
	case Member:
		v = strings.ToLower(strings.TrimPrefix(v, "@"))
		if v == "" && !a.Option {
			return "", UsageRefusal("args.member_needed", i18n.Data{"Name": a.Name})
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r == '@' || unicode.IsSpace(r) }) {
			return "", UsageRefusal("args.not_member", i18n.Data{"Value": raw, "Name": a.Name})
		}
	case Enum:
		if i := slices.IndexFunc(a.Choices, func(c string) bool { return strings.EqualFold(c, v) }); i >= 0 {
			return a.Choices[i], nil
		}
		return "", a.notChoice()
	case Duration:
		v = strings.ToLower(v)
		if len(a.Choices) > 0 && !slices.Contains(a.Choices, v) {
			return "", a.notChoice()
		}
		if _, err := ParseDuration(v); err != nil {
			return "", UsageRefusal("args.not_duration", i18n.Data{"Value": v, "Name": a.Name})
		}
	case Date:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "", UsageRefusal("args.not_date", i18n.Data{"Value": v, "Name": a.Name})
		}
	case Text:
		v = raw
	case Flag:
		v = "true"
	}
	return v, nil
}

// notChoice is the error for a value that is none of the choices.
func (a Arg) notChoice() error {
	return UsageRefusal("args.one_of", i18n.Data{"Name": a.Name, "Choices": i18n.List(a.Choices)})
}

// missing is the error for a required argument not given.
func (a Arg) missing() error {
	switch a.Kind {
	case Account:
		return UsageRefusal(MissingAccount, nil)
	case Member:
		return UsageRefusal("args.missing_member", i18n.Data{"Name": a.Name})
	}
	return UsageRefusal("args.missing", i18n.Data{"Name": a.Name})
}

// MissingAccount is the catalogue key of the question asked when no
// account is named.
const MissingAccount = "args.missing_account"

// token is a word of a command line and where it stands in the line.
type token struct {
	val        string
	start, end int
}

// lex splits a line into words as Tokenize does, keeping each word's span
// so free text can be taken exactly as typed.
func lex(s string) []token {
	var out []token
	rest := s
	for {
		start := len(s) - len(strings.TrimLeftFunc(rest, unicode.IsSpace))
		word, after, ok := CutWord(rest)
		if !ok {
			return out
		}
		end := len(strings.TrimRightFunc(s[:len(s)-len(after)], unicode.IsSpace))
		out = append(out, token{word, start, end})
		rest = after
	}
}

// parser reads one line against one argument list.
type parser struct {
	args []Arg
	vals map[string]string
}

// parseArgs reads the words after a (sub)command's name. Arguments before
// the greedy one (free text, else the last account) are read from the
// left; those after it from the right end of the line; the greedy one
// takes what lies between.
func parseArgs(args []Arg, line string) (map[string]string, error) {
	toks := lex(line)
	p := &parser{args: args, vals: map[string]string{}}
	g := greedy(args)
	lead, trail := args, []Arg(nil)
	if g >= 0 {
		lead, trail = args[:g], args[g+1:]
	}
	lo := 0
	for lo < len(toks) {
		n, err := p.take(lead, toks[lo:], g < 0)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			if g < 0 {
				return nil, p.unknown(toks[lo].val)
			}
			break
		}
		lo += n
	}
	hi := len(toks)
	if g >= 0 {
		keep := 0
		if args[g].Required {
			keep = 1
		}
		for hi-lo > keep {
			ok, err := p.takeLast(trail, toks[hi-1].val)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			hi--
		}
		if hi > lo {
			ga := args[g]
			raw := line[toks[lo].start:toks[hi-1].end]
			if ga.Kind == Account {
				words := make([]string, 0, hi-lo)
				for _, t := range toks[lo:hi] {
					words = append(words, t.val)
				}
				raw = strings.Join(words, " ")
			}
			v, err := ga.check(raw)
			if err != nil {
				return nil, err
			}
			p.vals[ga.Name] = v
		}
	}
	for _, a := range args {
		if _, ok := p.vals[a.Name]; a.Required && !ok {
			return nil, a.missing()
		}
	}
	return p.vals, nil
}

// greedy is the index of the argument that takes several words: the
// first free text, else the last positional account; -1 for none.
func greedy(args []Arg) int {
	if i := slices.IndexFunc(args, func(a Arg) bool { return a.Kind == Text && a.positional() }); i >= 0 {
		return i
	}
	for i := len(args) - 1; i >= 0; i-- {
		if args[i].Kind == Account && args[i].positional() {
			return i
		}
	}
	return -1
}

func (p *parser) set(a Arg, raw, typed string) error {
	if prev, dup := p.vals[a.Name]; dup {
		if prev == "" {
			return UsageRefusal("args.twice_empty", i18n.Data{"Name": a.Name, "Second": typed})
		}
		return UsageRefusal("args.twice", i18n.Data{"Name": a.Name, "First": prev, "Second": typed})
	}
	v, err := a.check(raw)
	if err != nil {
		return err
	}
	p.vals[a.Name] = v
	return nil
}

// take reads the word (or two, for a spaced option) at the start of toks
// into one of args, by form, else into the next free positional
// argument. It returns how many words it took: 0 when none fits. strict
// refuses a word that names an argument already given.
func (p *parser) take(args []Arg, toks []token, strict bool) (int, error) {
	w := toks[0].val
	lw := strings.ToLower(w)
	key, val, hasKey := strings.Cut(w, ":")
	for _, a := range args {
		_, given := p.vals[a.Name]
		switch {
		case hasKey && a.Option && strings.EqualFold(key, a.Name):
			return 1, p.set(a, val, w)
		case a.Kind == Flag && lw == a.Name,
			a.Bare != "" && lw == a.Name:
			if given && !strict {
				return 0, nil
			}
			return 1, p.set(a, cmp.Or(a.Bare, "true"), w)
		case a.Kind == Enum && a.isChoice(w):
			if given {
				if !strict {
					return 0, nil
				}
				// Another enum may take it; a repeat is refused below.
				continue
			}
			return 1, p.set(a, w, w)
		}
	}
	for _, a := range args {
		if a.Kind == Enum && a.isChoice(w) {
			return 1, p.set(a, w, w) // given twice
		}
	}
	for _, a := range args {
		_, given := p.vals[a.Name]
		switch {
		case a.Spaced && lw == a.Name && len(toks) > 1:
			return 2, p.set(a, toks[1].val, w+" "+toks[1].val)
		case a.Kind == Member && a.positional() && !given && strings.HasPrefix(w, "@"):
			return 1, p.set(a, w, w)
		}
	}
	for _, a := range args {
		if _, given := p.vals[a.Name]; given || !a.positional() {
			continue
		}
		if a.Kind == Member && !a.Required && !strings.HasPrefix(w, "@") {
			continue // an optional @member is known by its @
		}
		if a.Kind == Enum && hasKey {
			return 0, p.unknown(w) // a mistyped option, not a choice
		}
		return 1, p.set(a, w, w)
	}
	return 0, nil
}

// takeLast reads w, the last word left, into one of the arguments after
// the greedy one, by form or as the last free positional one. It reports
// false when none fits, which ends the arguments read from the right.
func (p *parser) takeLast(args []Arg, w string) (bool, error) {
	lw := strings.ToLower(w)
	key, val, hasKey := strings.Cut(w, ":")
	for _, a := range args {
		if _, given := p.vals[a.Name]; given {
			continue
		}
		switch {
		case hasKey && a.Option && strings.EqualFold(key, a.Name):
			return true, p.set(a, val, w)
		case a.Kind == Flag && lw == a.Name, a.Bare != "" && lw == a.Name:
			return true, p.set(a, cmp.Or(a.Bare, "true"), w)
		case a.Kind == Enum && a.isChoice(w):
			return true, p.set(a, w, w)
		}
	}
	for i := len(args) - 1; i >= 0; i-- {
		a := args[i]
		// Only what its form tells from the greedy argument's words: a
		// choice (above), an @member, or a required value.
		if _, given := p.vals[a.Name]; given || !a.positional() || a.Kind == Enum || !a.Required && a.Kind != Member {
			continue
		}
		if a.Kind == Member && !strings.HasPrefix(w, "@") {
			return false, nil
		}
		return true, p.set(a, w, w)
	}
	return false, nil
}

func (a Arg) isChoice(w string) bool {
	return slices.ContainsFunc(a.Choices, func(c string) bool { return strings.EqualFold(c, w) })
}

// unknown is the error for a word no argument takes.
func (p *parser) unknown(w string) error {
	var opts []string
	for _, a := range p.args {
		if a.Option {
			opts = append(opts, a.Name)
		}
	}
	if key, _, ok := strings.Cut(w, ":"); ok && key != "" && len(opts) > 0 {
		return UsageRefusal("args.not_setting", i18n.Data{"Word": w, "Options": i18n.List(opts)})
	}
	return UsageRefusal("args.not_understood", i18n.Data{"Word": w})
}

// checkValues validates arguments given by name, as platforms with forms
// (Discord's options) send them. A flag is given by any value but "false".
func checkValues(args []Arg, given map[string]string) (map[string]string, error) {
	vals := map[string]string{}
	for name, raw := range given {
		i := slices.IndexFunc(args, func(a Arg) bool { return a.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("%w: there is no option %q", errStaleCall, name)
		}
		a := args[i]
		if a.Kind == Flag && raw != "true" || strings.TrimSpace(raw) == "" && !a.Option {
			continue
		}
		v, err := a.check(raw)
		if err != nil {
			return nil, err
		}
		vals[name] = v
	}
	for _, a := range args {
		if _, ok := vals[a.Name]; a.Required && !ok {
			return nil, a.missing()
		}
	}
	return vals, nil
}

// maxInlineOptions is the most options a usage line spells out; more are
// shown as [key:value ...] and listed by `/cs help <command>`.
const maxInlineOptions = 5

// ArgsUsage writes an argument list as a usage grammar:
// "<account> [why|chart] [share]".
func ArgsUsage(args []Arg) string {
	options := 0
	for _, a := range args {
		if a.Option {
			options++
		}
	}
	var parts []string
	collapsed := false
	for _, a := range args {
		if a.Option && options > maxInlineOptions {
			if !collapsed {
				parts, collapsed = append(parts, "[key:value ...]"), true
			}
			continue
		}
		parts = append(parts, a.usage())
	}
	return strings.Join(parts, " ")
}

func (a Arg) usage() string {
	hint := a.hint()
	switch {
	case a.Kind == Flag:
		return "[" + a.Name + "]"
	case a.Bare != "":
		return "[" + a.Name + "[:" + hint + "]]"
	case a.Spaced:
		hint = a.Name + " " + hint
	case a.Option:
		hint = a.Name + ":" + hint
	}
	if a.Required {
		return hint
	}
	if strings.HasPrefix(hint, "<") {
		hint = strings.Trim(hint, "<>")
	}
	return "[" + hint + "]"
}

// hint is what a value looks like: high|low|tech, @id, YYYY-MM-DD.
func (a Arg) hint() string {
	switch {
	case len(a.Choices) > 0 && len(a.Choices) <= 6:
		return strings.Join(a.Choices, "|")
	case a.Kind == Member && a.positional():
		return "@" + a.Name
	case a.Kind == Member:
		return "@id"
	case a.Kind == Date:
		return "YYYY-MM-DD"
	}
	return "<" + a.Name + ">"
}
