package outbound_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/outbound"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/storetest"
)

// A message is queued once under the id made of what it is, and reads
// back as it was queued.
func TestEnqueue(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 25, 0, 15, 0, 0, time.UTC)
	m := outbound.Message{Kind: "reminder", Playbook: "high-touch", Step: "weekly-check-in", Account: "acme", Recipient: "aiko",
		Due: now, Created: now, Reply: bot.Reply{Title: "Reminder", Buttons: []bot.Button{{ID: "health", Value: "health acme"}}}}
	const id = "reminder/high-touch/weekly-check-in/acme/aiko/2026-11-25"
	if got := m.OutboxID(); got != id {
		t.Fatalf("OutboxID = %q, want %q", got, id)
	}
	for i, want := range []bool{true, false} {
		created, err := outbound.Enqueue(ctx, st, m)
		if err != nil || created != want {
			t.Fatalf("Enqueue #%d = %v, %v; want %v", i+1, created, err, want)
		}
	}
	it, err := st.Outbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	back, err := outbound.MessageOf(it)
	if err != nil {
		t.Fatal(err)
	}
	m.ID = id
	if diff := cmp.Diff(m, back); diff != "" {
		t.Errorf("read back (-queued +read):\n%s", diff)
	}

	// A snoozed copy keeps its own id and waits.
	back.ID, back.NotBefore = id+"/snoozed-2026-11-25", now.Add(24*time.Hour)
	if created, err := outbound.Enqueue(ctx, st, back); err != nil || !created {
		t.Fatalf("Enqueue(snoozed) = %v, %v", created, err)
	}
	if due, err := st.OutboxDue(ctx, now); err != nil || len(due) != 1 || due[0].ID != id {
		t.Errorf("due now = %v, %v; want only the original", due, err)
	}

	// Bad input changes nothing.
	if _, err := outbound.Enqueue(ctx, st, outbound.Message{Kind: "reminder", Due: now}); err == nil {
		t.Error("a message without a recipient was queued")
	}
	if _, err := outbound.MessageOf(store.OutboxItem{ID: "x", Payload: "{"}); err == nil {
		t.Error("an unreadable payload was read")
	}
}

// Prune drops sent messages and claims past their retention only.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 11, 25, 3, 30, 0, 0, time.UTC)
	old, recent := now.Add(-outbound.KeepSent-24*time.Hour), now.Add(-outbound.KeepSent+24*time.Hour)
	ids := map[time.Time]string{}
	for _, sent := range []time.Time{old, recent} {
		m := outbound.Message{Kind: "summary", Playbook: "weekly", Recipient: "keiko", Due: sent, Created: sent}
		ids[sent] = m.OutboxID()
		if _, err := outbound.Enqueue(ctx, st, m); err != nil {
			t.Fatal(err)
		}
		if _, won, err := st.ClaimForSend(ctx, m.OutboxID(), "t", sent, time.Minute); err != nil || !won {
			t.Fatal(won, err)
		}
		if err := st.MarkSent(ctx, m.OutboxID(), "t", sent); err != nil {
			t.Fatal(err)
		}
	}
	if err := outbound.Prune(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Outbox(ctx, ids[old]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old sent message: %v, want it pruned", err)
	}
	if _, err := st.Outbox(ctx, ids[recent]); err != nil {
		t.Errorf("recent sent message: %v, want it kept", err)
	}
}
