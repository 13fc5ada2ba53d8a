package playbooks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the machine's zoneinfo

	"github.com/csbot/csbot/internal/golden"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

// The golden files are rewritten with `go test ./playbooks -run Digest -update`.
func digestGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Assert(t, "digest-"+name+".golden", []byte(got+"\n"))
}

// Mon 2026-03-09 12:00 UTC: Monday in Tokyo (21:00) and New York (08:00);
// up to 2 hours later it is still the same day in both.
var digestMon = time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)

func digestRisk(rule string) store.Risk {
	facts := map[string]store.Risk{
		"red-band":        {Score: 31, Limit: 40},
		"health-drop":     {Points: 18, Days: 30},
		"renewal-at-risk": {Days: 40, Date: time.Date(2026, 4, 18, 0, 0, 0, 0, time.UTC), Score: 52, Limit: 60},
		"nps-detractor":   {Score: 4, Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		"no-touch":        {Days: 21, Tier: store.TierHigh, Limit: 14},
	}
	k := facts[rule]
	k.Rule = rule
	return k
}

func digestRow(slug, name, team, owner string, arr int64, score int, band string, rules ...string) store.AccountRow {
	r := store.AccountRow{
		Slug: slug, Name: name, Tier: store.TierHigh, Owner: owner, Team: team,
		ARR: arr, Score: score, Band: band, Phase: store.PhaseAdoption,
	}
	for _, rule := range rules {
		r.Risks = append(r.Risks, digestRisk(rule))
	}
	return r
}

// digestOrg is two teams with leads in two time zones, a lead without a
// team, and a team whose named lead lacks the lead role.
// The MongoDB store is what csbot passes as the DigestStore.
var _ playbooks.DigestStore = (*mongostore.Store)(nil)

func digestOrg(t testing.TB) *mongostore.Store {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	for _, m := range []store.Member{
		{ID: "hana", Name: "Hana Sato", Roles: []store.Role{store.RoleLead}, Team: "tokyo", TZ: "Asia/Tokyo"},
		{ID: "aiko", Name: "Aiko Ito", Roles: []store.Role{store.RoleCSM}, Team: "tokyo", Lead: "hana", TZ: "Asia/Tokyo"},
		{ID: "ken", Name: "Ken Mori", Roles: []store.Role{store.RoleLead, store.RoleCSM}, Team: "osaka", TZ: "America/New_York"},
		{ID: "mika", Name: "Mika Abe", Roles: []store.Role{store.RoleLead}, TZ: "Asia/Tokyo"},              // leads no team
		{ID: "jun", Name: "Jun Ono", Roles: []store.Role{store.RoleCSM}, Team: "kyushu", TZ: "Asia/Tokyo"}, // named lead, not a lead
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tm := range []store.Team{
		{ID: "tokyo", Name: "Tokyo", Lead: "hana"},
		{ID: "osaka", Name: "Osaka", Lead: "ken"},
		{ID: "kyushu", Name: "Kyushu", Lead: "jun"},
		{ID: "nagoya", Name: "Nagoya"},
	} {
		if err := st.SaveTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	digestPut(t, st,
		digestRow("acme", "Acme Corp", "tokyo", "aiko", 250000, 31, "red", "red-band", "no-touch"),
		digestRow("beta", "Beta KK", "tokyo", "aiko", 120000, 52, "yellow", "renewal-at-risk"),
		digestRow("gamma", "Gamma Ltd", "tokyo", "hana", 40000, 66, "yellow", "nps-detractor"),
		digestRow("delta", "Delta Inc", "tokyo", "aiko", 900000, 88, "green"),
		digestRow("osaka-one", "Osaka One", "osaka", "ken", 75000, 35, "red", "red-band"),
		digestRow("kyu", "Kyu Co", "kyushu", "jun", 10000, 20, "red", "red-band"),
	)
	return st
}

func digestPut(t testing.TB, st *mongostore.Store, rows ...store.AccountRow) {
	t.Helper()
	if err := st.PutRows(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
}

func digestsAt(t *testing.T, st playbooks.DigestStore, now time.Time, lead string) []playbooks.Digest {
	t.Helper()
	return digestsIn(t, st, now, en, lead)
}

// digestsIn is digestsAt for a deployment of org's language and currency.
func digestsIn(t *testing.T, st playbooks.DigestStore, now time.Time, org i18n.Org, lead string) []playbooks.Digest {
	t.Helper()
	ds, err := playbooks.Digests(context.Background(), st, now, org, lead)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func digestOf(t *testing.T, ds []playbooks.Digest, lead string) playbooks.Digest {
	t.Helper()
	for _, d := range ds {
		if d.Lead.ID == lead {
			return d
		}
	}
	t.Fatalf("no digest for %s among %d", lead, len(ds))
	return playbooks.Digest{}
}

func digestRecord(t *testing.T, st playbooks.DigestStore, d playbooks.Digest) {
	t.Helper()
	if err := playbooks.RecordDigest(context.Background(), st, d); err != nil {
		t.Fatal(err)
	}
}

func digestFields(d playbooks.Digest) map[string]string {
	m := map[string]string{}
	for _, f := range d.Reply.Fields {
		m[f.Name] = f.Value
	}
	return m
}

func TestDigestFirstThenChanges(t *testing.T) {
	st := digestOrg(t)
	ds := digestsAt(t, st, digestMon, "")
	leads := make([]string, len(ds))
	for i, d := range ds {
		leads[i] = d.Lead.ID + "/" + d.Team.ID
	}
	// mika leads no team; jun is named lead of kyushu without the lead role;
	// nagoya has no lead.
	if want := []string{"ken/osaka", "hana/tokyo"}; !slices.Equal(leads, want) {
		t.Fatalf("digests for %v, want %v", leads, want)
	}
	mon := digestOf(t, ds, "hana")
	if mon.Date != "2026-03-09" || mon.Since != "" || mon.Recorded {
		t.Errorf("first digest: date %s since %q recorded %v", mon.Date, mon.Since, mon.Recorded)
	}
	if want := []string{"acme:red-band,no-touch", "beta:renewal-at-risk", "gamma:nps-detractor"}; !slices.Equal(mon.AtRisk, want) {
		t.Errorf("AtRisk = %q, want %q", mon.AtRisk, want)
	}
	if mon.Reply.Band != "red" || digestFields(mon)["ARR at risk"] != "410,000" || digestFields(mon)["At risk"] != "3 accounts" {
		t.Errorf("first digest band/fields: %s %v", mon.Reply.Band, mon.Reply.Fields)
	}
	digestGolden(t, "first", console.Render(mon.Reply))
	digestRecord(t, st, mon)

	// Tuesday: gamma recovered, epsilon is new, acme's no-touch cleared and
	// its renewal now at risk, zeta is new too.
	digestPut(t, st,
		digestRow("gamma", "Gamma Ltd", "tokyo", "hana", 40000, 75, "green"),
		digestRow("epsilon", "Epsilon GK", "tokyo", "", 60000, -1, "", "health-drop"),
		digestRow("acme", "Acme Corp", "tokyo", "aiko", 250000, 33, "red", "red-band", "renewal-at-risk"),
		digestRow("zeta", "Zeta KK", "tokyo", "aiko", 180000, 45, "yellow", "no-touch"),
	)
	tue := digestOf(t, digestsAt(t, st, digestMon.Add(24*time.Hour), "hana"), "hana")
	if tue.Date != "2026-03-10" || tue.Since != "2026-03-09" || tue.Recorded {
		t.Errorf("second digest: date %s since %q recorded %v", tue.Date, tue.Since, tue.Recorded)
	}
	f := digestFields(tue)
	if f["At risk"] != "4 accounts" || f["ARR at risk"] != "610,000" || f["New since yesterday"] != "2" || f["Resolved since yesterday"] != "1" {
		t.Errorf("second digest fields: %v", tue.Reply.Fields)
	}
	digestGolden(t, "second", console.Render(tue.Reply))

	// Re-rendering after recording (a dry run after the send) shows the same
	// digest and says it is recorded.
	digestRecord(t, st, tue)
	again := digestOf(t, digestsAt(t, st, digestMon.Add(26*time.Hour), "hana"), "hana")
	if !again.Recorded || again.Since != "2026-03-09" || console.Render(again.Reply) != console.Render(tue.Reply) {
		t.Errorf("after recording: recorded %v since %q\n%s", again.Recorded, again.Since, console.Render(again.Reply))
	}
	// The record is under the documented key.
	if v, err := st.Meta(context.Background(), "digest/hana/2026-03-10"); err != nil || v != strings.Join(tue.AtRisk, ";") {
		t.Errorf("meta digest/hana/2026-03-10 = %q, %v", v, err)
	}
}

func TestDigestMovedAndGone(t *testing.T) {
	st := digestOrg(t)
	mon := digestOf(t, digestsAt(t, st, digestMon, "hana"), "hana")
	digestRecord(t, st, mon)
	digestPut(t, st, digestRow("beta", "Beta KK", "osaka", "ken", 120000, 52, "yellow", "renewal-at-risk"))
	// gamma "disappears" from the index: simulate with a risk set naming an
	// account the index does not have.
	mon.AtRisk = append(mon.AtRisk, "omega:no-touch")
	digestRecord(t, st, mon)
	tue := digestOf(t, digestsAt(t, st, digestMon.Add(24*time.Hour), "hana"), "hana")
	var resolved []string
	for _, s := range tue.Reply.Sections {
		if s.Title == "Resolved" {
			resolved = s.Lines
		}
	}
	want := []string{
		"Beta KK (beta) · moved to team Osaka (was renewal-at-risk)",
		"omega · no longer in the account index (was no-touch)",
	}
	if !slices.Equal(resolved, want) {
		t.Errorf("resolved = %q, want %q", resolved, want)
	}
	// Osaka's digest counts beta as new there.
	osaka := digestOf(t, digestsAt(t, st, digestMon.Add(24*time.Hour), "ken"), "ken")
	if got := osaka.AtRisk; !slices.Equal(got, []string{"beta:renewal-at-risk", "osaka-one:red-band"}) {
		t.Errorf("osaka AtRisk = %q", got)
	}
}

func TestDigestTeamsIsolated(t *testing.T) {
	st := digestOrg(t)
	ds := digestsAt(t, st, digestMon, "")
	tokyo, osaka := digestOf(t, ds, "hana"), digestOf(t, ds, "ken")
	if !slices.Equal(osaka.AtRisk, []string{"osaka-one:red-band"}) {
		t.Errorf("osaka AtRisk = %q", osaka.AtRisk)
	}
	for _, l := range strings.Split(console.Render(tokyo.Reply), "\n") {
		if strings.Contains(l, "osaka-one") || strings.Contains(l, "kyu") {
			t.Errorf("tokyo digest shows another team's account: %s", l)
		}
	}
	// Recording Tokyo's digest leaves Osaka's comparison alone.
	digestRecord(t, st, tokyo)
	next := digestsAt(t, st, digestMon.Add(24*time.Hour), "")
	if d := digestOf(t, next, "ken"); d.Since != "" || !strings.Contains(d.Reply.Footer, "first digest: no comparison yet") {
		t.Errorf("osaka after tokyo recorded: since %q footer %q", d.Since, d.Reply.Footer)
	}
	if d := digestOf(t, next, "hana"); d.Since != "2026-03-09" {
		t.Errorf("tokyo since %q", d.Since)
	}
}

func TestDigestOnlyLead(t *testing.T) {
	st := digestOrg(t)
	ds := digestsAt(t, st, digestMon, "ken")
	if len(ds) != 1 || ds[0].Lead.ID != "ken" || ds[0].Team.ID != "osaka" {
		t.Fatalf("onlyLead ken: %d digests %+v", len(ds), ds)
	}
	for _, who := range []string{"mika", "jun", "aiko", "nobody"} {
		if _, err := playbooks.Digests(context.Background(), st, digestMon, en, who); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("onlyLead %s: err %v, want ErrNotFound", who, err)
		}
	}
}

func TestDigestDateInLeadZone(t *testing.T) {
	st := digestOrg(t)
	// Mon 2026-03-09 20:00 UTC: already Tuesday in Tokyo, still Monday 16:00
	// in New York (EDT since 2026-03-08).
	ds := digestsAt(t, st, time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC), "")
	if d := digestOf(t, ds, "hana"); d.Date != "2026-03-10" || !strings.HasSuffix(d.Reply.Title, "Tokyo, Tue 2026-03-10") {
		t.Errorf("tokyo: %s %q", d.Date, d.Reply.Title)
	}
	if d := digestOf(t, ds, "ken"); d.Date != "2026-03-09" || d.Reply.Title != "Churn-risk digest: Osaka, Mon 2026-03-09" {
		t.Errorf("osaka: %s %q", d.Date, d.Reply.Title)
	}
}

func TestDigestMondayComparesWithFriday(t *testing.T) {
	st := digestOrg(t)
	ctx := context.Background()
	fri, err := playbooks.DigestsOn(ctx, st, "2026-03-06", en, "hana")
	if err != nil {
		t.Fatal(err)
	}
	digestRecord(t, st, fri[0])
	digestPut(t, st, digestRow("gamma", "Gamma Ltd", "tokyo", "hana", 40000, 75, "green"))
	mon := digestOf(t, digestsAt(t, st, digestMon, "hana"), "hana")
	f := digestFields(mon)
	if mon.Since != "2026-03-06" || f["New since Friday"] != "0" || f["Resolved since Friday"] != "1" ||
		!strings.Contains(mon.Reply.Footer, "compared with Fri 2026-03-06") {
		t.Errorf("monday: since %q fields %v footer %q", mon.Since, mon.Reply.Fields, mon.Reply.Footer)
	}
	digestRecord(t, st, mon)
	// A dry run for a past date finds that date's own baseline.
	fri2, err := playbooks.DigestsOn(ctx, st, "2026-03-06", en, "hana")
	if err != nil {
		t.Fatal(err)
	}
	if !fri2[0].Recorded || fri2[0].Since != "" {
		t.Errorf("dry run for friday: recorded %v since %q", fri2[0].Recorded, fri2[0].Since)
	}
	tue, err := playbooks.DigestsOn(ctx, st, "2026-03-13", en, "hana")
	if err != nil {
		t.Fatal(err)
	}
	if tue[0].Since != "2026-03-09" || tue[0].Recorded || digestFields(tue[0])["New since Monday"] != "0" {
		t.Errorf("dry run on Friday: since %q recorded %v fields %v", tue[0].Since, tue[0].Recorded, tue[0].Reply.Fields)
	}
	if _, err := playbooks.DigestsOn(ctx, st, "09/03/2026", en, ""); err == nil {
		t.Error("DigestsOn accepted a bad date")
	}
}

func TestDigestEmptyTeam(t *testing.T) {
	st := digestOrg(t)
	ctx := context.Background()
	osaka := digestOf(t, digestsAt(t, st, digestMon, "ken"), "ken")
	digestRecord(t, st, osaka)
	digestPut(t, st, digestRow("osaka-one", "Osaka One", "osaka", "ken", 75000, 71, "green"))
	d := digestOf(t, digestsAt(t, st, digestMon.Add(24*time.Hour), "ken"), "ken")
	if d.Reply.Band != "green" || d.Reply.Text != "No churn risks in Osaka today." || len(d.AtRisk) != 0 {
		t.Errorf("empty team: %+v", d.Reply)
	}
	digestGolden(t, "empty", console.Render(d.Reply))
	// An empty risk set recorded is a baseline, not a first digest.
	digestRecord(t, st, d)
	wed := digestOf(t, digestsAt(t, st, digestMon.Add(48*time.Hour), "ken"), "ken")
	if wed.Since != "2026-03-10" || wed.Reply.Text != "No churn risks in Osaka today." || len(wed.Reply.Sections) != 0 {
		t.Errorf("empty after empty: since %q %+v", wed.Since, wed.Reply)
	}
	if _, err := st.Meta(ctx, "digest/ken/2026-03-10"); err != nil {
		t.Errorf("empty record not stored: %v", err)
	}
}

func TestDigestSectionCap(t *testing.T) {
	st := digestOrg(t)
	var rows []store.AccountRow
	for i := range 30 {
		rows = append(rows, digestRow(fmt.Sprintf("n%02d", i), fmt.Sprintf("N %02d", i), "osaka", "ken", int64(1000*(i+1)), 30, "red", "red-band"))
	}
	digestPut(t, st, rows...)
	d := digestOf(t, digestsAt(t, st, digestMon, "ken"), "ken")
	if len(d.Reply.Sections) != 1 {
		t.Fatalf("sections: %+v", d.Reply.Sections)
	}
	lines := d.Reply.Sections[0].Lines
	if len(lines) != 26 || lines[25] != "… and 6 more" || !strings.HasPrefix(lines[0], "Osaka One (osaka-one) · ARR 75,000") ||
		!strings.HasPrefix(lines[1], "N 29 (n29) · ARR 30,000") {
		t.Errorf("capped section: %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	if digestFields(d)["At risk"] != "31 accounts" || len(d.AtRisk) != 31 {
		t.Errorf("totals count every account: %v, %d", d.Reply.Fields, len(d.AtRisk))
	}
}

func TestDigestLeadOfTwoTeams(t *testing.T) {
	st := digestOrg(t)
	ctx := context.Background()
	if err := st.SaveTeam(ctx, store.Team{ID: "kyushu", Name: "Kyushu", Lead: "hana"}); err != nil {
		t.Fatal(err)
	}
	ds := digestsAt(t, st, digestMon, "hana")
	if len(ds) != 2 || ds[0].Team.ID != "kyushu" || ds[1].Team.ID != "tokyo" {
		t.Fatalf("hana's digests: %+v", ds)
	}
	digestRecord(t, st, ds[0])
	next := digestsAt(t, st, digestMon.Add(24*time.Hour), "hana")
	if next[0].Since != "2026-03-09" || next[1].Since != "" {
		t.Errorf("each team keeps its own baseline: %q %q", next[0].Since, next[1].Since)
	}
}

// TestDigestDueDST steps a clock through whole local days in 15-minute
// steps around the 2026 daylight-saving changes: the digest is due exactly
// once on a workday, at 09:00 local, and never on a weekend.
func TestDigestDueDST(t *testing.T) {
	cases := []struct {
		zone, day string
		due       bool
		utc       string // the 09:00 local instant in UTC
	}{
		{"Europe/Berlin", "2026-03-27", true, "08:00"}, // Friday before, CET
		{"Europe/Berlin", "2026-03-28", false, ""},
		{"Europe/Berlin", "2026-03-29", false, ""},     // the change (Sunday)
		{"Europe/Berlin", "2026-03-30", true, "07:00"}, // CEST
		{"Europe/Berlin", "2026-10-23", true, "07:00"},
		{"Europe/Berlin", "2026-10-25", false, ""},
		{"Europe/Berlin", "2026-10-26", true, "08:00"},
		{"America/New_York", "2026-03-06", true, "14:00"},
		{"America/New_York", "2026-03-07", false, ""},
		{"America/New_York", "2026-03-08", false, ""},
		{"America/New_York", "2026-03-09", true, "13:00"},
		{"America/New_York", "2026-10-30", true, "13:00"},
		{"America/New_York", "2026-10-31", false, ""},
		{"America/New_York", "2026-11-01", false, ""},
		{"America/New_York", "2026-11-02", true, "14:00"},
	}
	for _, c := range cases {
		t.Run(c.zone+"/"+c.day, func(t *testing.T) {
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			day, _ := time.ParseInLocation(time.DateOnly, c.day, loc)
			end := day.AddDate(0, 0, 1)
			lead := store.Member{ID: "lead", TZ: c.zone}
			sched := newSchedule(t, playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, time.UTC)
			recorded := map[string]bool{}
			var fired []time.Time
			steps := 0
			for now := day; now.Before(end); now = now.Add(15 * time.Minute) {
				steps++
				date := now.In(loc).Format(time.DateOnly)
				if !recorded[date] && sched.DigestDue(lead, now.UTC()) {
					fired = append(fired, now)
					recorded[date] = true
				}
			}
			if steps < 92 || steps > 100 {
				t.Errorf("%d steps in the day", steps)
			}
			if !c.due {
				if len(fired) != 0 {
					t.Errorf("due on a weekend at %v", fired)
				}
				return
			}
			if len(fired) != 1 {
				t.Fatalf("due %d times: %v", len(fired), fired)
			}
			if got := fired[0].In(loc).Format("15:04"); got != "09:00" {
				t.Errorf("due at %s local", got)
			}
			if got := fired[0].UTC().Format("15:04"); got != c.utc {
				t.Errorf("due at %s UTC, want %s", got, c.utc)
			}
		})
	}
}

func TestDigestDueZones(t *testing.T) {
	// Mon 2026-03-09 00:30 UTC: 09:30 Monday in Tokyo, 20:30 Sunday in New York.
	now := time.Date(2026, 3, 9, 0, 30, 0, 0, time.UTC)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for _, c := range []struct {
		tz       string
		fallback *time.Location
		recorded bool
		want     bool
	}{
		{"Asia/Tokyo", nil, false, true},
		{"Asia/Tokyo", nil, true, false},
		{"America/New_York", nil, false, false},
		{"", nil, false, false},           // UTC: 00:30
		{"", tokyo, false, true},          // the fallback zone
		{"Not/AZone", tokyo, false, true}, // unknown zone: the fallback
	} {
		sched := newSchedule(t, playbooks.CalendarConfig{}, playbooks.ScheduleConfig{}, c.fallback)
		got := !c.recorded && sched.DigestDue(store.Member{ID: "x", TZ: c.tz}, now)
		if got != c.want {
			t.Errorf("tz %q fallback %v recorded %v: due %v, want %v", c.tz, c.fallback, c.recorded, got, c.want)
		}
	}
	// Digests uses now's location for a lead without a zone.
	st := digestOrg(t)
	if err := st.SaveMember(context.Background(), store.Member{ID: "ken", Name: "Ken Mori", Roles: []store.Role{store.RoleLead}, Team: "osaka"}); err != nil {
		t.Fatal(err)
	}
	if d := digestOf(t, digestsAt(t, st, now.In(tokyo), "ken"), "ken"); d.Date != "2026-03-09" {
		t.Errorf("fallback zone date %s", d.Date)
	}
	if d := digestOf(t, digestsAt(t, st, now.Add(-time.Hour), "ken"), "ken"); d.Date != "2026-03-08" {
		t.Errorf("UTC date %s", d.Date)
	}
}

// rowCounter counts reads of the account index.
type rowCounter struct {
	*mongostore.Store
	reads int
}

func (c *rowCounter) AccountRows(ctx context.Context) ([]store.AccountRow, error) {
	c.reads++
	return c.Store.AccountRows(ctx)
}

// The scheduler's digest job, run every 15 minutes, reads the account
// index only when a digest is due: not on a weekend, not once the day's
// digests are recorded.
func TestQueueDigestsReadsOnlyWhenDue(t *testing.T) {
	st := &rowCounter{Store: digestOrg(t)}
	sched := newSchedule(t, playbooks.CalendarConfig{PublicHolidays: "none"}, playbooks.ScheduleConfig{}, time.UTC)
	for _, step := range []struct {
		name     string
		now      time.Time
		reads    int
		recorded bool
	}{
		{"Saturday in Tokyo and New York", time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC), 0, false},
		{"Tuesday 10:00 in Tokyo, Monday 21:00 in New York", time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC), 1, true},
		{"a quarter of an hour later", time.Date(2026, 3, 10, 1, 15, 0, 0, time.UTC), 0, true},
	} {
		st.reads = 0
		if err := playbooks.QueueDigests(context.Background(), st, sched, step.now, en); err != nil {
			t.Fatal(err)
		}
		if st.reads != step.reads {
			t.Errorf("%s: %d reads of the index, want %d", step.name, st.reads, step.reads)
		}
		for _, d := range digestsAt(t, st.Store, step.now, "") {
			if d.Recorded != step.recorded {
				t.Errorf("%s: digest of %s recorded = %v, want %v", step.name, d.Lead.ID, d.Recorded, step.recorded)
			}
		}
	}
}

// BenchmarkDigests builds the digests of 100 leads (100 teams) over 10,000
// accounts, each with yesterday's digest recorded. Target: < 1 s.
func BenchmarkDigests(b *testing.B) {
	const leads, accounts = 100, 10000
	ctx := context.Background()
	st := storetest.Open(b)
	zones := []string{"Asia/Tokyo", "Europe/Berlin", "America/New_York", ""}
	for i := range leads {
		id := fmt.Sprintf("lead-%03d", i)
		team := fmt.Sprintf("team-%03d", i)
		if err := st.SaveMember(ctx, store.Member{ID: id, Name: id, Roles: []store.Role{store.RoleLead}, Team: team, TZ: zones[i%len(zones)]}); err != nil {
			b.Fatal(err)
		}
		if err := st.SaveTeam(ctx, store.Team{ID: team, Name: team, Lead: id}); err != nil {
			b.Fatal(err)
		}
	}
	rules := []string{"red-band", "health-drop", "renewal-at-risk", "nps-detractor", "no-touch"}
	rows := make([]store.AccountRow, accounts)
	for i := range rows {
		var rs []string
		if i%4 == 0 { // a quarter at risk
			rs = []string{rules[i%5]}
			if i%3 == 0 {
				rs = append(rs, rules[(i+1)%5])
			}
		}
		rows[i] = digestRow(fmt.Sprintf("account-%05d", i), fmt.Sprintf("Account %05d", i),
			fmt.Sprintf("team-%03d", i%leads), fmt.Sprintf("csm-%03d", i%300), int64(1000*(i%997+1)), 20+i%80, "yellow", rs...)
	}
	if err := st.PutRows(ctx, rows); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	yesterday, err := playbooks.Digests(ctx, st, now.Add(-24*time.Hour), en, "")
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range yesterday {
		d.AtRisk = d.AtRisk[len(d.AtRisk)/3:] // some new risks today
		if err := playbooks.RecordDigest(ctx, st, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		ds, err := playbooks.Digests(ctx, st, now, en, "")
		if err != nil {
			b.Fatal(err)
		}
		if len(ds) != leads || ds[0].Since == "" {
			b.Fatalf("%d digests, since %q", len(ds), ds[0].Since)
		}
	}
}

// A digest is written in the lead's language: their own locale, else the
// deployment's (CSBOT_LOCALE).
func TestDigestJapanese(t *testing.T) {
	st := digestOrg(t)
	ctx := context.Background()
	ken, err := st.Member(ctx, "ken")
	if err != nil {
		t.Fatal(err)
	}
	ken.Locale = "ja-JP"
	if err := st.SaveMember(ctx, ken); err != nil {
		t.Fatal(err)
	}
	ds := digestsAt(t, st, digestMon, "")
	if got := digestOf(t, ds, "ken").Reply.Title; got != "解約リスクダイジェスト：Osaka（2026年3月9日（月））" {
		t.Errorf("ken chose Japanese: title %q", got)
	}
	if got := digestOf(t, ds, "hana").Reply.Title; got != "Churn-risk digest: Tokyo, Mon 2026-03-09" {
		t.Errorf("hana chose nothing, the deployment is English: title %q", got)
	}

	// The deployment speaks Japanese and counts in yen: hana, who chose
	// nothing, reads it so too.
	mon := digestOf(t, digestsIn(t, st, digestMon, jaYen, ""), "hana")
	digestGolden(t, "first.ja", console.Render(mon.Reply))
	digestRecord(t, st, mon)
	digestPut(t, st,
		digestRow("gamma", "Gamma Ltd", "tokyo", "hana", 40000, 75, "green"),
		digestRow("epsilon", "Epsilon GK", "tokyo", "", 60000, -1, "", "health-drop"),
		digestRow("acme", "Acme Corp", "tokyo", "aiko", 250000, 33, "red", "red-band", "renewal-at-risk"),
	)
	tue := digestOf(t, digestsIn(t, st, digestMon.Add(24*time.Hour), jaYen, ""), "hana")
	digestGolden(t, "second.ja", console.Render(tue.Reply))
}

// en is an English deployment without a currency; jaYen a Japanese one
// counting in yen.
var (
	en    = i18n.Org{Locale: "en"}
	jaYen = i18n.Org{Locale: "ja", Currency: "JPY"}
)
