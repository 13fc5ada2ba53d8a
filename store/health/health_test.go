package health

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/csbot/csbot/store"
)

// now is the fixed clock of every test in this package: a Monday morning,
// deliberately not midnight, as time.Now never is.
var now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// daysAgo is now minus n whole days (same time of day).
func daysAgo(n int) time.Time { return now.AddDate(0, 0, -n) }

// approx compares the re-normalised float weights.
var approx = cmpopts.EquateApprox(0, 1e-9)

func allMissing() []string {
	return []string{Usage, Engagement, Satisfaction, Support, Onboarding}
}

// without returns the components of allMissing other than keep.
func without(keep ...string) []string {
	var out []string
	for _, c := range allMissing() {
		if !containsStr(keep, c) {
			out = append(out, c)
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// single is the Result of an account whose only data is one component: that
// component carries the whole weight and the others are missing.
func single(name string, score int, detail Detail) Result {
	return Result{
		Score:      score,
		Band:       DefaultConfig().Band(score),
		Components: []Component{{Name: name, Score: score, Weight: 1, Detail: detail}},
		Missing:    without(name),
	}
}

func TestScoreComponents(t *testing.T) {
	onTime := func(due time.Time) store.Milestone {
		return store.Milestone{Name: "on time", Due: due, Done: ptr(due)}
	}
	tests := []struct {
		name string
		acct store.Account
		want Result
	}{
		// Usage: active/seats capped at 1; with adoption 0.7*util + 0.3*adoption.
		{"usage 80 of 100", store.Account{Seats: 100, ActiveUsers: 80},
			single(Usage, 80, Detail{Active: 80, Seats: 100, Adoption: -1})},
		{"usage none active", store.Account{Seats: 100, ActiveUsers: 0},
			single(Usage, 0, Detail{Active: 0, Seats: 100, Adoption: -1})},
		{"usage above seats capped at 100", store.Account{Seats: 100, ActiveUsers: 150},
			single(Usage, 100, Detail{Active: 150, Seats: 100, Adoption: -1})},
		// 0.7*0.6 + 0.3*0.5 = 0.42 + 0.15 = 0.57 -> 57
		{"usage with feature adoption", store.Account{Seats: 100, ActiveUsers: 60, FeatureAdoption: ptr(0.5)},
			single(Usage, 57, Detail{Active: 60, Seats: 100, Adoption: 50})},
		// 0.7*0.2 + 0.3*1.0 = 0.14 + 0.30 = 0.44 -> 44
		{"usage low seats high adoption", store.Account{Seats: 50, ActiveUsers: 10, FeatureAdoption: ptr(1.0)},
			single(Usage, 44, Detail{Active: 10, Seats: 50, Adoption: 100})},
		// adoption clamped to 1: 0.7*1 + 0.3*1 = 1 -> 100
		{"usage adoption above 1 clamped", store.Account{Seats: 10, ActiveUsers: 10, FeatureAdoption: ptr(1.5)},
			single(Usage, 100, Detail{Active: 10, Seats: 10, Adoption: 100})},
		// adoption clamped to 0: 0.7*0.5 + 0 = 0.35 -> 35
		{"usage negative adoption clamped", store.Account{Seats: 10, ActiveUsers: 5, FeatureAdoption: ptr(-0.2)},
			single(Usage, 35, Detail{Active: 5, Seats: 10, Adoption: 0})},

		// Engagement: 1 - (days - allowed/2) / (1.5*allowed), clamped.
		// high allows 14: full marks up to 7 days, zero from 28.
		{"engagement high today", store.Account{Tier: store.TierHigh, LastTouch: now},
			single(Engagement, 100, Detail{})},
		{"engagement high yesterday", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(1)},
			single(Engagement, 100, Detail{Days: 1})},
		// 1 - (7-7)/21 = 1
		{"engagement high 7 days", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(7)},
			single(Engagement, 100, Detail{Days: 7})},
		// 1 - (10-7)/21 = 0.857 -> 86
		{"engagement high 10 days", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(10)},
			single(Engagement, 86, Detail{Days: 10})},
		// days are calendar days (UTC), not elapsed hours: 23:00 on 2026-10-19
		// is 13 days 10 hours before now but 14 calendar days: 1 - 7/21 -> 67
		{"engagement counts calendar days", store.Account{Tier: store.TierHigh, LastTouch: time.Date(2026, 10, 19, 23, 0, 0, 0, time.UTC)},
			single(Engagement, 67, Detail{Days: 14})},
		// 23:59 yesterday is 9 hours ago, but yesterday
		{"engagement late yesterday is yesterday", store.Account{Tier: store.TierHigh, LastTouch: time.Date(2026, 11, 1, 23, 59, 0, 0, time.UTC)},
			single(Engagement, 100, Detail{Days: 1})},
		// 1 - (13-7)/21 = 0.714 -> 71
		{"engagement high 13 days", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(13)},
			single(Engagement, 71, Detail{Days: 13})},
		// 1 - 7/21 = 0.667 -> 67
		{"engagement high 14 days", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(14)},
			single(Engagement, 67, Detail{Days: 14})},
		// 1 - 21/21 = 0
		{"engagement high 28 days", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(28)},
			single(Engagement, 0, Detail{Days: 28})},
		{"engagement high 40 days clamped", store.Account{Tier: store.TierHigh, LastTouch: daysAgo(40)},
			single(Engagement, 0, Detail{Days: 40})},
		// low allows 45: 1 - (22-22.5)/67.5 > 1 -> 100
		{"engagement low 22 days", store.Account{Tier: store.TierLow, LastTouch: daysAgo(22)},
			single(Engagement, 100, Detail{Days: 22})},
		// 1 - (30-22.5)/67.5 = 1 - 7.5/67.5 = 0.889 -> 89
		{"engagement low 30 days", store.Account{Tier: store.TierLow, LastTouch: daysAgo(30)},
			single(Engagement, 89, Detail{Days: 30})},
		// 1 - 22.5/67.5 = 0.667 -> 67
		{"engagement low 45 days", store.Account{Tier: store.TierLow, LastTouch: daysAgo(45)},
			single(Engagement, 67, Detail{Days: 45})},
		// 1 - 67.5/67.5 = 0
		{"engagement low 90 days", store.Account{Tier: store.TierLow, LastTouch: daysAgo(90)},
			single(Engagement, 0, Detail{Days: 90})},
		// tech has no touch_days: it is scored against 90 days.
		// 1 - (45-45)/135 = 1
		{"engagement tech 45 days", store.Account{Tier: store.TierTech, LastTouch: daysAgo(45)},
			single(Engagement, 100, Detail{Days: 45})},
		// 1 - 15/135 = 0.889 -> 89
		{"engagement tech 60 days", store.Account{Tier: store.TierTech, LastTouch: daysAgo(60)},
			single(Engagement, 89, Detail{Days: 60})},
		// 1 - 45/135 = 0.667 -> 67
		{"engagement tech 90 days", store.Account{Tier: store.TierTech, LastTouch: daysAgo(90)},
			single(Engagement, 67, Detail{Days: 90})},
		// 1 - 135/135 = 0
		{"engagement tech 180 days", store.Account{Tier: store.TierTech, LastTouch: daysAgo(180)},
			single(Engagement, 0, Detail{Days: 180})},

		// Satisfaction: NPS/10 and (CSAT-1)/4, averaged.
		{"satisfaction NPS only", store.Account{NPS: ptr(9)},
			single(Satisfaction, 90, Detail{NPS: ptr(9)})},
		// (4-1)/4 = 0.75
		{"satisfaction CSAT only", store.Account{CSAT: ptr(4.0)},
			single(Satisfaction, 75, Detail{CSAT: ptr(4.0)})},
		// (3.5-1)/4 = 0.625 -> 62.5 rounds half away from zero -> 63
		{"satisfaction CSAT rounds half up", store.Account{CSAT: ptr(3.5)},
			single(Satisfaction, 63, Detail{CSAT: ptr(3.5)})},
		// (0.6 + 1.0)/2 = 0.8
		{"satisfaction NPS and CSAT averaged", store.Account{NPS: ptr(6), CSAT: ptr(5.0)},
			single(Satisfaction, 80, Detail{NPS: ptr(6), CSAT: ptr(5.0)})},
		// (0 + 0)/2 = 0
		{"satisfaction lowest answers", store.Account{NPS: ptr(0), CSAT: ptr(1.0)},
			single(Satisfaction, 0, Detail{NPS: ptr(0), CSAT: ptr(1.0)})},
		{"satisfaction NPS 10", store.Account{NPS: ptr(10)},
			single(Satisfaction, 100, Detail{NPS: ptr(10)})},

		// Support: 100 - 10 per open ticket - 25 per escalation, not below 0.
		{"support no tickets", store.Account{OpenTickets: ptr(0)},
			single(Support, 100, Detail{Open: 0})},
		// 100 - 10 = 90, singular
		{"support 1 ticket", store.Account{OpenTickets: ptr(1)},
			single(Support, 90, Detail{Open: 1})},
		// 100 - 30 = 70
		{"support 3 tickets", store.Account{OpenTickets: ptr(3)},
			single(Support, 70, Detail{Open: 3})},
		// 100 - 20 - 25 = 55
		{"support tickets and escalation", store.Account{OpenTickets: ptr(2), Escalations: 1},
			single(Support, 55, Detail{Open: 2, Escalated: 1})},
		// 100 - 50 - 75 = -25 -> 0
		{"support floored at 0", store.Account{OpenTickets: ptr(5), Escalations: 3},
			single(Support, 0, Detail{Open: 5, Escalated: 3})},

		// Onboarding: (on time + 0.5*late) / due, among milestones due by now;
		// done up to 24 hours after the due time counts as on time.
		{"onboarding all on time", store.Account{Milestones: []store.Milestone{
			onTime(daysAgo(20)), onTime(daysAgo(10)), onTime(daysAgo(1)),
		}}, single(Onboarding, 100, Detail{Due: 3, OnTime: 3})},
		{"onboarding done exactly 24h late is on time", store.Account{Milestones: []store.Milestone{
			{Name: "Kickoff", Due: daysAgo(5), Done: ptr(daysAgo(4))},
		}}, single(Onboarding, 100, Detail{Due: 1, OnTime: 1})},
		// one late counts half: 0.5/1 = 50
		{"onboarding done 24h and a minute late is late", store.Account{Milestones: []store.Milestone{
			{Name: "Kickoff", Due: daysAgo(5), Done: ptr(daysAgo(4).Add(time.Minute))},
		}}, single(Onboarding, 50, Detail{Due: 1, OnTime: 0})},
		// (1 + 0.5) / 2 = 0.75
		{"onboarding one on time one late", store.Account{Milestones: []store.Milestone{
			onTime(daysAgo(20)), {Name: "Admin", Due: daysAgo(10), Done: ptr(daysAgo(3))},
		}}, single(Onboarding, 75, Detail{Due: 2, OnTime: 1})},
		// (1 + 0) / 2 = 0.5
		{"onboarding one on time one missing", store.Account{Milestones: []store.Milestone{
			onTime(daysAgo(20)), {Name: "Admin", Due: daysAgo(10)},
		}}, single(Onboarding, 50, Detail{Due: 2, OnTime: 1})},
		// (1 + 0.5 + 0 + 0) / 4 = 0.375 -> 37.5 -> 38
		{"onboarding mixed", store.Account{Milestones: []store.Milestone{
			onTime(daysAgo(30)),
			{Name: "late", Due: daysAgo(20), Done: ptr(daysAgo(2))},
			{Name: "missing 1", Due: daysAgo(10)},
			{Name: "missing 2", Due: daysAgo(5)},
		}}, single(Onboarding, 38, Detail{Due: 4, OnTime: 1})},
		{"onboarding milestone due exactly now counts", store.Account{Milestones: []store.Milestone{
			{Name: "Kickoff", Due: now},
		}}, single(Onboarding, 0, Detail{Due: 1, OnTime: 0})},
		// the future milestone is not due yet and does not count, done or not
		{"onboarding future milestones ignored", store.Account{Milestones: []store.Milestone{
			onTime(daysAgo(3)), {Name: "Training", Due: now.AddDate(0, 0, 5)},
			{Name: "Early", Due: now.AddDate(0, 0, 9), Done: ptr(daysAgo(1))},
		}}, single(Onboarding, 100, Detail{Due: 1, OnTime: 1})},
		{"onboarding nothing due yet", store.Account{Milestones: []store.Milestone{
			{Name: "Kickoff", Due: now.Add(time.Hour)}, {Name: "Admin", Due: now.AddDate(0, 0, 7)},
		}}, single(Onboarding, 100, Detail{})},
	}
	cfg := DefaultConfig()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cfg.Score(tc.acct, now)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreMissingData(t *testing.T) {
	tests := []struct {
		name string
		acct store.Account
		want Result
	}{
		{"no seats means no usage", store.Account{Seats: 0, ActiveUsers: 5, FeatureAdoption: ptr(0.5)},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
		{"no last touch means no engagement", store.Account{Tier: store.TierHigh},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
		{"NPS date without an answer is no satisfaction", store.Account{NPSDate: daysAgo(3)},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
		// escalations alone do not make support data: open tickets are required
		{"escalations without open tickets", store.Account{Escalations: 2},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
		{"empty milestone list", store.Account{Milestones: []store.Milestone{}},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
		{"nothing at all", store.Account{},
			Result{Score: -1, Band: NoData, Missing: allMissing()}},
	}
	cfg := DefaultConfig()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cfg.Score(tc.acct, now)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScoreWeights(t *testing.T) {
	// Component scores used below:
	//   usage 80 (80 of 100 seats), engagement 100 (high, touched today),
	//   satisfaction 90 (NPS 9), support 60 (4 tickets), onboarding 50
	//   (one milestone on time, one missing).
	full := store.Account{
		Tier: store.TierHigh, Seats: 100, ActiveUsers: 80, LastTouch: now,
		NPS: ptr(9), OpenTickets: ptr(4),
		Milestones: []store.Milestone{
			{Name: "Kickoff", Due: daysAgo(10), Done: ptr(daysAgo(10))},
			{Name: "Admin", Due: daysAgo(2)},
		},
	}
	usage := Component{Name: Usage, Score: 80, Detail: Detail{Active: 80, Seats: 100, Adoption: -1}}
	engagement := Component{Name: Engagement, Score: 100, Detail: Detail{}}
	satisfaction := Component{Name: Satisfaction, Score: 90, Detail: Detail{NPS: ptr(9)}}
	support := Component{Name: Support, Score: 60, Detail: Detail{Open: 4}}
	onboarding := Component{Name: Onboarding, Score: 50, Detail: Detail{Due: 2, OnTime: 1}}
	w := func(c Component, weight float64) Component { c.Weight = weight; return c }

	noSatisfactionNoOnboarding := full
	noSatisfactionNoOnboarding.NPS = nil
	noSatisfactionNoOnboarding.Milestones = nil

	onlySupport := store.Account{OpenTickets: ptr(4)}

	tests := []struct {
		name string
		cfg  func(*Config)
		acct store.Account
		want Result
	}{
		// .35*80 + .2*100 + .2*90 + .15*60 + .1*50 = 28 + 20 + 18 + 9 + 5 = 80
		{"all components, default weights", nil, full, Result{
			Score: 80, Band: Green,
			Components: []Component{w(usage, 0.35), w(engagement, 0.2), w(satisfaction, 0.2), w(support, 0.15), w(onboarding, 0.1)},
		}},
		// remaining weights .35 + .2 + .15 = .7, re-normalised to .5, 2/7, 1.5/7:
		// 80*.5 + 100*2/7 + 60*1.5/7 = 40 + 28.571 + 12.857 = 81.43 -> 81
		{"two components missing, weights re-normalised", nil, noSatisfactionNoOnboarding, Result{
			Score: 81, Band: Green,
			Components: []Component{w(usage, 0.5), w(engagement, 0.2/0.7), w(support, 0.15/0.7)},
			Missing:    []string{Satisfaction, Onboarding},
		}},
		{"only one component carries all the weight", nil, onlySupport, Result{
			Score: 60, Band: Yellow,
			Components: []Component{w(support, 1)},
			Missing:    []string{Usage, Engagement, Satisfaction, Onboarding},
		}},
		// weights need not sum to 1: 2 and 2 -> .5 and .5: 80*.5 + 60*.5 = 70
		{"custom weights normalised", func(c *Config) { c.Weights = map[string]float64{Usage: 2, Support: 2} }, full, Result{
			Score: 70, Band: Green,
			Components: []Component{w(usage, 0.5), w(support, 0.5)},
		}},
		// a zero-weight component is neither scored nor listed as missing
		{"zero weight is left out, not missing", func(c *Config) {
			c.Weights = map[string]float64{Usage: 1, Satisfaction: 0, Support: 3}
		}, noSatisfactionNoOnboarding, Result{
			// 80*.25 + 60*.75 = 20 + 45 = 65
			Score: 65, Band: Yellow,
			Components: []Component{w(usage, 0.25), w(support, 0.75)},
		}},
		{"only weighted component missing gives no score", func(c *Config) {
			c.Weights = map[string]float64{Satisfaction: 1}
		}, noSatisfactionNoOnboarding, Result{
			Score: -1, Band: NoData, Missing: []string{Satisfaction},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			got := cfg.Score(tc.acct, now)
			if diff := cmp.Diff(tc.want, got, approx); diff != "" {
				t.Errorf("Score (-want +got):\n%s", diff)
			}
			if len(got.Components) > 0 {
				sum, points := 0.0, 0.0
				for _, c := range got.Components {
					sum += c.Weight
					points += c.Contribution()
				}
				if diff := cmp.Diff(1.0, sum, approx); diff != "" {
					t.Errorf("weights sum (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(float64(tc.want.Score), points, cmpopts.EquateApprox(0, 0.5)); diff != "" {
					t.Errorf("sum of contributions (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestScoreBands(t *testing.T) {
	// One component (usage, active of 100 seats) so the score is the share.
	tests := []struct {
		active int
		band   string
	}{
		{100, Green},
		{70, Green},
		{69, Yellow},
		{40, Yellow},
		{39, Red},
		{0, Red},
	}
	cfg := DefaultConfig()
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %s", tc.active, tc.band), func(t *testing.T) {
			got := cfg.Score(store.Account{Seats: 100, ActiveUsers: tc.active}, now)
			if got.Score != tc.active || got.Band != tc.band {
				t.Errorf("%d of 100 seats: score %d band %q, want %d %q", tc.active, got.Score, got.Band, tc.active, tc.band)
			}
		})
	}
}

func TestBand(t *testing.T) {
	custom := DefaultConfig()
	custom.Green, custom.Yellow = 80, 50
	tests := []struct {
		cfg   Config
		score int
		want  string
	}{
		{DefaultConfig(), -1, NoData},
		{DefaultConfig(), 0, Red},
		{DefaultConfig(), 39, Red},
		{DefaultConfig(), 40, Yellow},
		{DefaultConfig(), 69, Yellow},
		{DefaultConfig(), 70, Green},
		{DefaultConfig(), 100, Green},
		{custom, 79, Yellow},
		{custom, 80, Green},
		{custom, 49, Red},
		{custom, 50, Yellow},
	}
	for _, tc := range tests {
		if got := tc.cfg.Band(tc.score); got != tc.want {
			t.Errorf("Band(%d) with green %d yellow %d = %q, want %q", tc.score, tc.cfg.Green, tc.cfg.Yellow, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v, want nil", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
		// want lists substrings the error must contain: the key at fault.
		want []string
	}{
		{"unknown component", func(c *Config) { c.Weights["happiness"] = 0.1 },
			[]string{`health.weights: unknown component "happiness"`}},
		{"negative weight", func(c *Config) { c.Weights[Support] = -0.15 },
			[]string{"health.weights.support: -0.15 must not be negative"}},
		{"NaN weight", func(c *Config) { c.Weights[Usage] = math.NaN() },
			[]string{"health.weights.usage: NaN must not be negative"}},
		{"all weights zero", func(c *Config) {
			for k := range c.Weights {
				c.Weights[k] = 0
			}
		}, []string{"health.weights: at least one weight must be positive"}},
		{"no weights", func(c *Config) { c.Weights = nil },
			[]string{"health.weights: at least one weight must be positive"}},
		{"yellow equal to green", func(c *Config) { c.Yellow = 70 },
			[]string{"health.green (70) and health.yellow (70)"}},
		{"yellow above green", func(c *Config) { c.Yellow = 80 },
			[]string{"health.green (70) and health.yellow (80)"}},
		{"green above 100", func(c *Config) { c.Green = 101 },
			[]string{"health.green (101) and health.yellow (40)"}},
		{"negative yellow", func(c *Config) { c.Yellow = -1 },
			[]string{"health.green (70) and health.yellow (-1)"}},
		{"bad tier in touch_days", func(c *Config) { c.TouchDays["medium"] = 30 },
			[]string{"health.touch_days:", `unknown tier "medium"`}},
		{"zero touch days", func(c *Config) { c.TouchDays[store.TierLow] = 0 },
			[]string{"health.touch_days.low: 0 must be positive"}},
		{"negative touch days", func(c *Config) { c.TouchDays[store.TierHigh] = -3 },
			[]string{"health.touch_days.high: -3 must be positive"}},
		{"zero drop_days", func(c *Config) { c.DropDays = 0 },
			[]string{"health.drop_days: 0 must be positive"}},
		{"negative renewal_days", func(c *Config) { c.RenewalDays = -90 },
			[]string{"health.renewal_days: -90 must be positive"}},
		{"zero stall_days", func(c *Config) { c.StallDays = 0 },
			[]string{"health.stall_days: 0 must be positive"}},
		{"zero detractor_days", func(c *Config) { c.DetractorDays = 0 },
			[]string{"health.detractor_days: 0 must be positive"}},
		{"zero stale_days.usage", func(c *Config) { c.Stale.Usage = 0 },
			[]string{"health.stale_days.usage: 0 must be positive"}},
		{"negative stale_days", func(c *Config) { c.Stale.Survey, c.Stale.Tickets = -1, -7 },
			[]string{"health.stale_days.survey: -1 must be positive", "health.stale_days.tickets: -7 must be positive"}},
		{"every problem reported at once", func(c *Config) {
			c.Weights["happiness"] = 1
			c.Yellow = 90
			c.StallDays = 0
		}, []string{`unknown component "happiness"`, "health.green (70) and health.yellow (90)", "health.stall_days: 0 must be positive"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig() // fresh maps for every case
			tc.change(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateAcceptsTuning(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Weights = map[string]float64{Usage: 1, Engagement: 0}
	cfg.Green, cfg.Yellow = 100, 0
	cfg.TouchDays[store.TierTech] = 120
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

// touch_days keys must be the exact tier names the rules look up: a key
// such as "high-touch" would otherwise be accepted and silently ignored.
func TestTouchDaysKeysMustBeExactTiers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TouchDays = map[store.Tier]int{"high-touch": 7, store.TierLow: 45}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), `health.touch_days: unknown tier "high-touch"`) {
		t.Errorf("Validate() = %v, want the high-touch key refused", err)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 open tickets", 1: "1 open ticket", 2: "2 open tickets", 11: "11 open tickets"} {
		if got := Plural(n, "open ticket"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
