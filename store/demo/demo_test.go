package demo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// now is the fixed clock of these tests: mid-morning, so dates counted from
// midnight and the engine's clock differ as they do in real use.
var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func TestDataIsDeterministic(t *testing.T) {
	t1, m1, a1 := demo.Data(now)
	t2, m2, a2 := demo.Data(now)
	if d := cmp.Diff(t1, t2); d != "" {
		t.Errorf("teams differ between calls (-first +second):\n%s", d)
	}
	if d := cmp.Diff(m1, m2); d != "" {
		t.Errorf("members differ between calls (-first +second):\n%s", d)
	}
	if d := cmp.Diff(a1, a2); d != "" {
		t.Errorf("accounts differ between calls (-first +second):\n%s", d)
	}
	// Only the day counts, not the time of day or the zone.
	_, _, a3 := demo.Data(time.Date(2026, 3, 10, 23, 59, 0, 0, time.UTC).In(time.FixedZone("UTC-5", -5*3600)))
	if d := cmp.Diff(a1, a3); d != "" {
		t.Errorf("accounts differ within the same UTC day (-09:30 +23:59):\n%s", d)
	}
}

// TestRulesFireOnAnyDay scores the data as the engine does, without a store,
// on days and at times of day other than the fixed clock.
func TestRulesFireOnAnyDay(t *testing.T) {
	cfg := health.DefaultConfig()
	for _, at := range []time.Time{
		now,
		time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2030, 12, 31, 15, 0, 0, 0, time.UTC),
	} {
		_, _, accounts := demo.Data(at)
		fired := map[string]int{}
		for _, a := range accounts {
			r := cfg.Score(a, at)
			if r.Score < 0 {
				t.Errorf("%s: %s has no score", at, a.Slug)
			}
			for _, risk := range cfg.Risks(a, r, at) {
				fired[risk.Rule]++
			}
		}
		for _, rule := range health.Rules {
			if fired[rule] == 0 {
				t.Errorf("%s: rule %s fires for no account", at, rule)
			}
		}
	}
}

func TestDataReferences(t *testing.T) {
	teams, members, accounts := demo.Data(now)
	teamIDs := map[string]bool{}
	for _, tm := range teams {
		teamIDs[tm.ID] = true
	}
	byID := map[string]store.Member{}
	slack := map[string]string{}
	for _, m := range members {
		if _, dup := byID[m.ID]; dup {
			t.Errorf("member %s listed twice", m.ID)
		}
		byID[m.ID] = m
		if m.ID != strings.ToLower(m.ID) || strings.ContainsAny(m.ID, " @") {
			t.Errorf("member id %q is not a short lowercase handle", m.ID)
		}
		for _, r := range m.Roles {
			if _, err := store.ParseRole(string(r)); err != nil {
				t.Errorf("member %s: %v", m.ID, err)
			}
		}
		if _, err := time.LoadLocation(m.TZ); err != nil || m.TZ == "" {
			t.Errorf("member %s: time zone %q: %v", m.ID, m.TZ, err)
		}
		id := m.Identities["slack"]
		if id == "" {
			t.Errorf("member %s has no slack identity", m.ID)
		}
		if other, dup := slack[id]; dup {
			t.Errorf("slack user %s given to both %s and %s", id, other, m.ID)
		}
		slack[id] = m.ID
	}
	if len(teams) != 3 {
		t.Errorf("got %d teams, want 3", len(teams))
	}
	for _, tm := range teams {
		lead, ok := byID[tm.Lead]
		if !ok || !lead.Has(store.RoleLead) || lead.Team != tm.ID {
			t.Errorf("team %s: lead %q is not a lead member of the team", tm.ID, tm.Lead)
		}
	}
	for _, m := range members {
		if m.Team != "" && !teamIDs[m.Team] {
			t.Errorf("member %s: team %q does not exist", m.ID, m.Team)
		}
		if m.Lead != "" {
			lead, ok := byID[m.Lead]
			if !ok || !lead.Has(store.RoleLead) || lead.Team != m.Team {
				t.Errorf("member %s: lead %q is not the lead of team %q", m.ID, m.Lead, m.Team)
			}
		}
		if m.Has(store.RoleCSM, store.RoleNewHire) && (m.Team == "" || m.Lead == "") {
			t.Errorf("member %s (%v) needs a team and a lead", m.ID, m.Roles)
		}
	}

	count := func(role store.Role) (ids []string) {
		for _, m := range members {
			if m.Has(role) {
				ids = append(ids, m.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	if admins := count(store.RoleAdmin); len(admins) != 1 || !byID[admins[0]].Has(store.RoleOps) {
		t.Errorf("admins %v, want exactly one, the ops member", admins)
	}
	if n := len(count(store.RoleCSM)); n < 6 || n > 10 {
		t.Errorf("got %d CSMs, want about 8", n)
	}
	for _, role := range []store.Role{store.RoleExec, store.RoleMentor, store.RoleNewHire} {
		if ids := count(role); len(ids) != 1 {
			t.Errorf("%s members %v, want one", role, ids)
		}
	}
	if hires := count(store.RoleNewHire); len(hires) == 1 && byID[hires[0]].Team != "tokyo" {
		t.Errorf("new hire %s is in team %q, want tokyo", hires[0], byID[hires[0]].Team)
	}

	slugs := map[string]bool{}
	for _, a := range accounts {
		if slugs[a.Slug] {
			t.Errorf("slug %s used twice", a.Slug)
		}
		slugs[a.Slug] = true
		if owner, ok := byID[a.Owner]; !ok || !owner.Has(store.RoleCSM) {
			t.Errorf("account %s: owner %q is not a CSM", a.Slug, a.Owner)
		}
		if len(a.History.Values()) == 0 || a.History.End != store.Day(now.AddDate(0, 0, -1)) {
			t.Errorf("account %s: history ends %q, want yesterday", a.Slug, a.History.End)
		}
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })

	res, err := demo.Seed(ctx, st, eng, now)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	teams, members, accounts := demo.Data(now)
	wantSnaps := 0
	for _, a := range accounts {
		for _, v := range a.History.Values() {
			if v >= 0 {
				wantSnaps++
			}
		}
	}
	want := demo.Result{Teams: len(teams), Members: len(members), Accounts: len(accounts), Snapshots: wantSnaps}
	if d := cmp.Diff(want, res); d != "" {
		t.Fatalf("seed result (-want +got):\n%s", d)
	}
	if res.Teams != 3 || res.Accounts < 50 || res.Members < 12 || res.Snapshots < 40*store.HistoryDays {
		t.Errorf("seed result %+v: too small a demo", res)
	}
	// The audit trail says the seed wrote the demo, not "unknown".
	recs, err := st.Audit(ctx, store.AuditAccount, accounts[0].Slug, time.Time{})
	if err != nil || len(recs) == 0 {
		t.Fatalf("audit of %s: %d records, %v", accounts[0].Slug, len(recs), err)
	}
	for _, r := range recs {
		if r.Actor != (store.Actor{Name: "seed", Channel: "demo"}) {
			t.Errorf("record %s written by %+v, want the seed", r.ID, r.Actor)
		}
	}
	if day, err := st.Meta(ctx, demo.MetaKey); err != nil || day != store.Day(now) {
		t.Errorf("marker %q, %v; want %s", day, err, store.Day(now))
	}
	if m, err := st.MemberByIdentity(ctx, "slack", members[0].Identities["slack"]); err != nil || m.ID != members[0].ID {
		t.Errorf("slack identity of %s maps to %q, %v", members[0].ID, m.ID, err)
	}
	sn, err := st.Snapshot(ctx, accounts[0].Slug, now.AddDate(0, 0, -45))
	if err != nil || sn.Score < 0 || sn.Band == "" {
		t.Errorf("snapshot of %s 45 days ago: %+v, %v", accounts[0].Slug, sn, err)
	}
	if _, err := st.Snapshot(ctx, accounts[0].Slug, now); err != nil {
		t.Errorf("today's snapshot (written by the engine): %v", err)
	}

	rows := sortedRows(t, st)
	if len(rows) != len(accounts) {
		t.Fatalf("index has %d rows, want %d", len(rows), len(accounts))
	}
	fired := map[string][]string{}
	tiers := map[store.Tier]int{}
	bands := map[string]int{}
	onboarding, renewSoon, healthy := 0, 0, 0
	for _, r := range rows {
		tiers[r.Tier]++
		bands[r.Band]++
		if r.Phase == store.PhaseOnboarding {
			onboarding++
		}
		if r.Renewal != "" && r.Renewal <= store.Day(now.AddDate(0, 0, 90)) {
			renewSoon++
		}
		if r.Team == "" {
			t.Errorf("row %s: owner %s has no team", r.Slug, r.Owner)
		}
		for _, risk := range r.Risks {
			fired[risk.Rule] = append(fired[risk.Rule], r.Slug)
		}
		if len(r.Risks) == 0 && r.Band == health.Green {
			healthy++
		}
	}
	for _, rule := range health.Rules {
		if len(fired[rule]) == 0 {
			t.Errorf("rule %s fires for no account", rule)
		} else {
			t.Logf("%s: %v", rule, fired[rule])
		}
	}
	for _, tier := range store.Tiers {
		if tiers[tier] < 5 {
			t.Errorf("only %d %s-touch accounts", tiers[tier], tier)
		}
	}
	if onboarding < 6 {
		t.Errorf("only %d accounts in onboarding, want about 10", onboarding)
	}
	if renewSoon < 5 {
		t.Errorf("only %d accounts renew within 90 days", renewSoon)
	}
	if healthy < len(rows)/2 {
		t.Errorf("only %d of %d accounts are green without risks, want most", healthy, len(rows))
	}
	if bands[health.NoData] > 0 {
		t.Errorf("%d accounts have no score", bands[health.NoData])
	}

	// A second seed writes nothing.
	before := allAccounts(t, st)
	again, err := demo.Seed(ctx, st, eng, now.Add(time.Hour))
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if d := cmp.Diff(demo.Result{Skipped: true}, again); d != "" {
		t.Errorf("second seed (-want +got):\n%s", d)
	}
	if d := cmp.Diff(rows, sortedRows(t, st)); d != "" {
		t.Errorf("second seed changed the index (-before +after):\n%s", d)
	}
	if d := cmp.Diff(before, allAccounts(t, st)); d != "" {
		t.Errorf("second seed changed accounts (-before +after):\n%s", d)
	}
}

// failingRepo fails SetMeta, as if the seed were interrupted at the end.
type failingRepo struct {
	*mongostore.Store
	failMeta bool
}

func (r *failingRepo) SetMeta(ctx context.Context, key, value string) error {
	if r.failMeta {
		return errors.New("interrupted")
	}
	return r.Store.SetMeta(ctx, key, value)
}

func TestSeedRedoneAfterInterruption(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	r := &failingRepo{Store: st, failMeta: true}
	if _, err := demo.Seed(ctx, r, eng, now); err == nil {
		t.Fatal("seed with a failing marker write succeeded")
	}
	if _, err := st.Meta(ctx, demo.MetaKey); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("marker after an interrupted seed: %v, want not found", err)
	}
	r.failMeta = false
	res, err := demo.Seed(ctx, r, eng, now)
	if err != nil || res.Skipped || res.Accounts == 0 {
		t.Fatalf("seed after interruption: %+v, %v; want a full seed", res, err)
	}
	_, _, accounts := demo.Data(now)
	if rows := sortedRows(t, st); len(rows) != len(accounts) {
		t.Errorf("index has %d rows after reseeding, want %d", len(rows), len(accounts))
	}
}

func sortedRows(t *testing.T, st *mongostore.Store) []store.AccountRow {
	t.Helper()
	rows, err := st.AccountRows(context.Background())
	if err != nil {
		t.Fatalf("account rows: %v", err)
	}
	slices.SortFunc(rows, func(a, b store.AccountRow) int { return strings.Compare(a.Slug, b.Slug) })
	return rows
}

func allAccounts(t *testing.T, st *mongostore.Store) []store.Account {
	t.Helper()
	var out []store.Account
	if err := st.EachAccount(context.Background(), func(a store.Account) error {
		out = append(out, a)
		return nil
	}); err != nil {
		t.Fatalf("read accounts: %v", err)
	}
	slices.SortFunc(out, func(a, b store.Account) int { return strings.Compare(a.Slug, b.Slug) })
	return out
}

// A bulk book reports its progress in both phases: the accounts written,
// then the accounts rescored, a batch at a time.
func TestSeedBookReportsProgress(t *testing.T) {
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	var written, rescored []int
	if err := demo.SeedBook(context.Background(), st, eng, 1200, now,
		func(n int) { written = append(written, n) }, func(n int) { rescored = append(rescored, n) }); err != nil {
		t.Fatal(err)
	}
	if want := []int{1000, 1200}; !slices.Equal(written, want) || !slices.Equal(rescored, want) {
		t.Errorf("written %v, rescored %v; want %v for both", written, rescored, want)
	}
}
