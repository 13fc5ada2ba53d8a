// Package health computes an account's health score, its trend and the
// churn-risk rules that fire, all from the account document alone so that a
// score costs no extra reads.
package health

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/store"
)

// Component names, in the order replies list them.
const (
	Usage        = "usage"
	Engagement   = "engagement"
	Satisfaction = "satisfaction"
	Support      = "support"
	Onboarding   = "onboarding"
)

var componentOrder = []string{Usage, Engagement, Satisfaction, Support, Onboarding}

// Bands.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
	NoData = "none"
)

// Config holds the weights and thresholds a team may tune.
type Config struct {
	Weights map[string]float64 `yaml:"weights"`
	// Green and Yellow are the lowest scores of their bands; below Yellow is red.
	Green  int `yaml:"green"`
	Yellow int `yaml:"yellow"`
	// TouchDays is the longest a tier may go without a touch.
	TouchDays map[store.Tier]int `yaml:"touch_days"`
	// DropPoints over DropDays is a risk even in green.
	DropPoints int `yaml:"drop_points"`
	DropDays   int `yaml:"drop_days"`
	// RenewalDays and RenewalHealth: renewing soon while below that health.
	RenewalDays   int `yaml:"renewal_days"`
	RenewalHealth int `yaml:"renewal_health"`
	// StallDays without a milestone done stalls onboarding.
	StallDays int `yaml:"stall_days"`
	// DetractorMax is the highest NPS answer that counts as a detractor, within DetractorDays.
	DetractorMax  int `yaml:"detractor_max"`
	DetractorDays int `yaml:"detractor_days"`
	// Stale says how old each input may be before replies flag it.
	Stale StaleDays `yaml:"stale_days"`
}

// StaleDays are the ages, in days, past which an input is stale.
type StaleDays struct {
	// Usage is for active users, seats and feature adoption (UsageDate).
	Usage int `yaml:"usage"`
	// Survey is for the latest NPS and CSAT answers.
	Survey int `yaml:"survey"`
	// Tickets is for the open ticket and escalation counts (TicketsDate).
	Tickets int `yaml:"tickets"`
}

// DefaultConfig returns the defaults listed in docs/domain.md.
func DefaultConfig() Config {
	return Config{
		Weights:    map[string]float64{Usage: 0.35, Engagement: 0.2, Satisfaction: 0.2, Support: 0.15, Onboarding: 0.1},
		Green:      70,
		Yellow:     40,
		TouchDays:  map[store.Tier]int{store.TierHigh: 14, store.TierLow: 45},
		DropPoints: 15, DropDays: 30,
		RenewalDays: 90, RenewalHealth: 60,
		StallDays:    14,
		DetractorMax: 6, DetractorDays: 30,
		Stale: StaleDays{Usage: 7, Survey: 180, Tickets: 7},
	}
}

// Validate reports every problem with the configuration at once.
func (c Config) Validate() error {
	var errs []error
	total := 0.0
	for name, w := range c.Weights {
		if !slices.Contains(componentOrder, name) {
			errs = append(errs, fmt.Errorf("health.weights: unknown component %q (use %s)", name, strings.Join(componentOrder, ", ")))
		}
		if w < 0 || math.IsNaN(w) {
			errs = append(errs, fmt.Errorf("health.weights.%s: %v must not be negative", name, w))
		}
		total += w
	}
	if total <= 0 {
		errs = append(errs, errors.New("health.weights: at least one weight must be positive"))
	}
	if c.Yellow < 0 || c.Green > 100 || c.Yellow >= c.Green {
		errs = append(errs, fmt.Errorf("health.green (%d) and health.yellow (%d): need 0 <= yellow < green <= 100", c.Green, c.Yellow))
	}
	for tier, days := range c.TouchDays {
		if !slices.Contains(store.Tiers, tier) {
			errs = append(errs, fmt.Errorf("health.touch_days: unknown tier %q: use high, low or tech", tier))
		}
		if days <= 0 {
			errs = append(errs, fmt.Errorf("health.touch_days.%s: %d must be positive", tier, days))
		}
	}
	for name, v := range map[string]int{"drop_points": c.DropPoints, "drop_days": c.DropDays, "renewal_days": c.RenewalDays, "stall_days": c.StallDays, "detractor_days": c.DetractorDays,
		"stale_days.usage": c.Stale.Usage, "stale_days.survey": c.Stale.Survey, "stale_days.tickets": c.Stale.Tickets} {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("health.%s: %d must be positive", name, v))
		}
	}
	if c.RenewalHealth < 0 || c.RenewalHealth > 100 {
		errs = append(errs, fmt.Errorf("health.renewal_health: %d must be within 0..100", c.RenewalHealth))
	}
	if c.DetractorMax < 0 || c.DetractorMax > 10 {
		errs = append(errs, fmt.Errorf("health.detractor_max: %d must be within 0..10 (NPS answers)", c.DetractorMax))
	}
	return errors.Join(errs...)
}

// Component is one measure's share of a score.
type Component struct {
	Name  string
	Score int // 0..100
	// Weight is re-normalised over the components that had data.
	Weight float64
	Detail Detail
}

// Detail is what a component was measured from; replies put it in words.
// Each component sets its own fields only.
type Detail struct {
	// Usage: Active of Seats active; Adoption is the percentage of key
	// features adopted, -1 when not measured.
	Active, Seats, Adoption int
	// Engagement: days since the last touch.
	Days int
	// Satisfaction: the NPS and CSAT answers, nil for one not given.
	NPS  *int
	CSAT *float64
	// Support: open tickets, how many of them escalated.
	Open, Escalated int
	// Onboarding: milestones due so far, how many done on time.
	Due, OnTime int
}

// Contribution is how many points the component adds to the score.
func (c Component) Contribution() float64 { return float64(c.Score) * c.Weight }

// Result is an account's health now.
type Result struct {
	Score      int // -1 when no component had data
	Band       string
	Components []Component
	// Missing names the components left out for lack of data.
	Missing []string
	// Weights is the version of the weights that made the score (set by
	// Engine.Assess; see Config.Version).
	Weights string
}

// Band names the band of a score.
func (c Config) Band(score int) string {
	switch {
	case score < 0:
		return NoData
	case score >= c.Green:
		return Green
	case score >= c.Yellow:
		return Yellow
	}
	return Red
}

// Score computes an account's health at now. Components without data are
// left out and the remaining weights re-normalised.
func (c Config) Score(a store.Account, now time.Time) Result {
	var comps []Component
	var missing []string
	total := 0.0
	for _, name := range componentOrder {
		w := c.Weights[name]
		if w <= 0 {
			continue
		}
		score, detail, ok := c.measure(name, a, now)
		if !ok {
			missing = append(missing, name)
			continue
		}
		comps = append(comps, Component{Name: name, Score: score, Weight: w, Detail: detail})
		total += w
	}
	if len(comps) == 0 {
		return Result{Score: -1, Band: NoData, Missing: missing}
	}
	sum := 0.0
	for i := range comps {
		comps[i].Weight /= total
		sum += comps[i].Contribution()
	}
	score := int(math.Round(sum))
	return Result{Score: score, Band: c.Band(score), Components: comps, Missing: missing}
}

func (c Config) measure(name string, a store.Account, now time.Time) (int, Detail, bool) {
	switch name {
	case Usage:
		if a.Seats <= 0 {
			return 0, Detail{}, false
		}
		util := min(float64(a.ActiveUsers)/float64(a.Seats), 1)
		d := Detail{Active: a.ActiveUsers, Seats: a.Seats, Adoption: -1}
		if a.FeatureAdoption == nil {
			return pct(util), d, true
		}
		adoption := clamp01(*a.FeatureAdoption)
		d.Adoption = pct(adoption)
		return pct(0.7*util + 0.3*adoption), d, true
	case Engagement:
		if a.LastTouch.IsZero() {
			return 0, Detail{}, false
		}
		days := store.DaysBetween(a.LastTouch, now)
		allowed := c.allowance(a.Tier)
		// Full marks within half the allowance, nothing at twice it.
		score := 1 - (float64(days)-float64(allowed)/2)/(1.5*float64(allowed))
		return pct(clamp01(score)), Detail{Days: days}, true
	case Satisfaction:
		var parts []float64
		if a.NPS != nil {
			parts = append(parts, float64(*a.NPS)/10)
		}
		if a.CSAT != nil {
			parts = append(parts, (*a.CSAT-1)/4)
		}
		if len(parts) == 0 {
			return 0, Detail{}, false
		}
		sum := 0.0
		for _, p := range parts {
			sum += clamp01(p)
		}
		return pct(sum / float64(len(parts))), Detail{NPS: a.NPS, CSAT: a.CSAT}, true
	case Support:
		if a.OpenTickets == nil {
			return 0, Detail{}, false
		}
		score := 100 - 10**a.OpenTickets - 25*a.Escalations
		return max(score, 0), Detail{Open: *a.OpenTickets, Escalated: a.Escalations}, true
	case Onboarding:
		due, onTime, late := 0, 0, 0
		for _, m := range a.Milestones {
			if m.Due.After(now) {
				continue
			}
			due++
			switch {
			case m.Done == nil:
			case !m.Done.After(m.Due.Add(24 * time.Hour)):
				onTime++
			default:
				late++
			}
		}
		if len(a.Milestones) == 0 {
			return 0, Detail{}, false
		}
		d := Detail{Due: due, OnTime: onTime}
		if due == 0 {
			return 100, d, true
		}
		return pct((float64(onTime) + 0.5*float64(late)) / float64(due)), d, true
	}
	return 0, Detail{}, false
}

// allowance is the touch gap the engagement measure allows a tier.
func (c Config) allowance(t store.Tier) int {
	if days := c.TouchDays[t]; days > 0 {
		return days
	}
	return 90 // tech touch: automation, people step in on signals
}

// Version is a short stable hash of what in the configuration shapes a
// score: each weight's share of the total (only shares count, so 35/20/...
// and 0.35/0.2/... are one version) and the touch allowances engagement
// uses. Bands and risk thresholds change no score, so they keep the version.
func (c Config) Version() string {
	var b strings.Builder
	total := 0.0
	for _, name := range componentOrder {
		total += max(c.Weights[name], 0)
	}
	for _, name := range componentOrder {
		if w := c.Weights[name]; w > 0 {
			fmt.Fprintf(&b, "%s=%.6f;", name, w/total)
		}
	}
	for _, t := range store.Tiers {
		fmt.Fprintf(&b, "%s=%d;", t, c.allowance(t))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:4])
}

// Plural writes "1 open ticket" or "3 open tickets".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func pct(f float64) int { return int(math.Round(100 * f)) }

func clamp01(f float64) float64 { return max(0, min(1, f)) }
