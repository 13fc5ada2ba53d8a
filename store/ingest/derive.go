package ingest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/csbot/csbot/store"
)

// The apply functions write a batch's valid items to the ledger and derive
// the account fields health reads from what the ledger now holds, for every
// account of the batch: a re-send that finds the account already derived
// changes nothing, and one that follows a failed rescore repairs it.

func (s *Service) applyUsage(ctx context.Context, rows []store.Usage, accounts map[string]store.Account) (int, []store.Account, error) {
	changed, err := s.st.PutUsage(ctx, rows)
	if err != nil {
		return 0, nil, err
	}
	latest := map[string]store.Usage{}
	for _, u := range rows {
		if cur, ok := latest[u.Account]; !ok || u.Day >= cur.Day {
			latest[u.Account] = u
		}
	}
	return len(changed), derive(accounts, latest, func(a *store.Account, u store.Usage) {
		// A day older than the account's figures is history, not news;
		// the same day again is a correction.
		if !a.UsageDate.IsZero() && u.Day < store.Day(a.UsageDate) {
			return
		}
		a.ActiveUsers, a.Seats = u.Active, u.Seats
		a.UsageDate, _ = time.Parse(time.DateOnly, u.Day)
		if u.Adoption != nil {
			a.FeatureAdoption = u.Adoption
		}
	}), nil
}

func (s *Service) applyResponses(ctx context.Context, rs []store.Response, accounts map[string]store.Account) (int, []store.Account, error) {
	changed, err := s.st.PutResponses(ctx, rs)
	if err != nil {
		return 0, nil, err
	}
	type pair struct{ nps, csat *store.Response }
	latest := map[string]pair{}
	for i := range rs {
		r := &rs[i]
		p := latest[r.Account]
		last := &p.nps
		if r.Kind == store.SurveyCSAT {
			last = &p.csat
		}
		if *last == nil || !r.At.Before((*last).At) {
			*last = r
		}
		latest[r.Account] = p
	}
	return len(changed), derive(accounts, latest, func(a *store.Account, p pair) {
		if r := p.nps; r != nil && !r.At.Before(a.NPSDate) {
			score := int(r.Score)
			a.NPS, a.NPSDate = &score, r.At
		}
		if r := p.csat; r != nil && !r.At.Before(a.CSATDate) {
			score := r.Score
			a.CSAT, a.CSATDate = &score, r.At
		}
	}), nil
}

func (s *Service) applyTickets(ctx context.Context, ts []store.Ticket, accounts map[string]store.Account) (int, []store.Account, error) {
	before, err := s.st.Tickets(ctx)
	if err != nil {
		return 0, nil, err
	}
	changed, err := s.st.PutTickets(ctx, ts)
	if err != nil {
		return 0, nil, err
	}
	byID := make(map[string]store.Ticket, len(before)+len(ts))
	for _, t := range before {
		byID[t.ID] = t
	}
	news := map[string]bool{}
	for _, t := range changed {
		news[t.Account] = true
		if old, ok := byID[t.ID]; ok && old.Account != t.Account {
			news[old.Account] = true // moved: the old account has one ticket less
		}
	}
	for _, t := range ts {
		byID[t.ID] = t
	}
	type counts struct{ open, escalated int }
	derived := map[string]counts{}
	for slug := range news {
		derived[slug] = counts{}
	}
	for _, t := range ts {
		derived[t.Account] = counts{}
	}
	for slug := range derived {
		if _, ok := accounts[slug]; !ok {
			a, err := s.st.Account(ctx, slug)
			if err != nil {
				return 0, nil, err
			}
			accounts[slug] = a
		}
	}
	for _, t := range byID {
		if c, ok := derived[t.Account]; ok && t.Closed == nil {
			c.open++
			if t.Escalated {
				c.escalated++
			}
			derived[t.Account] = c
		}
	}
	now := s.eng.Now().UTC().Truncate(time.Millisecond)
	return len(changed), derive(accounts, derived, func(a *store.Account, c counts) {
		if a.OpenTickets != nil && *a.OpenTickets == c.open && a.Escalations == c.escalated && !news[a.Slug] {
			return
		}
		a.OpenTickets, a.Escalations, a.TicketsDate = &c.open, c.escalated, now
	}), nil
}

func (s *Service) applyTouches(ctx context.Context, ts []store.Touch, accounts map[string]store.Account) (int, []store.Account, error) {
	changed, err := s.st.PutTouches(ctx, ts)
	if err != nil {
		return 0, nil, err
	}
	latest := map[string]time.Time{}
	for _, t := range ts {
		if t.At.After(latest[t.Account]) {
			latest[t.Account] = t.At
		}
	}
	return len(changed), derive(accounts, latest, func(a *store.Account, at time.Time) {
		if at.After(a.LastTouch) {
			a.LastTouch = at
		}
	}), nil
}

// applyRevenue derives ARR and the churn date from each account's revenue
// events in time order: new and renewal set ARR to their amount (and end a
// churn), expansion adds, contraction subtracts, cancellation sets ARR to 0
// and Churned to its day. An account whose events hold no new, renewal or
// cancellation keeps the ARR it was imported with, moved by its expansions
// and contractions (so an edited expansion moves it by the difference).
func (s *Service) applyRevenue(ctx context.Context, evs []store.RevenueEvent, accounts map[string]store.Account) (int, []store.Account, error) {
	before, err := s.st.RevenueEvents(ctx)
	if err != nil {
		return 0, nil, err
	}
	after := map[string]store.RevenueEvent{}
	for _, e := range before {
		after[e.ID] = e
	}
	affected := map[string]bool{}
	for _, e := range evs {
		if old, ok := after[e.ID]; ok {
			affected[old.Account] = true // an event moved to another account leaves this one
		}
		affected[e.Account] = true
	}
	for slug := range affected {
		if _, ok := accounts[slug]; !ok {
			a, err := s.st.Account(ctx, slug)
			if err != nil {
				return 0, nil, err
			}
			accounts[slug] = a
		}
	}
	if bases := revenueBases(byAccount(before, affected), affected, accounts); len(bases) > 0 {
		// Before the events: a batch cut short after this is re-sent whole
		// and derives the same ARR from the same base.
		if _, err := s.st.PutRevenue(ctx, bases); err != nil {
			return 0, nil, err
		}
		for _, b := range bases {
			after[b.ID] = b
		}
	}
	changed, err := s.st.PutRevenue(ctx, evs)
	if err != nil {
		return 0, nil, err
	}
	for _, e := range evs {
		after[e.ID] = e
	}
	cur := byAccount(slices.Collect(maps.Values(after)), affected)
	return len(changed), derive(accounts, affected, func(a *store.Account, _ bool) {
		evs := cur[a.Slug]
		if len(evs) == 0 {
			return
		}
		arr, churned, fixed := foldARR(evs)
		a.ARR = store.ClampARR(arr)
		if fixed {
			a.Churned = churned
		}
	}), nil
}

// revenueBases returns the base events (store.RevenueBase) of the affected
// accounts that have none yet among their events before (in time order):
// their ARR as it stands, less what earlier events (ingested before bases
// were kept) already moved it by.
func revenueBases(before map[string][]store.RevenueEvent, affected map[string]bool, accounts map[string]store.Account) []store.RevenueEvent {
	var out []store.RevenueEvent
	for _, slug := range slices.Sorted(maps.Keys(affected)) {
		evs := before[slug]
		a, ok := accounts[slug]
		if !ok || len(evs) > 0 && evs[0].Type == store.RevenueBase { // a base sorts first
			continue
		}
		base := a.ARR
		if prev, _, fixed := foldARR(evs); !fixed {
			base = store.AddARR(base, -prev)
		}
		out = append(out, store.RevenueEvent{ID: store.RevenueBase + "/" + a.Slug, Account: a.Slug, Type: store.RevenueBase, ARR: store.ClampARR(base)})
	}
	return out
}

// foldARR replays events from an ARR of 0, with saturating sums (each
// amount is at most store.MaxARR, their number is unbounded). fixed reports whether the
// result ignores the starting ARR (a new, renewal or cancellation event);
// churned is the day of a cancellation no later new or renewal undid.
func foldARR(evs []store.RevenueEvent) (arr int64, churned time.Time, fixed bool) {
	for _, e := range evs {
		switch e.Type {
		case store.RevenueBase:
			arr = e.ARR
		case store.RevenueNew, store.RevenueRenewal:
			arr, churned, fixed = e.ARR, time.Time{}, true
		case store.RevenueExpansion:
			arr = store.AddARR(arr, e.ARR)
		case store.RevenueContraction:
			arr = store.AddARR(arr, -e.ARR)
		case store.RevenueCancellation:
			arr, churned, fixed = 0, store.UTCDay(e.At), true
		}
	}
	return arr, churned, fixed
}

// byAccount groups the events of the given accounts, each in time order.
func byAccount(evs []store.RevenueEvent, want map[string]bool) map[string][]store.RevenueEvent {
	out := map[string][]store.RevenueEvent{}
	for _, e := range evs {
		if want[e.Account] {
			out[e.Account] = append(out[e.Account], e)
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b store.RevenueEvent) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
		})
	}
	return out
}

// derive applies fn to a copy of each account in by and returns the
// accounts whose derived fields it changed.
func derive[V any](accounts map[string]store.Account, by map[string]V, fn func(*store.Account, V)) []store.Account {
	var out []store.Account
	for slug, v := range by {
		a, ok := accounts[slug]
		if !ok {
			continue
		}
		b := a
		fn(&b, v)
		if !sameDerived(a, b) {
			accounts[slug] = b
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b store.Account) int { return cmp.Compare(a.Slug, b.Slug) })
	return out
}

// sameDerived compares the account fields ingest derives.
// withDerived copies the fields ingest derives (those sameDerived compares:
// keep the two in step) from pending onto the account as stored now, so
// that applying a pending change never undoes an edit made since (a new
// owner, a note, a playbook). The last touch is the later of the two: a
// note may be newer than any touch ingested.
func withDerived(cur, pending store.Account) store.Account {
	cur.ActiveUsers, cur.Seats, cur.FeatureAdoption, cur.UsageDate = pending.ActiveUsers, pending.Seats, pending.FeatureAdoption, pending.UsageDate
	cur.NPS, cur.NPSDate, cur.CSAT, cur.CSATDate = pending.NPS, pending.NPSDate, pending.CSAT, pending.CSATDate
	cur.OpenTickets, cur.Escalations, cur.TicketsDate = pending.OpenTickets, pending.Escalations, pending.TicketsDate
	cur.ARR, cur.Churned = pending.ARR, pending.Churned
	if pending.LastTouch.After(cur.LastTouch) {
		cur.LastTouch = pending.LastTouch
	}
	return cur
}

func sameDerived(a, b store.Account) bool {
	return a.ActiveUsers == b.ActiveUsers && a.Seats == b.Seats && samePtr(a.FeatureAdoption, b.FeatureAdoption) && a.UsageDate.Equal(b.UsageDate) &&
		samePtr(a.NPS, b.NPS) && a.NPSDate.Equal(b.NPSDate) && samePtr(a.CSAT, b.CSAT) && a.CSATDate.Equal(b.CSATDate) &&
		samePtr(a.OpenTickets, b.OpenTickets) && a.Escalations == b.Escalations && a.TicketsDate.Equal(b.TicketsDate) &&
		a.LastTouch.Equal(b.LastTouch) && a.ARR == b.ARR && a.Churned.Equal(b.Churned)
}

func samePtr[T comparable](a, b *T) bool {
	return a == b || a != nil && b != nil && *a == *b
}
