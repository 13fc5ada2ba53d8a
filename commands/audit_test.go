package commands_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/store"
)

// stamp is a record's time, which is the wall clock's: golden files hide it
// (2026-11-25 10:00 in English, 2026年11月25日 10:00 in Japanese).
var stamp = regexp.MustCompile(`\d{4}(-\d{2}-\d{2}|年\d{1,2}月\d{1,2}日) \d{2}:\d{2} `)

// Each kind of change made from chat leaves its record, by the member on
// the platform, and `/cs audit` shows them to leads and admins.
func TestAuditFromChat(t *testing.T) {
	f := newAccessFixture(t, nil)
	ctx := context.Background()
	for _, step := range []struct{ user, line string }{
		{"aiko", "/cs note acct-aiko call with the CTO"},
		{"aiko", "/cs playbook start save-plan acct-aiko"},
		{"hiro", "/cs team assign acct-aiko @tm"},
		{"hiro", "/cs team member tm locale:ja-JP"},
		{"mei", "/cs checklist assign @hana csm-30-60-90 start:2026-11-02"},
	} {
		if r := f.router.Handle(ctx, "console", step.user, step.line); r.Error {
			t.Fatalf("%s %s: %s", step.user, step.line, r.Text)
		}
	}
	want := []struct {
		kind, id, by string
		fields       []string
	}{
		{store.AuditAccount, "acct-aiko", "aiko", []string{"last_touch"}},
		{store.AuditAccount, "acct-aiko", "aiko", []string{"playbooks"}},
		{store.AuditAccount, "acct-aiko", "hiro", []string{"owner"}},
		{store.AuditMember, "tm", "hiro", []string{"locale"}},
		{store.AuditChecklist, "hana", "mei", []string{"start"}},
	}
	seen := map[string]int{}
	for _, w := range want {
		recs, err := f.st.Audit(ctx, w.kind, w.id, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for i, r := range recs {
			if i < seen[w.kind+w.id] || r.Actor != (store.Actor{Name: w.by, Platform: "console"}) {
				continue
			}
			for _, ch := range r.Changes {
				if ch.Field == w.fields[0] {
					found = true
					seen[w.kind+w.id] = i + 1
				}
			}
			if found {
				break
			}
		}
		if !found {
			t.Errorf("no record of %s %s changing %v by %s in %+v", w.kind, w.id, w.fields, w.by, recs)
		}
	}
	steps := []step{{"hiro", "/cs audit acct-aiko 7"}, {"hiro", "/cs audit @hiro"}, {"hiro", "/cs audit acct-aiko soon"}, {"hiro", "/cs audit @nobody"}}
	for _, lang := range languages {
		r := lang.router(f)
		got := console.Render(r.Handle(ctx, "console", "hiro", "/cs audit acct-aiko 7"))
		assertGolden(t, "audit-account"+lang.suffix, "/cs audit acct-aiko 7", stamp.ReplaceAllString(got, "<at> ")+"\n")
		got = transcript(ctx, r, steps)
		assertGolden(t, "audit-conversation"+lang.suffix, "the audit conversation", stamp.ReplaceAllString(got, "<at> "))
	}
	got := f.run("hiro", "/cs audit acct-aiko 7")
	got = f.run("hiro", "/cs audit @tm")
	if !strings.Contains(got, "@hiro (console) member v2: locale - -> \"ja-JP\"") {
		t.Errorf("member audit:\n%s", got)
	}
	// CSMs and executives may not; a lead not beyond the team.
	assertRefused(t, f, "aiko", "/cs audit acct-aiko", []string{"Refused by access rule `csm: audit = nothing`"})
	assertRefused(t, f, "keiko", "/cs audit @tm", []string{"Refused by access rule `exec: audit = nothing`"})
	assertRefused(t, f, "hiro", "/cs audit acct-os", []string{"Refused by access rule `lead: audit = team`: Account of os belongs to @os (team osaka)."})
	if r := f.router.Handle(ctx, "console", "adam", "/cs audit acct-os"); r.Error {
		t.Errorf("admin refused: %s", r.Text)
	}
	assertRefused(t, f, "hiro", "/cs audit acct-aiko soon", []string{"'soon' is not a number of days"})

	// The nightly refresh's record is keyed by its day: it shows no version.
	h := store.History{}.Record(time.Now(), 77)
	if err := f.st.SaveHistories(store.WithActor(ctx, store.Actor{Name: "scheduler", Channel: "health-refresh"}), map[string]store.History{"acct-aiko": h}); err != nil {
		t.Fatal(err)
	}
	if got := f.run("hiro", "/cs audit acct-aiko"); !strings.Contains(got, "scheduler (health-refresh) account: history") || strings.Contains(got, " v0") {
		t.Errorf("the refresh's record is not shown by its day alone:\n%s", got)
	}
}
