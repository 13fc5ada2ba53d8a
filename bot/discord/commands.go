package discord

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/csbot/csbot/bot"
)

// RootCommand is the one application command csbot registers: /cs.
const RootCommand = "cs"

// Discord's application command limits, from its public docs.
const (
	maxOptions     = 25   // subcommands of a command or group, options of a subcommand
	maxNameLen     = 32   // command and option names
	maxDescLen     = 100  // descriptions
	maxCommandSize = 8000 // names, descriptions and choices of one command together
	maxChoices     = 25
)

// optKind says how an option's value goes into the command line.
type optKind int

const (
	optText   optKind = iota // one word, quoted when it holds spaces
	optMember                // "@id"; the @ is added when left out
	optFlag                  // a boolean: true adds the word
	optChoice                // one of fixed words
	optRest                  // free text, written as typed
	optConst                 // a literal the line always has; not a Discord option
)

// option is one part of a subcommand's line after its name.
type option struct {
	name     string
	kind     optKind
	required bool
	// prefix goes before the value: "mentor " for [mentor @m], "tier:" for tier:T.
	prefix string
	// word is the literal of optFlag and optConst.
	word         string
	choices      []string
	desc         string
	autocomplete bool
}

// branch is one Discord subcommand and the command line it runs.
type branch struct {
	name string
	// words start the line: "health", or "playbook start".
	words []string
	desc  string
	// opts are in the order of the usage grammar, the order of the line.
	opts []option
}

// command is one registry command: a subcommand, or a group of subcommands
// when its usage is a choice of words ("list | start <playbook> ...").
type command struct {
	name  string
	desc  string
	plain *branch
	group []*branch
}

// commandSet is the registry as Discord sees it.
type commandSet struct {
	cmds []*command
}

// newCommandSet derives the Discord commands from each command's usage
// grammar, so a new or changed command needs no code here.
func newCommandSet(reg *bot.Registry) (*commandSet, error) {
	cs := &commandSet{}
	var names []string
	for _, c := range reg.Commands() {
		cmd := deriveCommand(c)
		cmd.name = unique(sanitize(c.Name), names)
		names = append(names, cmd.name)
		cs.cmds = append(cs.cmds, cmd)
	}
	if len(cs.cmds) > maxOptions {
		return nil, fmt.Errorf("discord: %d commands, but /%s takes at most %d subcommands", len(cs.cmds), RootCommand, maxOptions)
	}
	for _, c := range cs.cmds {
		if len(c.group) > maxOptions {
			return nil, fmt.Errorf("discord: /%s %s has %d subcommands, at most %d fit", RootCommand, c.name, len(c.group), maxOptions)
		}
		for _, b := range c.branches() {
			if n := len(b.discordOptions()); n > maxOptions {
				return nil, fmt.Errorf("discord: /%s %s has %d options, at most %d fit", RootCommand, strings.Join(b.words, " "), n, maxOptions)
			}
		}
	}
	if n := commandSize(cs.applicationCommand()); n > maxCommandSize {
		return nil, fmt.Errorf("discord: /%s would take %d characters of names and descriptions, Discord allows %d", RootCommand, n, maxCommandSize)
	}
	return cs, nil
}

func (c *command) branches() []*branch {
	if c.plain != nil {
		return []*branch{c.plain}
	}
	return c.group
}

func deriveCommand(c bot.Command) *command {
	cmd := &command{desc: clipText(or(c.Summary, c.Name), maxDescLen)}
	literal := literalWords(c)
	alts, err := parseUsage(c.Usage)
	// "[list | show <team> | ...]": an optional choice of subcommands is
	// still a choice; the one without arguments is the default.
	if err == nil && len(alts) == 1 && len(alts[0]) == 1 && len(alts[0][0].group) > 1 {
		alts = alts[0][0].group
	}
	if err == nil && len(alts) > 1 {
		if group, ok := deriveGroup(c.Name, alts, literal); ok {
			cmd.group = group
			return cmd
		}
	}
	b := &branch{name: sanitize(c.Name), words: []string{c.Name}, desc: cmd.desc}
	if err == nil && len(alts) == 1 {
		b.opts = deriveOptions(alts[0], true, literal)
	} else {
		// A grammar this cannot map still runs: the rest of the line as typed.
		b.opts = []option{{name: "text", kind: optRest, desc: clipText(or(c.Usage, "arguments"), maxDescLen)}}
	}
	b.opts = finish(b.opts)
	cmd.plain = b
	return cmd
}

// deriveGroup makes one subcommand per alternative, named by the literal
// word that starts it ("start|stop <playbook>" makes two); it fails when an
// alternative starts otherwise.
func deriveGroup(cmdName string, alts [][]item, literal map[string]bool) ([]*branch, bool) {
	var group []*branch
	var names []string
	for _, alt := range alts {
		if len(alt) == 0 || alt[0].group != nil {
			return nil, false
		}
		for _, w := range strings.Split(alt[0].word, "|") {
			if !isLiteral(w) {
				return nil, false
			}
			name := unique(sanitize(w), names)
			names = append(names, name)
			group = append(group, &branch{
				name:  name,
				words: []string{cmdName, w},
				desc:  clipText(strings.Join(append([]string{w}, words(alt[1:])...), " "), maxDescLen),
				opts:  finish(deriveOptions(alt[1:], true, literal)),
			})
		}
	}
	return group, true
}

// words writes items back as usage text.
func words(items []item) []string {
	var out []string
	for _, it := range items {
		if it.group == nil {
			out = append(out, it.word)
			continue
		}
		var alts []string
		for _, a := range it.group {
			alts = append(alts, strings.Join(words(a), " "))
		}
		out = append(out, "["+strings.Join(alts, " | ")+"]")
	}
	return out
}

// deriveOptions maps a sequence of the grammar to options. A bare word in
// brackets is a flag when literal has it ("[share]", "[risk]"), else a
// placeholder ("[command]", "[evidence]").
func deriveOptions(seq []item, required bool, literal map[string]bool) []option {
	var opts []option
	for _, it := range seq {
		switch {
		case it.word == "...":
			// A repeated item takes the rest of the line.
			if n := len(opts); n > 0 && opts[n-1].kind != optConst {
				opts[n-1].kind = optRest
				opts[n-1].prefix = ""
				if !strings.HasSuffix(opts[n-1].name, "s") {
					opts[n-1].name += "s"
				}
				opts[n-1].desc = clipText(strings.TrimSpace(opts[n-1].desc+" ..."), maxDescLen)
			}
		case it.group != nil && len(it.group) == 1:
			sub := it.group[0]
			switch {
			case len(sub) == 1 && sub[0].group == nil && literal[sub[0].word]:
				opts = append(opts, flagOption(sub[0].word))
			case len(sub) == 2 && sub[0].group == nil && sub[1].group == nil && isLiteral(sub[0].word) && !isLiteral(sub[1].word) && sub[1].word != "...":
				// "[mentor @m]": the option is named by its word.
				o := wordOption(sub[1].word, false)
				o.name, o.prefix = sanitize(sub[0].word), sub[0].word+" "
				o.desc = clipText(sub[0].word+": "+o.desc, maxDescLen)
				opts = append(opts, o)
			default:
				opts = append(opts, deriveOptions(sub, false, literal)...)
			}
		case it.group != nil:
			// A choice of sequences inside a line: taken as typed.
			opts = append(opts, option{name: "more", kind: optRest, desc: clipText(strings.Join(words([]item{it}), " "), maxDescLen)})
		case isLiteral(it.word) && required:
			opts = append(opts, option{kind: optConst, word: it.word})
		case literal[it.word]:
			opts = append(opts, flagOption(it.word))
		default:
			opts = append(opts, wordOption(it.word, required))
		}
	}
	return opts
}

// literalWords are the words a command's examples and help show typed as
// they are ("/cs accounts risk", "`chart`", "chart:churn"), and "share",
// which every answer takes.
func literalWords(c bot.Command) map[string]bool {
	lit := map[string]bool{"share": true}
	add := func(w string) {
		w = strings.ToLower(w)
		key, _, _ := strings.Cut(w, ":")
		lit[w], lit[key] = true, true
	}
	for _, ex := range c.Examples {
		for _, w := range bot.Tokenize(ex) {
			add(w)
		}
	}
	parts := strings.Split(c.Help, "`")
	for i := 1; i < len(parts); i += 2 {
		if !strings.ContainsAny(parts[i], " <") {
			add(parts[i])
		}
	}
	return lit
}

func flagOption(w string) option {
	desc := "Adds “" + w + "”"
	if w == "share" {
		desc = "Show the answer to the whole channel, not only to you"
	}
	return option{name: sanitize(w), kind: optFlag, word: w, desc: desc}
}

// wordOption maps one word of the grammar: <name>, @name, key:V (key:a|b
// for a choice), a choice such as mine|team|all, or a bare placeholder
// such as YYYY-MM-DD.
func wordOption(w string, required bool) option {
	o := option{required: required, kind: optText, desc: clipText(w, maxDescLen)}
	key, v, hasKey := strings.Cut(w, ":")
	switch {
	case hasKey && isLiteral(key):
		o.name, o.prefix = sanitize(key), key+":"
		o.desc = clipText(key+": "+v, maxDescLen)
		if key == "key" { // key:value pairs
			o.name = sanitize(v)
		}
		if alts := strings.Split(v, "|"); len(alts) > 1 && allLiteral(alts) {
			o.kind, o.choices = optChoice, alts
		}
	case strings.Contains(w, "|"):
		// A choice is named by its words, so the name says what it takes.
		alts := strings.Split(w, "|")
		var parts []string
		for _, a := range alts {
			key, _, _ := strings.Cut(a, ":")
			parts = append(parts, sanitize(strings.Trim(key, "@<>")))
		}
		o.name = strings.Join(parts, "-or-")
		if len(o.name) > maxNameLen {
			o.name = "choice"
		}
		o.desc = clipText("One of: "+strings.Join(alts, ", "), maxDescLen)
		if allLiteral(alts) {
			o.kind, o.choices = optChoice, alts
		}
	case strings.HasPrefix(w, "@"):
		o.kind, o.name = optMember, sanitize(w[1:])
		o.desc = "csbot member id, e.g. aiko"
	case strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">"):
		o.name = sanitize(strings.Trim(w, "<>"))
		o.desc = clipText(strings.ReplaceAll(strings.Trim(w, "<>"), "-", " "), maxDescLen)
	default:
		o.name = sanitize(w)
	}
	if o.name == "account" {
		o.autocomplete = true
		o.desc = "Account: slug, name or the start of it"
	}
	return o
}

func allLiteral(words []string) bool {
	return len(words) <= maxChoices && !slices.ContainsFunc(words, func(w string) bool { return !isLiteral(w) })
}

// finish makes the last free word take the rest of the line as typed
// (note text, evidence) and names unique.
func finish(opts []option) []option {
	for i := len(opts) - 1; i >= 0; i-- {
		if opts[i].kind == optConst {
			continue
		}
		if opts[i].kind == optText && opts[i].prefix == "" {
			opts[i].kind = optRest
		}
		break
	}
	var names []string
	for i := range opts {
		if opts[i].kind == optConst {
			continue
		}
		opts[i].name = unique(opts[i].name, names)
		names = append(names, opts[i].name)
	}
	return opts
}

// discordOptions are the options as registered: required ones first, as
// Discord demands; the line keeps the grammar's order.
func (b *branch) discordOptions() []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, o := range b.opts {
		if o.kind == optConst {
			continue
		}
		d := &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: o.name, Description: or(o.desc, o.name),
			Required: o.required, Autocomplete: o.autocomplete,
		}
		if o.kind == optFlag {
			d.Type = discordgo.ApplicationCommandOptionBoolean
		}
		for _, c := range o.choices {
			d.Choices = append(d.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(x, y *discordgo.ApplicationCommandOption) int {
		switch {
		case x.Required == y.Required:
			return 0
		case x.Required:
			return -1
		}
		return 1
	})
	return out
}

// applicationCommand is /cs as Register publishes it.
func (cs *commandSet) applicationCommand() *discordgo.ApplicationCommand {
	root := &discordgo.ApplicationCommand{
		Type:             discordgo.ChatApplicationCommand,
		Name:             RootCommand,
		Description:      "csbot: account health, onboarding, churn risks, playbooks and checklists",
		Contexts:         &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM},
		IntegrationTypes: &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall},
	}
	for _, c := range cs.cmds {
		if c.plain != nil {
			root.Options = append(root.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: c.name, Description: c.desc, Options: c.plain.discordOptions(),
			})
			continue
		}
		g := &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommandGroup, Name: c.name, Description: c.desc}
		for _, b := range c.group {
			g.Options = append(g.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: b.name, Description: b.desc, Options: b.discordOptions(),
			})
		}
		root.Options = append(root.Options, g)
	}
	return root
}

// commandSize counts what Discord's 8,000-character limit counts.
func commandSize(c *discordgo.ApplicationCommand) int {
	n := utf8.RuneCountInString(c.Name) + utf8.RuneCountInString(c.Description)
	var walk func([]*discordgo.ApplicationCommandOption)
	walk = func(opts []*discordgo.ApplicationCommandOption) {
		for _, o := range opts {
			n += utf8.RuneCountInString(o.Name) + utf8.RuneCountInString(o.Description)
			for _, ch := range o.Choices {
				n += utf8.RuneCountInString(ch.Name) + utf8.RuneCountInString(fmt.Sprint(ch.Value))
			}
			walk(o.Options)
		}
	}
	walk(c.Options)
	return n
}

// errStaleCommand marks an interaction for a command csbot no longer has.
var errStaleCommand = errors.New("this Discord command is not one csbot knows any more: ask an admin to run `csbot discord register`")

// find returns the subcommand an interaction names and its options.
func (cs *commandSet) find(d discordgo.ApplicationCommandInteractionData) (*branch, []*discordgo.ApplicationCommandInteractionDataOption, error) {
	if d.Name != RootCommand || len(d.Options) == 0 || d.Options[0] == nil {
		return nil, nil, errStaleCommand
	}
	top := d.Options[0]
	for _, c := range cs.cmds {
		if c.name != top.Name {
			continue
		}
		switch {
		case top.Type == discordgo.ApplicationCommandOptionSubCommand && c.plain != nil:
			return c.plain, top.Options, nil
		case top.Type == discordgo.ApplicationCommandOptionSubCommandGroup && c.group != nil && len(top.Options) > 0 && top.Options[0] != nil:
			for _, b := range c.group {
				if b.name == top.Options[0].Name {
					return b, top.Options[0].Options, nil
				}
			}
		}
	}
	return nil, nil, errStaleCommand
}

// line builds the command line a slash command runs, e.g. subcommand
// "health" with account=acme and share=true gives "health acme share".
func (cs *commandSet) line(d discordgo.ApplicationCommandInteractionData) (string, error) {
	b, given, err := cs.find(d)
	if err != nil {
		return "", err
	}
	values := map[string]any{}
	for _, o := range given {
		if o != nil {
			values[o.Name] = o.Value
		}
	}
	out := slices.Clone(b.words)
	for _, o := range b.opts {
		if o.kind == optConst {
			out = append(out, o.word)
			continue
		}
		v, ok := values[o.name]
		if o.kind == optFlag {
			if v == true {
				out = append(out, o.word)
			}
			continue
		}
		s := ""
		if ok {
			s = strings.TrimSpace(fmt.Sprint(v))
		}
		if s == "" {
			if o.required {
				return "", fmt.Errorf("option %s is required", o.name)
			}
			continue
		}
		switch o.kind {
		case optMember:
			if !strings.HasPrefix(s, "@") {
				s = "@" + s
			}
		case optRest:
			out = append(out, o.prefix+s)
			continue
		}
		out = append(out, o.prefix+bot.Quote(s))
	}
	return strings.Join(out, " "), nil
}

// option returns the spec of an option of an interaction's subcommand.
func (b *branch) option(name string) (option, bool) {
	for _, o := range b.opts {
		if o.kind != optConst && o.name == name {
			return o, true
		}
	}
	return option{}, false
}

// item is a word of a usage grammar or a bracketed group of alternatives.
type item struct {
	word  string
	group [][]item
}

// parseUsage reads a usage grammar: words, [optional groups], " | "
// between alternatives, and a|b|c (no spaces) for a choice of words.
func parseUsage(usage string) ([][]item, error) {
	p := &usageParser{toks: usageTokens(usage)}
	alts, err := p.alts(false)
	if err != nil {
		return nil, fmt.Errorf("usage %q: %w", usage, err)
	}
	return alts, nil
}

// usageTokens splits a grammar into words and the tokens "[", "]" and "|".
func usageTokens(usage string) []string {
	var toks []string
	for _, chunk := range strings.Fields(usage) {
		for strings.HasPrefix(chunk, "[") {
			toks, chunk = append(toks, "["), chunk[1:]
		}
		closing := 0
		for strings.HasSuffix(chunk, "]") {
			closing, chunk = closing+1, chunk[:len(chunk)-1]
		}
		if chunk != "" {
			toks = append(toks, chunk)
		}
		for range closing {
			toks = append(toks, "]")
		}
	}
	return toks
}

type usageParser struct {
	toks []string
	i    int
}

func (p *usageParser) alts(inGroup bool) ([][]item, error) {
	var alts [][]item
	var cur []item
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		p.i++
		switch t {
		case "[":
			g, err := p.alts(true)
			if err != nil {
				return nil, err
			}
			cur = append(cur, item{group: g})
		case "]":
			if !inGroup {
				return nil, errors.New("a ] without its [")
			}
			return append(alts, cur), nil
		case "|":
			alts, cur = append(alts, cur), nil
		default:
			cur = append(cur, item{word: t})
		}
	}
	if inGroup {
		return nil, errors.New("a [ without its ]")
	}
	return append(alts, cur), nil
}

// isLiteral reports a word typed as is, such as "list" or "share".
func isLiteral(w string) bool {
	if w == "" {
		return false
	}
	for i, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && r == '-') {
			return false
		}
	}
	return true
}

// sanitize makes a Discord option or command name: lower case letters,
// digits, - and _, at most 32.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "value"
	}
	return clipRunes(out, maxNameLen)
}

// unique returns name, or name-2, name-3... when taken.
func unique(name string, taken []string) string {
	out := name
	for n := 2; slices.Contains(taken, out); n++ {
		suffix := fmt.Sprintf("-%d", n)
		out = clipRunes(name, maxNameLen-len(suffix)) + suffix
	}
	return out
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
