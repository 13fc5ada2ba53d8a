package commands

import (
	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/commands/access"
	"github.com/csbot/csbot/store"
)

// command is a /cs command with who may run it, declared with it so that
// a new command cannot be left out of help's filter.
type command struct {
	bot.Command
	// For is who may run it: `/cs help` lists it for them only.
	For gate
}

// gate is who may run a command: a member allowed any of its actions at
// some scope, or holding any of its roles, or everyone. The zero gate
// declares nothing, and Register refuses it.
type gate struct {
	actions  []access.Action
	roles    []store.Role
	everyone bool
}

// needs is the gate of a command whose subcommands need any of actions.
func needs(actions ...access.Action) gate { return gate{actions: actions} }

// roles is the gate of a command for holders of any of rs.
func roles(rs ...store.Role) gate { return gate{roles: rs} }

// everyone is the gate of a command any registered member may run; its
// subcommands check what they touch themselves (team, checklist, channel).
var everyone = gate{everyone: true}

func (g gate) declared() bool { return g.everyone || len(g.actions) > 0 || len(g.roles) > 0 }

// admits reports whether the member may run a command of this gate.
func (g gate) admits(p *access.Policy, me store.Member) bool {
	if g.everyone || me.Has(g.roles...) {
		return true
	}
	for _, a := range g.actions {
		if p.Allowed(me, a).Scope != access.ScopeNone {
			return true
		}
	}
	return false
}

// mayRun reports whether help should list the command for the member.
func (c *cmds) mayRun(me store.Member, command string) bool {
	return c.gates[command].admits(c.Access, me)
}
