package playbooks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/csbot/csbot/internal/yamlspec"
	"github.com/csbot/csbot/store"
)

var ignoreCompiled = cmpopts.IgnoreUnexported(Playbook{}, Step{})

func TestParse(t *testing.T) {
	src := `# a comment
name: sample
description: Everything a playbook can say.
when:
  tier: [high touch, low]
steps:
  - name: check-in
    every: 2w
    to: owner
    message: Hi {{.Account}}
  - name: nudge
    every: 36h
    to: lead
    message: Nudge
    when:
      band: red
      phase: [onboarding, adoption]
  - name: renewal
    anchor: renewal
    offsets: [-2w, -48h, -1d]
    to: owner
    message: Renews {{.Renewal}}
  - name: kickoff
    anchor: phase_start
    offset: 3d
    to: owner
    message: Kickoff
  - name: low-usage
    signal: usage-drop
    to: ops
    batch: true
    header: '{{.Count}} accounts'
    message: '{{.Account}}: {{.Reason}}'
`
	got, err := Parse("sample.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Playbook{
		Name: "sample", Description: yamlspec.Texts{Text: "Everything a playbook can say."}, Source: "sample.yaml",
		When: Condition{Tiers: []store.Tier{store.TierHigh, store.TierLow}},
		Steps: []Step{
			{Name: "check-in", Every: 14 * 24 * time.Hour, To: ToOwner, Message: "Hi {{.Account}}", Line: 7},
			{Name: "nudge", Every: 36 * time.Hour, To: ToLead, Message: "Nudge", Line: 11,
				When: Condition{Bands: []string{"red"}, Phases: []store.Phase{store.PhaseOnboarding, store.PhaseAdoption}}},
			{Name: "renewal", Anchor: AnchorRenewal, Offsets: []int{-14, -2, -1}, To: ToOwner, Message: "Renews {{.Renewal}}", Line: 18},
			{Name: "kickoff", Anchor: AnchorPhaseStart, Offsets: []int{3}, To: ToOwner, Message: "Kickoff", Line: 23},
			{Name: "low-usage", Signal: SignalUsageDrop, To: ToOps, Batch: true, Header: "{{.Count}} accounts", Message: "{{.Account}}: {{.Reason}}", Line: 28},
		},
	}
	if diff := cmp.Diff(want, got, ignoreCompiled); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
	var timings []string
	for _, s := range got.Steps {
		timings = append(timings, s.Timing().String()+": "+s.Describe())
	}
	wantTimings := []string{
		"cadence: every 14d since the last touch",
		"cadence: every 36h0m0s since the last touch",
		"anchor: -14d, -2d, -1d from renewal",
		"anchor: +3d from phase_start",
		"signal: on signal usage-drop",
	}
	if diff := cmp.Diff(wantTimings, timings); diff != "" {
		t.Errorf("timings (-want +got):\n%s", diff)
	}
}

// Every problem names the file, the line and the field, and says what to do.
// A message or header may come in several languages: English (else the
// first) for everyone, the others for members who read them.
func TestParseTranslations(t *testing.T) {
	src := `name: x
steps:
  - name: a
    signal: usage-drop
    to: ops
    batch: true
    header:
      ja: '{{.Count}}件'
      en: '{{.Count}} accounts'
    message:
      ja: '{{.Account}}：{{.Reason}}'
      en: '{{.Account}}: {{.Reason}}'
  - name: b
    every: 7d
    to: owner
    message:
      ja: '{{.Account}}の確認'
`
	pb, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a, b := pb.Steps[0], pb.Steps[1]
	if a.Message != "{{.Account}}: {{.Reason}}" || a.Header != "{{.Count}} accounts" {
		t.Errorf("English is the default: message %q header %q", a.Message, a.Header)
	}
	if diff := cmp.Diff(map[string]Text{"ja": {Message: "{{.Account}}：{{.Reason}}", Header: "{{.Count}}件"}}, a.Translations); diff != "" {
		t.Errorf("translations (-want +got):\n%s", diff)
	}
	if b.Message != "{{.Account}}の確認" || b.Translations != nil {
		t.Errorf("one language only is the default: %q %v", b.Message, b.Translations)
	}
	d := &Data{Account: "さくら物流", Reason: "低調"}
	for lang, want := range map[string]string{"ja": "さくら物流：低調", "en": "さくら物流: 低調", "de": "さくら物流: 低調"} {
		if got := a.render(d, lang); got != want {
			t.Errorf("render in %s = %q, want %q", lang, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	// step wraps step lines (indented under "- ") into a playbook whose
	// first step starts on line 3.
	step := func(lines ...string) string {
		return "name: x\nsteps:\n  - " + strings.Join(lines, "\n    ") + "\n"
	}
	tests := []struct {
		name, src, want string
	}{
		{"misspelt field", step("name: a", "evry: 7d", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].evry: unknown field (did you mean every?)"},
		{"unknown field", "name: x\nfoo: 1\n" + step("name: a", "every: 7d", "to: owner", "message: hi")[8:],
			"high-touch.yaml:2: foo: unknown field (known fields: name, description, when, manual, disabled, steps)"},
		{"synonym", step("name: a", "every: 7d", "recipient: owner", "message: hi"),
			"high-touch.yaml:5: steps[0].recipient: unknown field (did you mean to?)"},
		{"duplicate field", "name: x\nname: y\n" + step("name: a", "every: 7d", "to: owner", "message: hi")[8:],
			"high-touch.yaml:2: name: duplicate field (first at line 1)"},
		{"invalid YAML", "name: x\nsteps: [\n",
			"high-touch.yaml:2: invalid YAML: did not find expected node content"},
		{"empty file", "# nothing here\n",
			"high-touch.yaml: empty file: a playbook needs at least a name and steps"},
		{"two documents", "name: x\n---\nname: y\n",
			"high-touch.yaml:2: one playbook per file: found a second YAML document"},
		{"not a mapping", "- a\n- b\n",
			"high-touch.yaml:1: want a mapping with name, description, when and steps, got a list"},
		{"aliases", "name: x\nsteps:\n  - &s\n    name: a\n    every: 7d\n    to: owner\n    message: hi\n  - *s\n",
			"high-touch.yaml:3: YAML anchors and aliases (&name, *name, <<) are not supported: write the value out"},
		{"missing name", "steps:\n  - name: a\n    every: 7d\n    to: owner\n    message: hi\n",
			"high-touch.yaml:1: name: missing: every playbook needs a name, e.g. name: high-touch"},
		{"bad name", "name: High Touch\n" + step("name: a", "every: 7d", "to: owner", "message: hi")[8:],
			`high-touch.yaml:1: name: "High Touch": use lowercase letters, digits and dashes, at most 64 characters (e.g. high-touch)`},
		{"no steps", "name: x\n",
			"high-touch.yaml:1: steps: missing: a playbook needs at least one step"},
		{"steps not a list", "name: x\nsteps: weekly\n",
			`high-touch.yaml:2: steps: want a list of steps, got "weekly"`},
		{"step not a mapping", "name: x\nsteps:\n  - just a string\n",
			`high-touch.yaml:3: steps[0]: want a step (a mapping with name, timing, to and message), got "just a string"`},
		{"no timing", step("name: a", "to: owner", "message: hi"),
			"high-touch.yaml:3: steps[0]: no timing: set every (e.g. every: 7d), anchor with offset (e.g. anchor: renewal, offset: -90d), or signal"},
		{"two timings", step("name: a", "every: 7d", "signal: usage-drop", "to: owner", "message: hi"),
			"high-touch.yaml:3: steps[0]: two timings (every and signal): a step uses one of every, anchor or signal"},
		{"anchor without offset", step("name: a", "anchor: renewal", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].anchor: needs offset or offsets, e.g. offset: -90d"},
		{"offset without anchor", step("name: a", "offset: -90d", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].offset: needs an anchor (renewal or phase_start or started)"},
		{"offset and offsets", step("name: a", "anchor: renewal", "offset: -90d", "offsets: [-60d]", "to: owner", "message: hi"),
			"high-touch.yaml:6: steps[0].offsets: set offset or offsets, not both"},
		{"empty offset", step("name: a", "anchor: renewal", "offset:", "to: owner", "message: hi"),
			"high-touch.yaml:5: steps[0].offset: empty: give at least one offset, e.g. offset: -90d"},
		{"offset twice", step("name: a", "anchor: renewal", "offsets: [-30d, -1w, -30d]", "to: owner", "message: hi"),
			"high-touch.yaml:5: steps[0].offsets[2]: -30d is listed twice"},
		{"bad anchor", step("name: a", "anchor: renewl", "offset: -90d", "to: owner", "message: hi"),
			`high-touch.yaml:4: steps[0].anchor: unknown anchor "renewl" (did you mean renewal?)`},
		{"bad recipient", step("name: a", "every: 7d", "to: onwer", "message: hi"),
			`high-touch.yaml:5: steps[0].to: unknown recipient "onwer" (did you mean owner?)`},
		{"missing recipient", step("name: a", "every: 7d", "message: hi"),
			"high-touch.yaml:3: steps[0].to: missing: say who gets the message (owner, lead, ops)"},
		{"misspelt signal", step("name: a", "signal: usage-dorp", "to: ops", "message: hi"),
			`high-touch.yaml:4: steps[0].signal: unknown signal "usage-dorp" (did you mean usage-drop?)`},
		{"unknown signal", step("name: a", "signal: churn", "to: ops", "message: hi"),
			`high-touch.yaml:4: steps[0].signal: unknown signal "churn" (use usage-drop, nps-detractor, onboarding-step-missed, any-risk, red-band, health-drop, renewal-at-risk, onboarding-stalled, no-touch)`},
		{"cadence without unit", step("name: a", "every: 7", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].every: 7: give a unit, e.g. 7d (days), 7w (weeks) or 7h (hours)"},
		{"cadence not a duration", step("name: a", "every: soon", "to: owner", "message: hi"),
			`high-touch.yaml:4: steps[0].every: "soon" is not a duration: use e.g. 7d, 2w or 36h`},
		{"zero cadence", step("name: a", "every: 0d", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].every: 0d: a cadence must be positive"},
		{"cadence too long", step("name: a", "every: 5000d", "to: owner", "message: hi"),
			"high-touch.yaml:4: steps[0].every: 5000d: at most 3650d"},
		{"offset of part of a day", step("name: a", "anchor: renewal", "offsets: [-90d, 36h]", "to: owner", "message: hi"),
			"high-touch.yaml:5: steps[0].offsets[1]: 36h: offsets are whole days, e.g. -90d"},
		{"batch not a bool", step("name: a", "every: 7d", "to: owner", "batch: sometimes", "message: hi"),
			`high-touch.yaml:6: steps[0].batch: want true or false, got "sometimes"`},
		{"header without batch", step("name: a", "every: 7d", "to: owner", "header: hi", "message: hi"),
			"high-touch.yaml:6: steps[0].header: only batch steps have a header: add batch: true or remove it"},
		{"missing message", step("name: a", "every: 7d", "to: owner"),
			"high-touch.yaml:3: steps[0].message: missing: every step needs a message"},
		{"duplicate step names", "name: x\nsteps:\n  - name: a\n    every: 7d\n    to: owner\n    message: hi\n  - name: a\n    every: 30d\n    to: owner\n    message: hi\n",
			"high-touch.yaml:7: steps[1].name: duplicate step name a (first at line 3)"},
		{"template does not parse", step("name: a", "every: 7d", "to: owner", "message: |", "  Hello {{.Account}}", "  bye {{.Slug"),
			"high-touch.yaml:8: steps[0].message: unclosed action"},
		{"template unknown field", step("name: a", "every: 7d", "to: owner", "message: |", "  Hello {{.Account}}", "  {{if .Risks}}at risk: {{.Acount}}{{end}}"),
			"high-touch.yaml:8: steps[0].message: unknown field .Acount (did you mean .Account?)"},
		{"template field of a list element", step("name: a", "every: 7d", "to: owner", "message: 'Hi {{range .Risks}}{{.Rule}}{{end}}'"),
			"high-touch.yaml:6: steps[0].message: can't use .Rule on string"},
		{"template unknown function", step("name: a", "every: 7d", "to: owner", "message: 'Hi {{shout .Account}}'"),
			`high-touch.yaml:6: steps[0].message: function "shout" not defined`},
		{"template wrong argument", step("name: a", "every: 7d", "to: owner", `message: 'ARR {{plural .ARR "yen"}}'`),
			"high-touch.yaml:6: steps[0].message: at <.ARR>: wrong type for value; expected int; got int64"},
		{"template range over a number", step("name: a", "every: 7d", "to: owner", "message: '{{range .Seats}}x{{end}}'"),
			"high-touch.yaml:6: steps[0].message: range works only over lists such as .Risks or .Overdue"},
		{"template define", step("name: a", "every: 7d", "to: owner", `message: '{{define "x"}}y{{end}}{{template "x"}}'`),
			"high-touch.yaml:6: steps[0].message: {{define}} and {{block}} are not supported in playbook messages"},
		{"header unknown field", step("name: a", "signal: usage-drop", "to: ops", "batch: true", "header: '{{.Total}} accounts'", "message: hi"),
			"high-touch.yaml:7: steps[0].header: unknown field .Total (use .Playbook, .Step, .Count, .Accounts)"},
		{"message unknown field", step("name: a", "every: 7d", "to: owner", "message: '{{.Customer}}'"),
			"high-touch.yaml:6: steps[0].message: unknown field .Customer (the fields are listed in the README and on playbooks.Data)"},
		{"bad conditions", "name: x\nwhen:\n  tier: [high, mid]\n  band: pink\n  phase: churned\n  tiers: high\n" + step("name: a", "every: 7d", "to: owner", "message: hi")[8:],
			`high-touch.yaml:3: when.tier: unknown tier "mid": use high, low or tech` + "\n" +
				`high-touch.yaml:4: when.band: unknown band "pink": use green, yellow, red, none` + "\n" +
				`high-touch.yaml:5: when.phase: unknown phase "churned": use onboarding, adoption or expansion` + "\n" +
				"high-touch.yaml:6: when.tiers: unknown field (did you mean tier?)"},
		{"step condition", step("name: a", "every: 7d", "to: owner", "message: hi", "when:", "  phase: [onboarding, {x: 1}]"),
			"high-touch.yaml:8: steps[0].when.phase[1]: want a value, got a mapping"},
		{"unknown language", step("name: a", "every: 7d", "to: owner", "message:", "  en: hi", "  fr: salut"),
			`high-touch.yaml:8: steps[0].message.fr: unknown language "fr": csbot speaks en, ja`},
		{"language tag, not a locale", step("name: a", "every: 7d", "to: owner", "message:", "  ja-JP: こんにちは"),
			`high-touch.yaml:7: steps[0].message.ja-JP: unknown language "ja-JP": csbot speaks en, ja` + "\n" +
				"high-touch.yaml:7: steps[0].message: empty: give the text, or one per language (en: ..., ja: ...)"},
		{"translation checked too", step("name: a", "every: 7d", "to: owner", "message:", "  en: hi", "  ja: '{{.Nps}}'"),
			"high-touch.yaml:8: steps[0].message.ja: unknown field .Nps (did you mean .NPS?)"},
		{"every problem, in line order", "name: x\nsteps:\n  - name: a\n    every: 7\n    to: onwer\n    message: hi\n  - name: B\n    signal: usage-drop\n    to: ops\n    message: '{{.Nps}}'\n",
			"high-touch.yaml:4: steps[0].every: 7: give a unit, e.g. 7d (days), 7w (weeks) or 7h (hours)\n" +
				`high-touch.yaml:5: steps[0].to: unknown recipient "onwer" (did you mean owner?)` + "\n" +
				`high-touch.yaml:7: steps[1].name: "B": use lowercase letters, digits and dashes, at most 64 characters (e.g. b)` + "\n" +
				"high-touch.yaml:10: steps[1].message: unknown field .Nps (did you mean .NPS?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("high-touch.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.src)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			var perr *Error
			if !errors.As(err, &perr) || perr.File != "high-touch.yaml" {
				t.Errorf("error %v is not a *playbooks.Error naming the file", err)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "7d", want: 7 * day},
		{in: "2w", want: 14 * day},
		{in: "-90d", want: -90 * day},
		{in: "+3d", want: 3 * day},
		{in: "36h", want: 36 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "", err: "empty: give a duration such as 7d, 2w or 36h"},
		{in: "d", err: `"d" is not a duration: use e.g. 7d, 2w or 36h`},
		{in: "99999999999d", err: `99999999999d: at most 3650d`},
		{in: "30", err: "30: give a unit, e.g. 30d (days), 30w (weeks) or 30h (hours)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tt.want || gotErr != tt.err {
				t.Errorf("parseDuration(%q) = %v, %q; want %v, %q", tt.in, got, gotErr, tt.want, tt.err)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"evry", "every"}, {"EVERY", "every"}, {"offest", "offset"}, {"mesage", "message"},
		{"x", ""}, {"totally-different", ""},
	}
	for _, tt := range tests {
		if got := closest(tt.in, stepFields); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
