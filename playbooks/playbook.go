package playbooks

import (
	"slices"
	"text/template"
	"time"

	"github.com/csbot/csbot/internal/yamlspec"
	"github.com/csbot/csbot/store"
)

// Playbook is a named set of timed steps for a touch tier or a situation
// (onboarding, renewal, risk). One YAML file holds one playbook.
type Playbook struct {
	Name string
	// Description is one line for `/cs playbook list`, with its
	// translations.
	Description yamlspec.Texts
	// When limits the playbook to some accounts; empty means every account.
	When Condition
	// Manual playbooks apply only to accounts someone started them for
	// (`/cs playbook start`); others apply by When and may be started too.
	Manual bool
	// Disabled playbooks load (so an override file can switch a default
	// off) but never fall due.
	Disabled bool
	Steps    []Step
	// Source is the file the playbook was read from, for error messages
	// and `/cs playbook list`.
	Source string

	nameLine int
}

// Condition selects accounts. Each non-empty list must contain the
// account's value; an empty list matches anything.
type Condition struct {
	Tiers  []store.Tier
	Bands  []string // health bands: green, yellow, red, none
	Phases []store.Phase
}

// Empty reports whether the condition matches every account.
func (c Condition) Empty() bool {
	return len(c.Tiers) == 0 && len(c.Bands) == 0 && len(c.Phases) == 0
}

// Matches reports whether an account with this tier, health band and phase
// meets the condition.
func (c Condition) Matches(tier store.Tier, band string, phase store.Phase) bool {
	return (len(c.Tiers) == 0 || slices.Contains(c.Tiers, tier)) &&
		(len(c.Bands) == 0 || slices.Contains(c.Bands, band)) &&
		(len(c.Phases) == 0 || slices.Contains(c.Phases, phase))
}

// Anchors a step's offsets can be measured from.
const (
	AnchorRenewal    = "renewal"
	AnchorPhaseStart = "phase_start"
	// AnchorStarted is the day the playbook was started for the account.
	AnchorStarted = "started"
)

// Anchors lists the valid anchors.
var Anchors = []string{AnchorRenewal, AnchorPhaseStart, AnchorStarted}

// Recipients of a step's message. The engine names the role; whoever sends
// resolves it: owner is the account's owner CSM, lead that CSM's team
// lead, ops the digital-success/CS-ops channel.
const (
	ToOwner = "owner"
	ToLead  = "lead"
	ToOps   = "ops"
)

// Recipients lists the valid recipients.
var Recipients = []string{ToOwner, ToLead, ToOps}

// Signals a tech-touch step can react to. Every churn-risk rule name of
// health.Rules (red-band, health-drop, renewal-at-risk, onboarding-stalled,
// nps-detractor, no-touch) is a signal too.
const (
	// SignalUsageDrop: active users under Thresholds.UsageBelow of the seats.
	SignalUsageDrop = "usage-drop"
	// SignalDetractor: an NPS answer of Thresholds.DetractorMax or less within
	// Thresholds.DetractorDays, or the health rule of the same name.
	SignalDetractor = "nps-detractor"
	// SignalStepMissed: an onboarding milestone not done by its due day.
	SignalStepMissed = "onboarding-step-missed"
	// SignalAnyRisk: at least one churn-risk rule fires.
	SignalAnyRisk = "any-risk"
)

// Timing says how a step falls due.
type Timing int

// Timings.
const (
	TimingNone    Timing = iota
	TimingCadence        // Every since the last touch
	TimingAnchor         // Offsets days from Anchor
	TimingSignal         // while Signal is present
)

func (t Timing) String() string {
	switch t {
	case TimingCadence:
		return "cadence"
	case TimingAnchor:
		return "anchor"
	case TimingSignal:
		return "signal"
	}
	return "none"
}

// Step is one timed action of a playbook. Exactly one timing is set:
// Every, Anchor with Offsets, or Signal.
type Step struct {
	Name string
	// Every is a cadence since the account's last touch.
	Every time.Duration
	// Anchor is "renewal" or "phase_start"; Offsets are days relative to
	// it, negative before (e.g. -90, -60, -30 before renewal).
	Anchor  string
	Offsets []int
	// Signal is a tech-touch signal or a churn-risk rule name.
	Signal string
	// To is "owner", "lead" or "ops".
	To string
	// Batch steps are sent as one message per recipient listing every
	// account due (see Set.Collate).
	Batch bool
	// Message is a text/template over Data, in the playbook's language
	// (English in the defaults).
	Message string
	// Header is a text/template over BatchData heading a batch message.
	Header string
	// Translations are the message and header in other languages, by
	// language ("ja"): a recipient reading one of them gets it; everyone
	// else gets Message and Header.
	Translations map[string]Text
	// When is a condition on top of the playbook's.
	When Condition
	// Line is where the step starts in Source.
	Line int

	message *template.Template
	header  *template.Template
	// in holds the compiled Translations.
	in map[string]compiled
}

// Text is a step's message and batch header in one language.
type Text struct {
	Message, Header string
}

type compiled struct{ message, header *template.Template }

// templates are the step's message and header templates in lang, or in
// the playbook's language when it has none in lang.
func (s *Step) templates(lang string) compiled {
	if c, ok := s.in[lang]; ok {
		return c
	}
	return compiled{s.message, s.header}
}

// Timing reports which timing the step uses; TimingNone for an invalid
// step (Parse never returns one).
func (s Step) Timing() Timing {
	n, t := 0, TimingNone
	if s.Every > 0 {
		n, t = n+1, TimingCadence
	}
	if s.Anchor != "" || len(s.Offsets) > 0 {
		n, t = n+1, TimingAnchor
		if s.Anchor == "" || len(s.Offsets) == 0 {
			return TimingNone
		}
	}
	if s.Signal != "" {
		n, t = n+1, TimingSignal
	}
	if n != 1 {
		return TimingNone
	}
	return t
}

const day = 24 * time.Hour
