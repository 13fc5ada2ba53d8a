package commands

import (
	"strings"
	"testing"

	"github.com/csbot/csbot/bot"
)

// A command that does not say who may run it is not registered: help
// would not know whom to list it for.
func TestRegisterRefusesACommandWithoutGate(t *testing.T) {
	c := &cmds{gates: map[string]gate{}}
	reg := bot.NewRegistry()
	handler := c.status
	err := c.register(reg, command{For: everyone, Command: bot.Command{Name: "open", Handler: handler}},
		command{Command: bot.Command{Name: "forgotten", Handler: handler}})
	if err == nil || !strings.Contains(err.Error(), `command "forgotten": say who may run it`) {
		t.Errorf("register = %v", err)
	}
	if _, ok := reg.Lookup("forgotten"); ok {
		t.Error("the command without a gate was registered")
	}
}
