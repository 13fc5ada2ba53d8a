package bot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/csbot/csbot/internal/suggest"
)

// Command is one `/cs` subcommand, described as data so help, platform
// registration (Discord options, Slack usage hints) and routing share it.
type Command struct {
	Name    string
	Aliases []string
	// Usage is the argument grammar after the name, e.g. "<account> [share]".
	Usage    string
	Summary  string
	Help     string
	Examples []string
	// Slow commands may take longer than a platform's ack window.
	Slow    bool
	Handler Handler
}

// UsageLine is the command as a user types it.
func (c Command) UsageLine() string {
	return strings.TrimSpace("/cs " + c.Name + " " + c.Usage)
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
		if c.Name == "" || c.Handler == nil {
			return fmt.Errorf("register command %q: a name and a handler are required", c.Name)
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
