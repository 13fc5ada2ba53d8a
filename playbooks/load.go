package playbooks

import (
	"embed"
	"slices"
	"strings"

	"github.com/csbot/csbot/internal/yamlspec"
	"github.com/csbot/csbot/store/health"
)

// defaultFiles are the playbooks csbot ships with.
//
//go:embed defaults/*.yaml
var defaultFiles embed.FS

// Set is the playbooks in force, sorted by name, with the thresholds their
// signals use. A loaded Set is read-only, so any number of goroutines may
// use it at once.
type Set struct {
	Playbooks  []Playbook
	Thresholds Thresholds
}

// Thresholds tune the signals and the grace window of anchored steps. Load
// sets DefaultThresholds; a Set built by hand must set them too (a zero
// UsageBelow never fires, a zero GraceDays reminds on the day only).
type Thresholds struct {
	// UsageBelow: usage-drop fires when active users per seat fall under it.
	UsageBelow float64
	// DetractorMax and DetractorDays: nps-detractor fires on an answer of at
	// most DetractorMax given within the last DetractorDays.
	DetractorMax  int
	DetractorDays int
	// GraceDays: an anchored step stays due this many days after its day,
	// so a missed run still reminds.
	GraceDays int
}

// DefaultThresholds returns the numbers of docs/domain.md: usage under 40%, NPS 0-6
// within 30 days, a week of grace.
func DefaultThresholds() Thresholds {
	h := health.DefaultConfig()
	return Thresholds{UsageBelow: 0.4, DetractorMax: h.DetractorMax, DetractorDays: h.DetractorDays, GraceDays: 7}
}

// Lookup finds a playbook by name.
func (s *Set) Lookup(name string) (Playbook, bool) {
	i, ok := slices.BinarySearchFunc(s.Playbooks, name, func(p Playbook, name string) int {
		return strings.Compare(p.Name, name)
	})
	if !ok {
		return Playbook{}, false
	}
	return s.Playbooks[i], true
}

// Load reads the built-in playbooks and, when dir is not "", the *.yaml
// (and *.yml) files in dir: a file whose playbook has the name of a
// built-in one replaces it, any other adds a playbook. Every problem in
// every file is reported, each naming the file, line and field.
func Load(dir string) (*Set, error) {
	all, err := yamlspec.LoadAll(defaultFiles, "defaults/*.yaml", dir, "playbook", Parse,
		func(pb Playbook) (string, int) { return pb.Name, pb.nameLine })
	if err != nil {
		return nil, err
	}
	return &Set{Playbooks: all, Thresholds: DefaultThresholds()}, nil
}
