package importer

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

var fixed = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// env is a real store with two members and the real health engine; it
// counts the calls an import makes of them and the accounts it wrote.
type env struct {
	st                            *mongostore.Store
	eng                           *health.Engine
	saves, writes, reads, lookups int
}

func (e *env) UpdateAll(ctx context.Context, slugs []string, create bool, change func(*store.Account) error) ([]store.Account, error) {
	e.writes++
	written, err := e.eng.UpdateAll(ctx, slugs, create, change)
	e.saves += len(written)
	return written, err
}

func (e *env) Accounts(ctx context.Context, slugs []string) (map[string]store.Account, error) {
	e.reads++
	return e.st.Accounts(ctx, slugs)
}

func (e *env) Members(ctx context.Context) ([]store.Member, error) {
	e.lookups++
	return e.st.Members(ctx)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	for _, m := range []store.Member{
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleCSM}, Team: "tokyo"},
		{ID: "kenji", Name: "Ken Sato", Roles: []store.Role{store.RoleCSM}, Team: "osaka"},
	} {
		if err := st.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return &env{st: st, eng: health.NewEngine(st, health.DefaultConfig(), func() time.Time { return fixed })}
}

func (e *env) importFile(t *testing.T, name, data string) (Report, error) {
	t.Helper()
	return ImportAccounts(context.Background(), e, e, name, []byte(data))
}

func (e *env) mustImport(t *testing.T, name, data string) Report {
	t.Helper()
	rep, err := e.importFile(t, name, data)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// accounts returns every stored account, sorted by slug.
func (e *env) accounts(t *testing.T) []store.Account {
	t.Helper()
	var out []store.Account
	if err := e.st.EachAccount(context.Background(), func(a store.Account) error {
		out = append(out, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b store.Account) int { return strings.Compare(a.Slug, b.Slug) })
	return out
}

func (e *env) slugs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, a := range e.accounts(t) {
		out = append(out, a.Slug)
	}
	return out
}

func (e *env) account(t *testing.T, slug string) store.Account {
	t.Helper()
	a, err := e.st.Account(context.Background(), slug)
	if err != nil {
		t.Fatalf("account %s: %v", slug, err)
	}
	return a
}

var ignoreBookkeeping = cmpopts.IgnoreFields(store.Account{}, "History", "UpdatedAt", "Version")

// sampleAccounts is testdata/accounts.csv as accounts.
func sampleAccounts() []store.Account {
	return []store.Account{
		{
			Slug: "acme", Name: "Acme Corp", Tier: store.TierHigh, Segment: "enterprise", Region: "Tokyo", Industry: "Manufacturing",
			ARR: 120000, Renewal: day("2027-01-31"), Phase: store.PhaseOnboarding, PhaseStart: day("2026-10-01"), Owner: "aiko",
			Seats: 100, ActiveUsers: 55, FeatureAdoption: ptr(0.45), NPS: ptr(9), NPSDate: day("2026-10-20"), CSAT: ptr(4.5),
			OpenTickets: ptr(2), LastTouch: day("2026-10-28"),
			Milestones: []store.Milestone{
				{Name: "Kickoff held", Due: day("2026-10-01"), Done: ptr(day("2026-10-02"))},
				{Name: "Admin configured", Due: day("2026-10-15")},
				{Name: "Data imported", Due: day("2026-11-15")},
			},
		},
		{
			Slug: "kobe-steelworks-ltd", Name: "Kobe Steelworks, Ltd.", Tier: store.TierHigh, Segment: "enterprise", Region: "Osaka", Industry: "Steel",
			ARR: 250000, Renewal: day("2026-12-15"), Phase: store.PhaseAdoption, PhaseStart: day("2026-06-01"), Owner: "aiko",
			Seats: 400, ActiveUsers: 310, FeatureAdoption: ptr(0.7), NPS: ptr(6), NPSDate: day("2026-10-25"), CSAT: ptr(3.8),
			OpenTickets: ptr(5), LastTouch: time.Date(2026, 10, 30, 0, 30, 0, 0, time.UTC),
		},
		{
			Slug: "kyushu-foods", Name: "Kyushu Foods", Tier: store.TierTech, Segment: "SMB", Region: "Kyushu", Industry: "Food",
			ARR: 4800, Renewal: day("2027-02-28"), Phase: store.PhaseOnboarding, PhaseStart: day("2026-10-10"),
			Seats: 10, ActiveUsers: 2, OpenTickets: ptr(1),
			Milestones: []store.Milestone{
				{Name: "Kickoff held", Due: day("2026-10-12"), Done: ptr(day("2026-10-12"))},
				{Name: "First value reached", Due: day("2026-10-31")},
			},
		},
		{
			Slug: "nagoya-logistics", Name: "Nagoya Logistics", Tier: store.TierLow, Segment: "mid-market", Region: "Nagoya", Industry: "Logistics",
			ARR: 36000, Renewal: day("2027-04-01"), Phase: store.PhaseAdoption, PhaseStart: day("2026-03-01"), Owner: "kenji",
			Seats: 40, ActiveUsers: 31, FeatureAdoption: ptr(0.55), NPS: ptr(8), NPSDate: day("2026-09-12"), CSAT: ptr(4.2),
			OpenTickets: ptr(0), LastTouch: day("2026-10-05"),
		},
		{
			Slug: "sapporo-dental", Name: "Sapporo Dental Clinic", Tier: store.TierTech, Segment: "SMB", Region: "Hokkaido", Industry: "Healthcare",
			ARR: 2400, Renewal: day("2027-06-30"), Phase: store.PhaseExpansion, PhaseStart: day("2026-08-01"), Owner: "kenji",
			Seats: 5, ActiveUsers: 5, FeatureAdoption: ptr(0.8), NPS: ptr(10), NPSDate: day("2026-10-01"), CSAT: ptr(5.0),
			OpenTickets: ptr(0), LastTouch: day("2026-09-15"),
		},
	}
}

func readSample(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/accounts.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestImportSampleAndReimport(t *testing.T) {
	e := newEnv(t)
	sample := readSample(t)

	rep := e.mustImport(t, "accounts.csv", sample)
	if diff := cmp.Diff(Report{Created: 5}, rep); diff != "" {
		t.Fatalf("first import report (-want +got):\n%s", diff)
	}
	got := e.accounts(t)
	if diff := cmp.Diff(sampleAccounts(), got, ignoreBookkeeping); diff != "" {
		t.Errorf("imported accounts (-want +got):\n%s", diff)
	}
	for _, a := range got {
		if !a.UpdatedAt.Equal(fixed) || a.History.End != store.Day(fixed) {
			t.Errorf("%s: UpdatedAt %v, history %+v: want saved by the engine at %v", a.Slug, a.UpdatedAt, a.History, fixed)
		}
	}
	rows, err := e.st.AccountRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Errorf("index has %d rows, want 5", len(rows))
	}

	t.Run("reimport changes nothing", func(t *testing.T) {
		e.saves = 0
		rep := e.mustImport(t, "accounts.csv", sample)
		if diff := cmp.Diff(Report{Unchanged: 5}, rep); diff != "" {
			t.Errorf("second import report (-want +got):\n%s", diff)
		}
		if e.saves != 0 {
			t.Errorf("second import saved %d accounts, want 0", e.saves)
		}
		if diff := cmp.Diff(got, e.accounts(t)); diff != "" {
			t.Errorf("store changed by the second import (-before +after):\n%s", diff)
		}
	})

	t.Run("reimport as JSON changes nothing", func(t *testing.T) {
		e.saves = 0
		rep := e.mustImport(t, "accounts.json", sampleJSON)
		if diff := cmp.Diff(Report{Unchanged: 5}, rep); diff != "" {
			t.Errorf("JSON import report (-want +got):\n%s", diff)
		}
		if e.saves != 0 {
			t.Errorf("JSON import saved %d accounts, want 0", e.saves)
		}
	})
}

// sampleJSON is testdata/accounts.csv written as JSON, in the shapes JSON
// exports use (numbers, nulls, a float for a whole number, milestone objects).
const sampleJSON = `[
 {"slug": "acme", "name": "Acme Corp", "tier": "high touch", "segment": "enterprise", "region": "Tokyo",
  "industry": "Manufacturing", "arr": 120000.0, "renewal_date": "2027-01-31", "phase": "onboarding",
  "phase_start": "2026-10-01", "owner": "@aiko", "seats": 100, "active_users": 55, "feature_adoption": "45%",
  "nps": 9, "nps_date": "2026-10-20", "csat": 4.5, "open_tickets": 2, "last_touch": "2026-10-28",
  "milestones": [
    {"name": "Kickoff held", "due": "2026-10-01", "done": "2026-10-02"},
    {"name": "Admin configured", "due": "2026-10-15", "done": null},
    {"name": "Data imported", "due": "2026-11-15"}]},
 {"name": "Kobe Steelworks, Ltd.", "tier": "high", "segment": "enterprise", "region": "Osaka", "industry": "Steel",
  "arr": "250,000", "renewal_date": "2026-12-15", "phase": "adoption", "phase_start": "2026-06-01", "owner": "aiko",
  "seats": 400, "active_users": 310, "feature_adoption": 0.7, "nps": 6, "nps_date": "2026-10-25", "csat": 3.8,
  "open_tickets": 5, "last_touch": "2026-10-30T09:30:00+09:00", "milestones": null},
 {"slug": "nagoya-logistics", "name": "Nagoya Logistics", "tier": "low", "segment": "mid-market", "region": "Nagoya",
  "industry": "Logistics", "arr": 36000, "renewal_date": "2027-04-01", "phase": "adoption", "phase_start": "2026-03-01",
  "owner": "kenji", "seats": 40, "active_users": 31, "feature_adoption": 0.55, "nps": 8, "nps_date": "2026-09-12",
  "csat": 4.2, "open_tickets": 0, "last_touch": "2026-10-05", "milestones": []},
 {"slug": "kyushu-foods", "name": "Kyushu Foods", "tier": "tech", "segment": "SMB", "region": "Kyushu", "industry": "Food",
  "arr": 4800, "renewal_date": "2027-02-28", "phase": "onboarding", "phase_start": "2026-10-10", "owner": null,
  "seats": 10, "active_users": 2, "feature_adoption": null, "nps": null, "nps_date": "", "csat": null,
  "open_tickets": 1, "last_touch": null,
  "milestones": "Kickoff held|2026-10-12|2026-10-12;First value reached|2026-10-31|"},
 {"slug": "sapporo-dental", "name": "Sapporo Dental Clinic", "tier": "tech", "segment": "SMB", "region": "Hokkaido",
  "industry": "Healthcare", "arr": 2400, "renewal_date": "2027-06-30", "phase": "expansion", "phase_start": "2026-08-01",
  "owner": "kenji", "seats": 5, "active_users": 5, "feature_adoption": "80%", "nps": 10, "nps_date": "2026-10-01",
  "csat": 5, "open_tickets": 0, "last_touch": "2026-09-15"}
]`

func TestImportJSON(t *testing.T) {
	e := newEnv(t)
	rep := e.mustImport(t, "accounts.json", sampleJSON)
	if diff := cmp.Diff(Report{Created: 5}, rep); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sampleAccounts(), e.accounts(t), ignoreBookkeeping); diff != "" {
		t.Errorf("imported accounts (-want +got):\n%s", diff)
	}
}

func TestImportJSONBadItems(t *testing.T) {
	e := newEnv(t)
	data := `[
  {"slug": "good-one", "name": "Good One", "tier": "low", "phase": "adoption"},
  {"slug": "typo", "name": "Typo", "tier": "low", "phase": "adoption", "renewel": "2027-01-01"},
  "not an object",
  {"slug": "bad-ms", "name": "Bad", "tier": "low", "phase": "adoption", "milestones": [{"name": "Kickoff", "due": "2026-10-01", "owner": "aiko"}]},
  {"slug": "bool", "name": "Bool", "tier": "low", "phase": "adoption", "seats": true},
  {"slug": "good-one", "name": "Again", "tier": "low", "phase": "adoption"},
  {"slug": "good-two", "name": "Good Two", "tier": "tech", "phase": "onboarding", "arr": 1e3}
]`
	rep := e.mustImport(t, "accounts.json", data)
	want := []wantErr{
		{2, "typo", `unknown field "renewel" (did you mean renewal_date?)`},
		{3, "", "is not an object"},
		{4, "bad-ms", `milestones: milestone 1: unknown field "owner"`},
		{5, "bool", "seats: expected a string or a number, not true"},
		{6, "good-one", "slug good-one already in item 1"},
	}
	checkReport(t, rep, 2, 0, 0, want, true)
	if diff := cmp.Diff([]string{"good-one", "good-two"}, e.slugs(t)); diff != "" {
		t.Errorf("stored accounts (-want +got):\n%s", diff)
	}
	if got := e.account(t, "good-two").ARR; got != 1000 {
		t.Errorf("arr 1e3 stored as %d, want 1000", got)
	}
	if got := (RowError{Line: 2, Slug: "typo", Reason: "x", Item: true}).Error(); got != "item 2 (typo): x" {
		t.Errorf("RowError.Error() = %q", got)
	}
}

type wantErr struct {
	line   int
	slug   string
	reason string // a part of the reason
}

func checkReport(t *testing.T, rep Report, created, updated, unchanged int, want []wantErr, item bool) {
	t.Helper()
	if diff := cmp.Diff([]int{created, updated, unchanged}, []int{rep.Created, rep.Updated, rep.Unchanged}); diff != "" {
		t.Errorf("created, updated, unchanged (-want +got):\n%s", diff)
	}
	type key struct {
		Line int
		Slug string
		Item bool
	}
	var wantKeys, gotKeys []key
	for _, w := range want {
		wantKeys = append(wantKeys, key{w.line, w.slug, item})
	}
	for _, e := range rep.Errors {
		gotKeys = append(gotKeys, key{e.Line, e.Slug, e.Item})
	}
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("refused rows (-want +got):\n%s\nerrors: %v", diff, rep.Errors)
		return
	}
	for i, w := range want {
		if !strings.Contains(rep.Errors[i].Reason, w.reason) {
			t.Errorf("%v: reason should contain %q", rep.Errors[i], w.reason)
		}
	}
}

func TestImportCSVBadRows(t *testing.T) {
	const head = "slug,name,tier,phase,arr,renewal_date,owner,nps,feature_adoption,milestones\n"
	// Line numbers are physical lines: the quoted name on line 2 spans
	// lines 2-4, so the next record starts on line 5.
	data := head +
		`good-a,"Good A,` + "\n" + `a name on three lines` + "\n" + `",high,onboarding,"120,000",2027-01-31,@aiko,9,45%,"Kickoff|2026-10-01|;` + "\n" + `Admin|2026-10-15|"` + "\n" + // 2-5
		"bad-tier,Bad Tier,platinum,adoption,100,,,,,\n" + // 6
		"neg-arr,Negative,low,adoption,-5,,,,,\n" + // 7
		"bad-date,Bad Date,low,adoption,100,31/01/2027,,,,\n" + // 8
		"\n" + // 9: blank lines are skipped
		"no-owner,No Owner,low,adoption,100,,@nobody,,,\n" + // 10
		"no-name,,low,adoption,100,,,,,\n" + // 11
		"nps-11,NPS Eleven,low,adoption,100,,,11,,\n" + // 12
		"good-a,Good A Again,low,adoption,100,,,,,\n" + // 13
		",,,,,,,,,\n" + // 14: an empty exported row is skipped
		"unquoted,Unquoted,low,adoption,120,000,,,,,\n" + // 15
		"many,Many Problems,mid,later,1.5,tomorrow,,-1,150%,Kickoff\n" + // 16
		"Bad Slug,Bad Slug,low,adoption,,,,,,\n" + // 17
		",Good B,tech,expansion,0,2027-03-01,kenji,0,0,\n" + // 18
		"long-name," + strings.Repeat("名", store.MaxName+1) + ",low,adoption,100,,,,,\n" + // 19
		"huge-arr,Huge,low,adoption,1000000000000001,,,,,\n" + // 20
		"long-milestone,Long,low,adoption,100,,,,," + strings.Repeat("m", store.MaxName+1) + "|2026-10-01|\n" // 21
	e := newEnv(t)
	rep := e.mustImport(t, "accounts.csv", data)
	want := []wantErr{
		{6, "bad-tier", `tier: "platinum" is not a tier`},
		{7, "neg-arr", "arr: -5 must not be negative"},
		{8, "bad-date", `renewal_date: "31/01/2027" is not a date: use YYYY-MM-DD`},
		{10, "no-owner", "owner: nobody is not a registered member"},
		{11, "no-name", "name: is required"},
		{12, "nps-11", "nps: 11 is out of range"},
		{13, "good-a", "slug good-a already on line 2"},
		{15, "unquoted", `has 11 cells but the header has 10 (quote values that contain commas`},
		{16, "many", `tier: "mid" is not a tier: use high, low or tech; phase: "later" is not a phase: use onboarding, adoption or expansion; arr: "1.5" is not a whole number; renewal_date: "tomorrow" is not a date`},
		{17, "Bad Slug", `slug: "Bad Slug" is not a slug: use lowercase letters, digits and '-', e.g. bad-slug`},
		{19, "long-name", "name: is 201 characters, more than the limit of 200: shorten it"},
		{20, "huge-arr", "arr: 1000000000000001 is too large: the limit is 1000000000000000"},
		{21, "long-milestone", "milestones: milestone 1: name is 201 characters, more than the limit of 200"},
	}
	checkReport(t, rep, 2, 0, 0, want, false)
	if diff := cmp.Diff([]string{"good-a", "good-b"}, e.slugs(t)); diff != "" {
		t.Errorf("stored accounts (-want +got):\n%s", diff)
	}
	wantA := store.Account{
		Slug: "good-a", Name: "Good A,\na name on three lines", Tier: store.TierHigh, Phase: store.PhaseOnboarding,
		ARR: 120000, Renewal: day("2027-01-31"), Owner: "aiko", NPS: ptr(9), FeatureAdoption: ptr(0.45),
		Milestones: []store.Milestone{{Name: "Kickoff", Due: day("2026-10-01")}, {Name: "Admin", Due: day("2026-10-15")}},
	}
	if diff := cmp.Diff(wantA, e.account(t, "good-a"), ignoreBookkeeping); diff != "" {
		t.Errorf("good-a (-want +got):\n%s", diff)
	}
	if got := rep.Errors[0].Error(); got != `line 6 (bad-tier): tier: "platinum" is not a tier: use high, low or tech` {
		t.Errorf("RowError.Error() = %q", got)
	}
}

func TestImportPartialColumns(t *testing.T) {
	e := newEnv(t)
	e.mustImport(t, "accounts.csv", readSample(t))
	before := e.account(t, "acme")

	// A day later, a sheet with only some columns.
	later := fixed.AddDate(0, 0, 1)
	e.eng = health.NewEngine(e.st, health.DefaultConfig(), func() time.Time { return later })
	rep := e.mustImport(t, "update.csv", "Slug, ARR ,Feature Adoption,nps,Owner\nacme,\"130,000\",,,@kenji\nnagoya-logistics,36000,0.55,8,kenji\n")
	if diff := cmp.Diff(Report{Updated: 1, Unchanged: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	want := before
	want.ARR, want.FeatureAdoption, want.NPS, want.Owner = 130000, nil, nil, "kenji"
	got := e.account(t, "acme")
	if diff := cmp.Diff(want, got, ignoreBookkeeping); diff != "" {
		t.Errorf("acme after partial import (-want +got):\n%s", diff)
	}
	if !got.UpdatedAt.Equal(later) {
		t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, later)
	}
	if _, ok := got.History.At(fixed); !ok {
		t.Errorf("history lost the first day's score: %+v", got.History)
	}
	if _, ok := got.History.At(later); !ok {
		t.Errorf("history has no score for the import day: %+v", got.History)
	}
	rows, err := e.st.AccountRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Slug == "acme" && (r.Owner != "kenji" || r.Team != "osaka" || r.ARR != 130000) {
			t.Errorf("index row not updated: %+v", r)
		}
	}

	t.Run("clearing and name-derived slugs", func(t *testing.T) {
		rep := e.mustImport(t, "names.csv", "name,segment,milestones,last_touch\nAcme,,,\nKyushu Foods,SMB,Kickoff held|2026-10-12|2026-10-12;First value reached|2026-10-31|,\n")
		// "Acme" derives the slug "acme"; Kyushu Foods is as it was.
		if diff := cmp.Diff(Report{Updated: 1, Unchanged: 1}, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		want.Name, want.Segment, want.Milestones, want.LastTouch = "Acme", "", nil, time.Time{}
		if diff := cmp.Diff(want, e.account(t, "acme"), ignoreBookkeeping); diff != "" {
			t.Errorf("acme (-want +got):\n%s", diff)
		}
	})

	t.Run("a new account needs name, tier and phase", func(t *testing.T) {
		rep := e.mustImport(t, "new.csv", "slug,name,arr\nbrand-new,Brand New,100\n")
		checkReport(t, rep, 0, 0, 0, []wantErr{{2, "brand-new", "new account needs tier, phase"}}, false)
	})
}

func TestImportRefusedFiles(t *testing.T) {
	bigCSV, bigJSON, bigJSONCut := bigBrokenFiles()
	tests := []struct {
		name, file, data string
		want             string // a part of the error
	}{
		{"xlsx", "accounts.xlsx", "PK\x03\x04\x14\x00\x06\x00binary", "accounts.xlsx: not CSV or JSON; export the sheet as CSV with a header row"},
		{"binary without extension", "accounts", "\x00\x01\x02", "accounts: not CSV or JSON"},
		{"utf-16", "accounts.csv", "\xff\xfes\x00l\x00", `UTF-16 text; export the sheet as "CSV UTF-8"`},
		{"unknown column", "accounts.csv", "slug,name,tier,phase,renewal,colour\nacme,Acme,high,adoption,2027-01-01,red\n",
			`accounts.csv: header on line 1: unknown column "renewal" (did you mean renewal_date?); unknown column "colour"`},
		{"duplicate column", "accounts.csv", "slug,name,Name\nacme,Acme,Acme\n", "column name appears twice"},
		{"no key column", "accounts.csv", "tier,phase\nhigh,adoption\n", "needs a slug or a name column"},
		{"empty", "accounts.csv", "", "accounts.csv: empty; the first row must name the columns"},
		{"csv syntax", "accounts.csv", "slug,name,tier,phase\nacme,Acme,high,adoption\nbad,\"Bad\"x,high,adoption\n", `parse error on line 3, column 9: extraneous or missing " in quoted-field`},
		{"json object", "accounts.json", `{"slug": "acme"}`, "expected a JSON array of accounts"},
		{"json syntax", "accounts.json", "[\n{\"slug\": \"acme\", \"name\": \"Acme\", \"tier\": \"high\", \"phase\": \"adoption\"},\n{\"slug\": \"x\",,}\n]", "accounts.json: line 3: invalid character ','"},
		{"json truncated", "accounts.json", `[{"slug": "acme", "name": "Acme", "tier": "high", "phase": "adoption"}`, "the JSON ends too early"},
		{"json trailing data", "accounts.json", `[] []`, "unexpected data after the array"},
		{"csv broken after 1,200 rows", "book.csv", bigCSV, `parse error on line 1202, column 9: extraneous or missing " in quoted-field`},
		{"json broken after 1,200 items", "book.json", bigJSON, "book.json: line 1202: invalid character ','"},
		{"json cut after 1,200 items", "book.json", bigJSONCut, "the JSON ends too early"},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.saves = 0
			rep, err := e.importFile(t, tt.file, tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if diff := cmp.Diff(Report{}, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if e.saves != 0 {
				t.Errorf("saved %d accounts, want none", e.saves)
			}
		})
	}
	if got := e.slugs(t); len(got) != 0 {
		t.Errorf("store has accounts %v, want none", got)
	}
}

func TestImportSniffsFormat(t *testing.T) {
	tests := []struct{ name, file, data string }{
		{"csv without extension", "export", "\xef\xbb\xbfslug,name,tier,phase\r\nacme,Acme,high,adoption\r\n"},
		{"json in a .txt", "export.txt", ` [{"slug": "acme", "name": "Acme", "tier": "high", "phase": "adoption"}]`},
		{"tab separated", "export.tsv", "slug\tname\ttier\tphase\nacme\tAcme\thigh\tadoption\n"},
		{"semicolon separated", "export.csv", "slug;name;tier;phase;arr\nacme;Acme;high;adoption;\"1,000\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rep := e.mustImport(t, tt.file, tt.data)
			if diff := cmp.Diff(Report{Created: 1}, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if got := e.account(t, "acme"); got.Name != "Acme" || got.Tier != store.TierHigh {
				t.Errorf("acme = %+v", got)
			}
		})
	}
}

func TestColumnsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Columns {
		line := "//\t" + c.Name + strings.Repeat(" ", 18-len(c.Name)) + c.Description
		if !strings.Contains(string(doc), line) {
			t.Errorf("doc.go does not list column %s as %q", c.Name, line)
		}
	}
}
