package playbooks

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store/health"
)

// The built-in playbooks load, validate and cover the touch model of docs/domain.md.
func TestDefaults(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, pb := range s.Playbooks {
		if pb.Source != "defaults/"+pb.Name+".yaml" {
			t.Errorf("playbook %s comes from %s, want defaults/%s.yaml", pb.Name, pb.Source, pb.Name)
		}
		if pb.Description.Text == "" || pb.Description.In("ja") == pb.Description.Text {
			t.Errorf("playbook %s has no description in English and Japanese: %+v", pb.Name, pb.Description)
		}
		for _, st := range pb.Steps {
			got[pb.Name] = append(got[pb.Name], st.Name+" "+st.To+": "+st.Describe())
			if st.Timing() == TimingNone || st.message == nil {
				t.Errorf("%s/%s: timing %v, template compiled %v", pb.Name, st.Name, st.Timing(), st.message != nil)
			}
		}
	}
	want := map[string][]string{
		"high-touch": {
			"weekly-check-in owner: every 7d since the last touch",
			"executive-sync owner: -345d, -315d, -285d, -255d, -225d, -195d, -165d, -135d, -105d, -75d, -45d, -15d from renewal",
			"quarterly-business-review owner: -360d, -270d, -180d, -90d from renewal",
			"renewal-plan owner: -120d from renewal",
			"renewal-plan-review lead: -90d from renewal",
		},
		"low-touch": {
			"monthly-check-in owner: every 30d since the last touch",
			"renewal-reminder owner: -90d, -60d, -30d from renewal",
		},
		"tech-touch": {
			"usage-drop ops: on signal usage-drop",
			"nps-detractor ops: on signal nps-detractor",
			"onboarding-step-missed ops: on signal onboarding-step-missed",
		},
		"onboarding": {
			"kickoff-follow-up owner: +2d from phase_start",
			"first-value-check owner: +30d from phase_start",
			"milestone-overdue owner: on signal onboarding-step-missed",
			"onboarding-stalled lead: on signal onboarding-stalled",
		},
		"risk-response": {
			"lead-review lead: on signal any-risk",
			"save-plan owner: on signal red-band",
			"renewal-rescue owner: on signal renewal-at-risk",
		},
		"save-plan": {
			"customer-call owner: +1d from started",
			"lead-review lead: +3d from started",
			"sponsor-call owner: +7d from started",
			"two-week-check lead: +14d from started",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default playbooks (-want +got):\n%s", diff)
	}
	var names []string
	for _, pb := range s.Playbooks {
		names = append(names, pb.Name)
	}
	if diff := cmp.Diff([]string{"high-touch", "low-touch", "onboarding", "risk-response", "save-plan", "tech-touch"}, names); diff != "" {
		t.Errorf("playbooks not sorted by name (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultThresholds(), s.Thresholds); diff != "" {
		t.Errorf("thresholds (-want +got):\n%s", diff)
	}
	if _, ok := s.Lookup("tech-touch"); !ok {
		t.Error(`Lookup("tech-touch") found nothing`)
	}
	if _, ok := s.Lookup("nope"); ok {
		t.Error(`Lookup("nope") found a playbook`)
	}
}

// Every default file starts with a comment explaining the format.
func TestDefaultsExplainTheFormat(t *testing.T) {
	entries, err := defaultFiles.ReadDir("defaults")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := defaultFiles.ReadFile("defaults/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), "# ") || !strings.Contains(string(data), "# Format") {
			t.Errorf("%s does not start with a comment explaining the format", e.Name())
		}
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A folder's file replaces the default of the same playbook name and adds
// new playbooks; other files are ignored.
func TestLoadOverrides(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"my-high-touch.yaml": `name: high-touch
description: Our own high-touch cadence.
when:
  tier: high
steps:
  - name: fortnightly-check-in
    every: 2w
    to: owner
    message: Check in with {{.Account}}.
`,
		"expansion.yml": `name: expansion
when: {phase: expansion}
steps:
  - name: upsell-review
    every: 60d
    to: owner
    message: Any upsell for {{.Account}}?
`,
		"tech-touch.yaml": "name: tech-touch\ndisabled: true\n",
		"README.md":       "not a playbook",
		".#draft.yaml":    "name: [broken",
	})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pb := range s.Playbooks {
		var steps []string
		for _, st := range pb.Steps {
			steps = append(steps, st.Name)
		}
		src := pb.Source
		if rel, err := filepath.Rel(dir, src); err == nil && !strings.HasPrefix(rel, "..") {
			src = "$dir/" + rel
		}
		got = append(got, pb.Name+" from "+src+": "+strings.Join(steps, ", ")+map[bool]string{true: " (disabled)"}[pb.Disabled])
	}
	want := []string{
		"expansion from $dir/expansion.yml: upsell-review",
		"high-touch from $dir/my-high-touch.yaml: fortnightly-check-in",
		"low-touch from defaults/low-touch.yaml: monthly-check-in, renewal-reminder",
		"onboarding from defaults/onboarding.yaml: kickoff-follow-up, first-value-check, milestone-overdue, onboarding-stalled",
		"risk-response from defaults/risk-response.yaml: lead-review, save-plan, renewal-rescue",
		"save-plan from defaults/save-plan.yaml: customer-call, lead-review, sponsor-call, two-week-check",
		"tech-touch from $dir/tech-touch.yaml:  (disabled)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("playbooks (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	step := "steps:\n  - name: a\n    every: 7d\n    to: owner\n    message: hi\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string // $dir stands for the folder
	}{
		{"bad file", map[string]string{"a.yaml": "name: a\n" + step, "b.yaml": "name: b\nsteps:\n  - name: x\n    evry: 7d\n"},
			"$dir/b.yaml:4: steps[0].evry: unknown field (did you mean every?)"},
		{"every bad file", map[string]string{"a.yaml": "name: a\nfoo: 1\n" + step, "b.yaml": "name: [b\n"},
			"$dir/a.yaml:2: foo: unknown field (known fields: name, description, when, manual, disabled, steps)\n" +
				"$dir/b.yaml:1: invalid YAML: did not find expected ',' or ']'"},
		{"same name twice", map[string]string{"a.yaml": "name: same\n" + step, "b.yaml": "# again\nname: same\n" + step},
			"$dir/b.yaml:2: name: playbook same is also defined in $dir/a.yaml: keep one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load accepted the folder")
			}
			if diff := cmp.Diff(tt.want, strings.ReplaceAll(err.Error(), dir, "$dir")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "read playbooks folder") || !strings.Contains(err.Error(), dir) {
			t.Errorf("Load(missing folder) = %v, want an error naming the folder", err)
		}
	})
}

// A signal step's message wraps the risk's own words ({{.Reason}}) without
// saying them again ("has stalled: onboarding stalled: ..." was sent).
func TestDefaultMessagesDoNotRepeatTheReason(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	defer func() {
		if checked == 0 {
			t.Error("no default step has a churn rule's signal")
		}
	}()
	for _, pb := range s.Playbooks {
		for _, st := range pb.Steps {
			if !slices.Contains(health.Rules, st.Signal) || !strings.Contains(st.Message, ".Reason") { // the reason is the risk's text
				continue
			}
			for _, lang := range i18n.Supported() {
				l := i18n.For(lang)
				reason := l.T("risk."+st.Signal, i18n.Data{"Days": 30, "Milestone": "Data imported"})
				opening := strings.ToLower(string([]rune(reason)[:min(8, len([]rune(reason)))]))
				got := st.render(&Data{Account: "Acme", Owner: "ken", Signal: st.Signal, Reason: reason}, lang)
				checked++
				if !strings.Contains(got, reason) {
					t.Errorf("%s/%s in %s does not carry its reason %q:\n%s", pb.Name, st.Name, lang, reason, got)
				}
				if strings.Count(strings.ToLower(got), opening) > 1 {
					t.Errorf("%s/%s in %s says the reason's opening %q twice:\n%s", pb.Name, st.Name, lang, opening, got)
				}
			}
		}
	}
}
