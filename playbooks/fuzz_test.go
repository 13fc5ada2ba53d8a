package playbooks

import (
	"errors"
	"slices"
	"testing"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
)

// FuzzParse: Parse never panics, every problem is an *Error naming the
// file, and a playbook it accepts has exactly one timing per step, a
// valid recipient and a compiled message, and runs through DueSteps.
func FuzzParse(f *testing.F) {
	entries, err := defaultFiles.ReadDir("defaults")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := defaultFiles.ReadFile("defaults/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"name: x\nsteps:\n  - name: a\n    every: 7d\n    to: owner\n    message: hi\n",
		"name: x\nsteps:\n  - name: a\n    anchor: renewal\n    offsets: [-90d, -2w]\n    to: lead\n    message: '{{.Account}} {{plural .DaysToRenewal \"day\"}}'\n",
		"name: x\nsteps:\n  - name: a\n    signal: usage-drop\n    to: ops\n    batch: true\n    header: '{{.Count}}'\n    message: '{{range .Risks}}{{.}}{{end}}'\n",
		"name: x\nwhen: {tier: [high, low], band: red, phase: onboarding}\nsteps:\n  - {name: a, every: 36h, to: owner, message: hi}\n",
		"name: x\nsteps:\n  - &s {name: a, every: 7d, to: owner, message: hi}\n  - *s\n",
		"name: x\nsteps: [\n",
		"name: x\n---\nname: y\n",
	} {
		f.Add([]byte(s))
	}
	account := store.Account{
		Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseOnboarding, PhaseStart: daysAgo(2),
		Renewal: on(90), Owner: "aiko", Seats: 10, ActiveUsers: 1, NPS: ptr(2), NPSDate: daysAgo(1),
		Milestones: []store.Milestone{{Name: "Kickoff held", Due: daysAgo(3)}},
	}
	as := assessed(30, health.Red, store.Risk{Rule: health.RuleRedBand, Score: 30, Limit: 40})
	f.Fuzz(func(t *testing.T, data []byte) {
		pb, err := Parse("fuzz.yaml", data)
		if err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var perr *Error
				if !errors.As(e, &perr) || perr.File != "fuzz.yaml" {
					t.Fatalf("error %q is not a *playbooks.Error naming fuzz.yaml", e)
				}
			}
			return
		}
		if pb.Name == "" || pb.Source != "fuzz.yaml" {
			t.Fatalf("accepted playbook without a name or source: %+v", pb)
		}
		seen := map[string]bool{}
		for _, st := range pb.Steps {
			if st.Timing() == TimingNone {
				t.Fatalf("step %s accepted without exactly one timing: %+v", st.Name, st)
			}
			if st.Name == "" || seen[st.Name] {
				t.Fatalf("step name %q empty or repeated", st.Name)
			}
			seen[st.Name] = true
			if !slices.Contains(Recipients, st.To) || st.message == nil {
				t.Fatalf("step %s: recipient %q, compiled message %v", st.Name, st.To, st.message != nil)
			}
			if st.Header != "" && (!st.Batch || st.header == nil) {
				t.Fatalf("step %s: header on a step that is not a batch", st.Name)
			}
		}
		s := &Set{Playbooks: []Playbook{pb}, Thresholds: DefaultThresholds()}
		s.Collate(s.DueSteps(account, as, now, nil), nil)
	})
}
