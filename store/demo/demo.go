// Package demo builds and seeds a believable, deterministic demo organisation
// for csbot: three teams, their members, 60 accounts across the touch tiers
// and 90 days of health history, crafted so that every churn-risk rule fires
// for a few accounts while most accounts stay healthy, named in English or
// in Japanese. `csbot seed demo [ja]` and `csbot console --demo [ja]` use it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csbot/csbot/store"
)

// Repo is what seeding needs.
type Repo interface {
	SaveTeam(ctx context.Context, t store.Team) error
	SaveMember(ctx context.Context, m store.Member) error
	SaveSnapshots(ctx context.Context, snaps []store.Snapshot) error
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	SaveAssignment(ctx context.Context, a store.Assignment) error
	AddTouch(ctx context.Context, t store.Touch) error
	EventRepo
}

// Saver scores and writes an account with its index row and today's
// snapshot; *health.Engine is one.
type Saver interface {
	Put(ctx context.Context, accounts ...store.Account) error
}

// Result counts what Seed wrote. Snapshots counts the historical snapshots
// (days before today); the Saver writes today's snapshot of each account on
// top. Skipped is true when the store had been seeded before and nothing was
// written.
type Result struct {
	Teams, Members, Accounts, Snapshots int
	Skipped                             bool
}

// MetaKey is the bookkeeping key Seed sets, to the day it seeded, once
// everything else is written.
const MetaKey = "demo-seeded"

// seedActor is who the audit trail says wrote the demo data.
var seedActor = store.Actor{Name: "seed", Channel: "demo"}

// Seed writes the English demo organisation; see SeedIn.
func Seed(ctx context.Context, r Repo, s Saver, now time.Time) (Result, error) {
	return SeedIn(ctx, r, s, English, now)
}

// SeedIn writes the demo organisation built by DataIn(lang, now): teams, members,
// accounts (through s, so scores and index rows are computed), their
// history snapshots and the events of Events(now). It is idempotent: once
// the marker is set a second call writes nothing and returns
// Result{Skipped: true}. The marker is written
// last, so an interrupted seed is redone in full (every write is an upsert).
// The Japanese demo also logs a few notes on the accounts' timelines.
func SeedIn(ctx context.Context, r Repo, s Saver, lang string, now time.Time) (Result, error) {
	if !slices.Contains(Languages, lang) {
		return Result{}, fmt.Errorf("demo seed: no demo in %q: use %s", lang, strings.Join(Languages, " or "))
	}
	ctx = store.WithActor(ctx, seedActor)
	if _, err := r.Meta(ctx, MetaKey); err == nil {
		return Result{Skipped: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("demo seed: %w", err)
	}
	teams, members, accounts := DataIn(lang, now)
	var res Result
	for _, t := range teams {
		if err := r.SaveTeam(ctx, t); err != nil {
			return res, fmt.Errorf("demo seed: team %s: %w", t.ID, err)
		}
		res.Teams++
	}
	// Members before accounts: saving an account looks up its owner's team.
	for _, m := range members {
		if err := r.SaveMember(ctx, m); err != nil {
			return res, fmt.Errorf("demo seed: member %s: %w", m.ID, err)
		}
		res.Members++
	}
	// The new hire is 18 days into the CSM checklist, mentored by kenji.
	if err := r.SaveAssignment(ctx, newHireChecklist(now)); err != nil {
		return res, fmt.Errorf("demo seed: checklist: %w", err)
	}
	if err := s.Put(ctx, accounts...); err != nil {
		return res, fmt.Errorf("demo seed: %w", err)
	}
	res.Accounts = len(accounts)
	snaps := snapshots(accounts)
	if err := r.SaveSnapshots(ctx, snaps); err != nil {
		return res, fmt.Errorf("demo seed: snapshots: %w", err)
	}
	res.Snapshots = len(snaps)
	if lang == Japanese {
		for _, t := range notes(accounts) {
			if err := r.AddTouch(ctx, t); err != nil {
				return res, fmt.Errorf("demo seed: note on %s: %w", t.Account, err)
			}
		}
	}
	if err := seedEvents(ctx, r, now); err != nil {
		return res, err
	}
	if err := r.SetMeta(ctx, MetaKey, store.Day(now)); err != nil {
		return res, fmt.Errorf("demo seed: %w", err)
	}
	return res, nil
}

// newHireChecklist is hana's csm-30-60-90 checklist, started 18 days ago:
// two items done (one signed off), the rest open, some overdue.
func newHireChecklist(now time.Time) store.Assignment {
	day := func(offset int) time.Time {
		return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, offset).Add(10 * time.Hour)
	}
	return store.Assignment{
		NewHire: "hana", Template: "csm-30-60-90", Mentor: "kenji", Start: store.Day(day(-18)),
		AssignedBy: "haruto", AssignedAt: day(-18),
		Items: []store.ItemState{
			{Key: "crm-setup", DoneAt: day(-16), DoneBy: "hana"},
			{Key: "product-training", DoneAt: day(-14), DoneBy: "hana", Evidence: "Completed the admin course", VerifiedAt: day(-13), VerifiedBy: "kenji"},
		},
		Audit: []store.AuditEntry{
			{At: day(-18), By: "haruto", Action: "assign"},
			{At: day(-16), By: "hana", Action: "done", Item: "crm-setup"},
			{At: day(-14), By: "hana", Action: "done", Item: "product-training"},
			{At: day(-13), By: "kenji", Action: "verify", Item: "product-training"},
		},
		UpdatedAt: day(-13),
	}
}
