package access

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/csbot/csbot/store"
)

// UnmarshalYAML reads the `access:` section of the config file: the
// default table with the cells it names changed, e.g.
//
//	access:
//	  csm:
//	    note: team
//	  exec:
//	    kpi: region
//
// An unknown role, action or scope is an error naming the key and its
// line, so a typo never silently keeps a default.
func (p *Policy) UnmarshalYAML(n *yaml.Node) error {
	*p = *Default()
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("access (line %d): want roles, each with action: scope", n.Line)
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, actions := n.Content[i], n.Content[i+1]
		role, err := store.ParseRole(key.Value)
		if err != nil {
			errs = append(errs, fmt.Errorf("access.%s (line %d): %w", key.Value, key.Line, err))
			continue
		}
		if actions.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Errorf("access.%s (line %d): want action: scope pairs, e.g. note: team", key.Value, actions.Line))
			continue
		}
		for j := 0; j+1 < len(actions.Content); j += 2 {
			ak, sv := actions.Content[j], actions.Content[j+1]
			at := fmt.Sprintf("access.%s.%s (line %d)", key.Value, ak.Value, ak.Line)
			a, err := ParseAction(ak.Value)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", at, err))
				continue
			}
			s, err := ParseScope(sv.Value)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", at, err))
				continue
			}
			p.Set(role, a, s)
		}
	}
	return errors.Join(errs...)
}
