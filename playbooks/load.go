package playbooks

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

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

// DefaultThresholds returns DOMAIN.md's numbers: usage under 40%, NPS 0-6
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
	byName := map[string]Playbook{}
	var errs []error
	defaults, err := fs.Glob(defaultFiles, "defaults/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range defaults {
		data, err := defaultFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		pb, err := Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byName[pb.Name] = pb
	}
	if dir != "" {
		overrides, err := readDir(dir)
		if err != nil {
			return nil, err
		}
		seen := map[string]string{}
		for _, file := range overrides {
			data, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("read playbook: %w", err))
				continue
			}
			pb, err := Parse(file, data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if other, dup := seen[pb.Name]; dup {
				errs = append(errs, &Error{File: file, Line: pb.nameLine, Field: "name", Msg: fmt.Sprintf("playbook %s is also defined in %s: keep one", pb.Name, other)})
				continue
			}
			seen[pb.Name] = file
			byName[pb.Name] = pb
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Set{Thresholds: DefaultThresholds()}
	for _, pb := range byName {
		s.Playbooks = append(s.Playbooks, pb)
	}
	slices.SortFunc(s.Playbooks, func(a, b Playbook) int { return strings.Compare(a.Name, b.Name) })
	return s, nil
}

// readDir lists the playbook files of dir, sorted, skipping hidden files
// (editors' swap and lock files).
func readDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read playbooks folder: %w", err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		ext := path.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		files = append(files, filepath.Join(dir, name))
	}
	return files, nil
}
