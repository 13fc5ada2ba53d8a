package health

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/csbot/csbot/store"
)

// Input is how fresh one input of a component is.
type Input struct {
	Component string
	// Name says what the input is (InputUsage, ...); replies put it in words.
	Name string
	// Date is when the input was last measured; zero when unknown.
	Date time.Time
	// Age is how many days old Date is; Limit the age past which the input
	// is stale, 0 when it never is.
	Age, Limit int
	Stale      bool
}

// The inputs whose freshness replies show.
const (
	InputUsage     = "usage-data"
	InputNPS       = "nps-answer"
	InputCSAT      = "csat-answer"
	InputTickets   = "ticket-counts"
	InputTouch     = "last-touch"
	InputMilestone = "last-milestone"
)

// Inputs says how fresh the inputs of r's components are, in component
// order. The last touch (engagement) and the last milestone done
// (onboarding) are what those components measure, so they are never stale;
// an input without a date is not flagged either, since its age is unknown.
func (c Config) Inputs(a store.Account, r Result, now time.Time) []Input {
	var out []Input
	add := func(comp, name string, date time.Time, limit int) {
		in := Input{Component: comp, Name: name, Date: date, Limit: limit}
		if !date.IsZero() {
			in.Age = store.DaysBetween(date, now)
			in.Stale = limit > 0 && in.Age > limit
		}
		out = append(out, in)
	}
	for _, comp := range r.Components {
		switch comp.Name {
		case Usage:
			add(Usage, InputUsage, a.UsageDate, c.Stale.Usage)
		case Satisfaction:
			if a.NPS != nil {
				add(Satisfaction, InputNPS, a.NPSDate, c.Stale.Survey)
			}
			if a.CSAT != nil {
				add(Satisfaction, InputCSAT, a.CSATDate, c.Stale.Survey)
			}
		case Support:
			add(Support, InputTickets, a.TicketsDate, c.Stale.Tickets)
		case Engagement:
			add(Engagement, InputTouch, a.LastTouch, 0)
		case Onboarding:
			add(Onboarding, InputMilestone, lastDone(a.Milestones), 0)
		}
	}
	return out
}

// StaleInputs returns the stale ones among r's inputs. It reads the
// account document only, so plain `/cs health` can afford it.
func (c Config) StaleInputs(a store.Account, r Result, now time.Time) []Input {
	var out []Input
	for _, in := range c.Inputs(a, r, now) {
		if in.Stale {
			out = append(out, in)
		}
	}
	return out
}

func lastDone(ms []store.Milestone) time.Time {
	var last time.Time
	for _, m := range ms {
		if m.Done != nil && m.Done.After(last) {
			last = *m.Done
		}
	}
	return last
}

// Explanation is what `/cs health <account> why` tells: what each
// component contributes, how fresh its input is, and what changed since
// last week.
type Explanation struct {
	Assessment
	Inputs []Input
	// Past is the snapshot compared with: the one of 7 days ago, else the
	// nearest older one within 3 more days. It is nil when there is none
	// made by the weights in force.
	Past *store.Snapshot
	// Changes are the components now or then, in component order; nil
	// when Past holds no component scores.
	Changes []Change
	// Driver is the component whose weighted change moved the score most;
	// empty when none moved by minDrive.
	Driver string
}

// minDrive is the smallest move that drives a change: less shows as 0.0.
const minDrive = 0.05

// Change is one component's move since the past snapshot.
type Change struct {
	Component string
	// ThenScore and NowScore are the component's scores, -1 without data.
	ThenScore, NowScore int
	// Then and Now are the points it contributed to the score.
	Then, Now float64
}

// Delta is the change in points the component brought to the score.
func (c Change) Delta() float64 { return c.Now - c.Then }

// WeekBack is how many days back `why` compares with.
const WeekBack = 7

// Why explains an account's score now. It reads at most four snapshots,
// by _id: 7 days back and up to 3 older days when that one is missing.
func (e *Engine) Why(ctx context.Context, a store.Account) (Explanation, error) {
	now := e.now()
	as := e.Assess(a)
	x := Explanation{Assessment: as, Inputs: e.cfg.Inputs(a, as.Result, now)}
	if as.Score < 0 {
		return x, nil
	}
	for back := WeekBack; back <= WeekBack+fallback; back++ {
		sn, err := e.repo.Snapshot(ctx, a.Slug, now.AddDate(0, 0, -back))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return x, fmt.Errorf("read the health snapshot of %s from %d days ago: %w", a.Slug, back, err)
		}
		// An older snapshot is no more comparable than this one.
		if e.comparable(sn, as.History) {
			x.Past = &sn
			// A snapshot without component scores (seeded demo data)
			// compares by its score only.
			if len(sn.Components) > 0 {
				x.Changes, x.Driver = e.cfg.changes(as.Result, sn)
			}
		}
		break
	}
	return x, nil
}

// comparable reports whether the weights in force made the snapshot. One
// from before versions were recorded counts when the history never
// restarted, as the history itself does (see current).
func (e *Engine) comparable(sn store.Snapshot, h store.History) bool {
	return sn.Weights == e.weights || sn.Weights == "" && h.Restarted == ""
}

// changes compares r with a past snapshot made by the same weights, whose
// shares over the components that had data then give each its points.
func (c Config) changes(r Result, past store.Snapshot) ([]Change, string) {
	total := 0.0
	for name := range past.Components {
		total += max(c.Weights[name], 0)
	}
	var out []Change
	for _, name := range componentOrder {
		ch := Change{Component: name, ThenScore: -1, NowScore: -1}
		if s, ok := past.Components[name]; ok && total > 0 {
			ch.ThenScore, ch.Then = s, float64(s)*max(c.Weights[name], 0)/total
		}
		for _, comp := range r.Components {
			if comp.Name == name {
				ch.NowScore, ch.Now = comp.Score, comp.Contribution()
			}
		}
		if ch.ThenScore >= 0 || ch.NowScore >= 0 {
			out = append(out, ch)
		}
	}
	driver, most := "", 0.0
	for _, ch := range out {
		if d := math.Abs(ch.Delta()); d > most {
			driver, most = ch.Component, d
		}
	}
	if most < minDrive {
		driver = ""
	}
	return out, driver
}
