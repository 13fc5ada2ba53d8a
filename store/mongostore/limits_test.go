package mongostore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// The store refuses text over the limits whoever calls it, and writes nothing.
func TestWritesRefuseTooLongText(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	longName := strings.Repeat("名", store.MaxName+1)
	longNote := strings.Repeat("x", store.MaxNote+1)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		write func() error
		read  func() error // reads what write would have written
	}{
		{"account", func() error {
			_, err := s.UpdateAccounts(ctx, []string{"acme"}, true, func(a *store.Account) error {
				a.Name, a.Tier, a.Phase = longName, store.TierHigh, store.PhaseAdoption
				return nil
			})
			return err
		}, func() error { _, err := s.Account(ctx, "acme"); return err }},
		{"accounts in bulk", func() error {
			return s.PutAccounts(ctx, []store.Account{{Slug: "beta", Name: "Beta"}, {Slug: "gamma", Name: longName}})
		}, func() error { _, err := s.Account(ctx, "beta"); return err }},
		{"member", func() error { return s.SaveMember(ctx, store.Member{ID: "aiko", Name: longName}) },
			func() error { _, err := s.Member(ctx, "aiko"); return err }},
		{"team", func() error { return s.SaveTeam(ctx, store.Team{ID: "tokyo", Name: longName}) },
			func() error { _, err := s.Team(ctx, "tokyo"); return err }},
		{"touch", func() error {
			return s.AddTouch(ctx, store.Touch{ID: "t1", Account: "acme", Kind: "note", Text: longNote, At: at})
		}, func() error {
			// Re-sending a touch that was written changes nothing.
			changed, err := s.PutTouches(ctx, []store.Touch{{ID: "t1", Account: "acme", Kind: "note", Text: "ok", At: at}})
			if err == nil && len(changed) == 1 {
				return store.ErrNotFound
			}
			return err
		}},
		{"touches", func() error {
			_, err := s.PutTouches(ctx, []store.Touch{{ID: "t2", Account: "acme", Kind: "note", At: at}, {ID: "t3", Account: "acme", Kind: "note", Text: longNote, At: at}})
			return err
		}, func() error {
			changed, err := s.PutTouches(ctx, []store.Touch{{ID: "t2", Account: "acme", Kind: "note", At: at}})
			if err == nil && len(changed) == 1 {
				return store.ErrNotFound
			}
			return err
		}},
		{"checklist evidence", func() error {
			_, err := s.UpdateAssignment(ctx, "hana", func(a *store.Assignment) error {
				a.Template = "csm"
				a.SetState(store.ItemState{Key: "kickoff", DoneAt: at, Evidence: longNote})
				return nil
			})
			return err
		}, func() error { _, err := s.Assignment(ctx, "hana"); return err }},
		{"checklist saved whole", func() error {
			return s.SaveAssignment(ctx, store.Assignment{NewHire: "ken", Items: []store.ItemState{{Key: "kickoff", Evidence: longNote}}})
		}, func() error { _, err := s.Assignment(ctx, "ken"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(); !errors.Is(err, store.ErrTooLong) {
				t.Fatalf("write = %v, want ErrTooLong", err)
			}
			if err := tt.read(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("read back = %v, want nothing written", err)
			}
		})
	}
}
