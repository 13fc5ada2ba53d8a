package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

func TestAssignments(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if _, err := st.Assignment(ctx, "yuki"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing assignment: %v", err)
	}
	a := store.Assignment{NewHire: "yuki", Template: "csm-30-60-90", Mentor: "aiko", Start: "2026-11-02", AssignedBy: "hiro", AssignedAt: at, UpdatedAt: at}
	a.SetState(store.ItemState{Key: "crm-setup", DoneAt: at, DoneBy: "yuki", Evidence: "https://x"})
	a.Record(at, "hiro", "assign", "", "template csm-30-60-90")
	if err := st.SaveAssignment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveAssignment(ctx, store.Assignment{NewHire: "ken", Template: "ops-onboarding", Start: "2026-11-09", AssignedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Assignment(ctx, "yuki")
	if err != nil {
		t.Fatal(err)
	}
	a.Version = 1 // the first write
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	all, err := st.Assignments(ctx)
	if err != nil || len(all) != 2 || all[0].NewHire != "ken" || all[1].NewHire != "yuki" {
		t.Errorf("Assignments = %+v, %v", all, err)
	}

	// UpdateAssignment creates, edits, and refuses without writing.
	created, err := st.UpdateAssignment(ctx, "eve", func(a *store.Assignment) error {
		a.Template, a.Start = "ops-onboarding", "2026-11-02"
		return nil
	})
	if err != nil || created.Version != 1 {
		t.Fatalf("create: %+v, %v", created, err)
	}
	refuse := errors.New("no")
	if _, err := st.UpdateAssignment(ctx, "eve", func(a *store.Assignment) error { a.Mentor = "x"; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("refused update: %v", err)
	}
	if e, _ := st.Assignment(ctx, "eve"); e.Mentor != "" || e.Version != 1 {
		t.Errorf("refused update wrote: %+v", e)
	}
}

// Concurrent ticks of one checklist all land, items and audit trail alike.
func TestUpdateAssignmentConcurrent(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	if err := st.SaveAssignment(ctx, store.Assignment{NewHire: "yuki", Template: "t", Start: "2026-11-02"}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a", "b", "c", "d", "e", "f"}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			_, err := st.UpdateAssignment(ctx, "yuki", func(a *store.Assignment) error {
				a.SetState(store.ItemState{Key: k, DoneAt: at, DoneBy: "yuki"})
				a.Record(at, "yuki", "done", k, "")
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	a, err := st.Assignment(ctx, "yuki")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !a.State(k).Done() {
			t.Errorf("item %s lost", k)
		}
	}
	if len(a.Audit) != len(keys) {
		t.Errorf("audit has %d entries, want %d", len(a.Audit), len(keys))
	}
}
