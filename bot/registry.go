package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/suggest"
)

// Command is one `/cs` command, described as data: the router parses its
// arguments, help and usage lines are written from them, and Discord
// registers them as options.
type Command struct {
	Name    string
	Aliases []string
	// Args are the arguments after the name.
	Args []Arg
	// Subcommands, when set, take the place of Args: the first word names
	// one, whose arguments follow.
	Subcommands []Subcommand
	// Default is the subcommand run when none is named; empty makes
	// naming one required.
	Default  string
	Summary  string
	Help     string
	Examples []string
	// Slow commands may take longer than a platform's ack window.
	Slow bool
	// Handler runs the command; a subcommand without a handler of its own
	// runs this one, with Request.Sub set.
	Handler Handler
}

// Usage is the argument grammar after the name, e.g. "<account> [share]".
func (c Command) Usage() string {
	if len(c.Subcommands) == 0 {
		return ArgsUsage(c.Args)
	}
	alts := make([]string, len(c.Subcommands))
	for i, s := range c.Subcommands {
		alts[i] = strings.TrimSpace(s.Name + " " + ArgsUsage(s.Args))
	}
	if c.Default != "" {
		return "[" + strings.Join(alts, " | ") + "]"
	}
	return strings.Join(alts, " | ")
}

// SummaryIn is the command's summary in the localizer's language: its
// catalogue's grammar.<command>.summary, else the English Summary.
func (c Command) SummaryIn(l *i18n.Localizer) string {
	if s, ok := l.Lookup(i18n.Grammar+c.Name+".summary", nil); ok {
		return s
	}
	return c.Summary
}

// UsageLine is the command as a user types it.
func (c Command) UsageLine() string {
	return strings.TrimSpace("/cs " + c.Name + " " + c.Usage())
}

// SubUsageLine is one subcommand as a user types it; the whole command's
// usage line when sub is not one of its subcommands.
func (c Command) SubUsageLine(sub string) string {
	if s, ok := c.Subcommand(sub); ok {
		return strings.TrimSpace("/cs " + c.Name + " " + s.Name + " " + ArgsUsage(s.Args))
	}
	return c.UsageLine()
}

// Subcommand finds a subcommand by name, in any case.
func (c Command) Subcommand(name string) (Subcommand, bool) {
	i := slices.IndexFunc(c.Subcommands, func(s Subcommand) bool { return strings.EqualFold(s.Name, name) })
	if i < 0 {
		return Subcommand{}, false
	}
	return c.Subcommands[i], true
}

// validate refuses a grammar the parser cannot read unambiguously.
func (c Command) validate() error {
	if c.Name == "" {
		return errors.New("a name is required")
	}
	if len(c.Subcommands) > 0 && len(c.Args) > 0 {
		return errors.New("a command has either arguments or subcommands")
	}
	if c.Default != "" {
		if _, ok := c.Subcommand(c.Default); !ok {
			return fmt.Errorf("the default subcommand %q is not one of its subcommands", c.Default)
		}
	}
	if len(c.Subcommands) == 0 {
		if c.Handler == nil {
			return errors.New("a handler is required")
		}
		return validateArgs(c.Args)
	}
	seen := map[string]bool{}
	for _, s := range c.Subcommands {
		if !isName(s.Name) || seen[s.Name] {
			return fmt.Errorf("subcommand %q: a unique lower-case name is required", s.Name)
		}
		seen[s.Name] = true
		if s.Handler == nil && c.Handler == nil {
			return fmt.Errorf("subcommand %q: a handler is required", s.Name)
		}
		if err := validateArgs(s.Args); err != nil {
			return fmt.Errorf("subcommand %q: %w", s.Name, err)
		}
	}
	return nil
}

func validateArgs(args []Arg) error {
	seen := map[string]bool{}
	texts := 0
	for _, a := range args {
		switch {
		case !isName(a.Name) || seen[a.Name]:
			return fmt.Errorf("argument %q: a unique lower-case name is required", a.Name)
		case a.Kind == Enum && len(a.Choices) == 0:
			return fmt.Errorf("argument %q: an enum needs choices", a.Name)
		case (a.Spaced || a.Bare != "") && !a.Option:
			return fmt.Errorf("argument %q: only options are spaced or bare", a.Name)
		case a.Kind == Flag && (a.Option || a.Required):
			return fmt.Errorf("argument %q: a flag is neither an option nor required", a.Name)
		}
		seen[a.Name] = true
		if a.Kind == Text {
			texts++
		}
	}
	if texts > 1 {
		return errors.New("at most one argument takes free text")
	}
	return nil
}

// isName reports a name typed as is: lower case letters, digits and '-'.
func isName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Registry holds the commands in registration order.
type Registry struct {
	cmds  []Command
	names map[string]int
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]int{}} }

// Register adds commands; a name or alias used twice is an error.
func (r *Registry) Register(cmds ...Command) error {
	for _, c := range cmds {
		if err := c.validate(); err != nil {
			return fmt.Errorf("register command %q: %w", c.Name, err)
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if _, dup := r.names[n]; dup {
				return fmt.Errorf("register command %q: name %q is already taken", c.Name, n)
			}
			r.names[n] = len(r.cmds)
		}
		r.cmds = append(r.cmds, c)
	}
	return nil
}

// Lookup finds a command by name or alias.
func (r *Registry) Lookup(name string) (Command, bool) {
	i, ok := r.names[strings.ToLower(name)]
	if !ok {
		return Command{}, false
	}
	return r.cmds[i], true
}

// Commands returns the commands in registration order.
func (r *Registry) Commands() []Command { return slices.Clone(r.cmds) }

// Closest returns the command whose name is nearest to a mistyped one.
func (r *Registry) Closest(name string) (Command, bool) {
	names := make([]string, 0, len(r.names))
	for n := range r.names {
		names = append(names, n)
	}
	best := suggest.Closest(name, names, 1)
	if len(best) == 0 {
		return Command{}, false
	}
	return r.Lookup(best[0])
}
