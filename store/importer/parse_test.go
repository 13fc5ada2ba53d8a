package importer

import (
	"bytes"
	"encoding/csv"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/csbot/csbot/store"
)

func mustHeader(t testing.TB, cells ...string) header {
	t.Helper()
	h, err := parseHeader(cells)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestParseRow(t *testing.T) {
	tests := []struct {
		name    string
		header  []string
		record  []string
		want    store.Account // the values of the row's columns
		wantErr string        // a part of the error; "" = accepted
	}{
		{"derived slug", []string{"slug", "name"}, []string{"", "  Tōkyō Gas & Power, Inc. "},
			store.Account{Slug: "tōkyō-gas-power-inc", Name: "Tōkyō Gas & Power, Inc."}, ""},
		{"slug from a Japanese name", []string{"name"}, []string{"株式会社アクメ ｻｸﾗ支店"},
			store.Account{Slug: "株式会社アクメ-サクラ支店", Name: "株式会社アクメ ｻｸﾗ支店"}, ""},
		{"no slug from punctuation", []string{"name"}, []string{"・・・！"}, store.Account{}, "slug: cannot be derived from name"},
		{"no slug and no name", []string{"slug", "name", "tier"}, []string{"", "", "high"}, store.Account{}, "name: is required"},
		{"tier spellings", []string{"slug", "tier"}, []string{"a", "High-Touch"}, store.Account{Slug: "a", Tier: store.TierHigh}, ""},
		{"empty tier", []string{"slug", "tier"}, []string{"a", ""}, store.Account{}, "tier: is required"},
		{"empty phase", []string{"slug", "phase"}, []string{"a", " "}, store.Account{}, "phase: is required"},
		{"arr with separators", []string{"slug", "arr"}, []string{"a", "1,234,567"}, store.Account{Slug: "a", ARR: 1234567}, ""},
		{"arr bad grouping", []string{"slug", "arr"}, []string{"a", "120,00"}, store.Account{}, "commas go between groups of three digits"},
		{"arr underscore", []string{"slug", "arr"}, []string{"a", "120_000"}, store.Account{}, `"120_000" is not a whole number`},
		{"arr too large", []string{"slug", "arr"}, []string{"a", "99999999999999999999"}, store.Account{}, "is too large"},
		{"arr empty clears", []string{"slug", "arr"}, []string{"a", ""}, store.Account{Slug: "a"}, ""},
		{"counts", []string{"slug", "seats", "active_users", "open_tickets"}, []string{"a", "1,000", "1200", "0"},
			store.Account{Slug: "a", Seats: 1000, ActiveUsers: 1200, OpenTickets: ptr(0)}, ""},
		{"negative users", []string{"slug", "active_users"}, []string{"a", "-1"}, store.Account{}, "active_users: -1 must not be negative"},
		{"seats too large", []string{"slug", "seats"}, []string{"a", "3000000000"}, store.Account{}, "seats: 3000000000 is too large"},
		{"adoption percent", []string{"slug", "feature_adoption"}, []string{"a", "12.5 %"}, store.Account{Slug: "a", FeatureAdoption: ptr(0.125)}, ""},
		{"adoption share", []string{"slug", "feature_adoption"}, []string{"a", ".3"}, store.Account{Slug: "a", FeatureAdoption: ptr(0.3)}, ""},
		{"adoption 45 without percent", []string{"slug", "feature_adoption"}, []string{"a", "45"}, store.Account{}, "use 0..1 or a percentage like 45%"},
		{"adoption NaN", []string{"slug", "feature_adoption"}, []string{"a", "NaN"}, store.Account{}, `"NaN" is not a number`},
		{"adoption hex", []string{"slug", "feature_adoption"}, []string{"a", "0x1p-2"}, store.Account{}, "is not a number"},
		{"nps", []string{"slug", "nps", "nps_date"}, []string{"a", "0", "2026-10-01"}, store.Account{Slug: "a", NPS: ptr(0), NPSDate: day("2026-10-01")}, ""},
		{"nps 11", []string{"slug", "nps"}, []string{"a", "11"}, store.Account{}, "nps: 11 is out of range: an NPS answer is 0..10"},
		{"nps decimal", []string{"slug", "nps"}, []string{"a", "7.5"}, store.Account{}, `nps: "7.5" is not a whole number`},
		{"csat", []string{"slug", "csat"}, []string{"a", "4.75"}, store.Account{Slug: "a", CSAT: ptr(4.75)}, ""},
		{"csat 0", []string{"slug", "csat"}, []string{"a", "0"}, store.Account{}, "csat: 0 is out of range: CSAT is 1..5"},
		{"last touch RFC 3339", []string{"slug", "last_touch"}, []string{"a", "2026-10-01T09:30:00.123456+09:00"},
			store.Account{Slug: "a", LastTouch: time.Date(2026, 10, 1, 0, 30, 0, 123e6, time.UTC)}, ""},
		{"renewal not RFC 3339", []string{"slug", "renewal_date"}, []string{"a", "2026-10-01T09:30:00Z"}, store.Account{}, "is not a date: use YYYY-MM-DD"},
		{"year typo", []string{"slug", "phase_start"}, []string{"a", "0226-10-01"}, store.Account{}, "year 226 is out of range"},
		{"owner", []string{"slug", "owner"}, []string{"a", " @aiko "}, store.Account{Slug: "a", Owner: "aiko"}, ""},
		{"owner with a space", []string{"slug", "owner"}, []string{"a", "Aiko Tanaka"}, store.Account{}, `owner: "Aiko Tanaka" is not a member id`},
		{"milestones", []string{"slug", "milestones"}, []string{"a", " Kickoff held | 2026-10-01 | 2026-10-02 ;Admin|2026-10-15;"},
			store.Account{Slug: "a", Milestones: []store.Milestone{
				{Name: "Kickoff held", Due: day("2026-10-01"), Done: ptr(day("2026-10-02"))},
				{Name: "Admin", Due: day("2026-10-15")},
			}}, ""},
		{"milestone without due", []string{"slug", "milestones"}, []string{"a", "Kickoff held||"}, store.Account{}, "milestone 1: Kickoff held: due date is missing"},
		{"milestone bad done", []string{"slug", "milestones"}, []string{"a", "A|2026-10-01|;B|2026-10-02|yes"}, store.Account{}, `milestone 2: B: done "yes" is not a date`},
		{"milestone too many parts", []string{"slug", "milestones"}, []string{"a", "A|2026-10-01||x"}, store.Account{}, "write Name|due|done"},
		{"short row", []string{"slug", "name", "tier"}, []string{"a", "A"}, store.Account{}, "has 2 cells but the header has 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseRow(mustHeader(t, tt.header...), tt.record)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.vals); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if p.slug != tt.want.Slug {
				t.Errorf("slug = %q, want %q", p.slug, tt.want.Slug)
			}
		})
	}
}

func TestHeaderNames(t *testing.T) {
	h := mustHeader(t, " SLUG ", "Renewal Date", "active-users", "NPS")
	var got []string
	for _, c := range h {
		got = append(got, c.name)
	}
	if diff := cmp.Diff([]string{"slug", "renewal_date", "active_users", "nps"}, got); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if _, err := parseHeader([]string{"slug", ""}); err == nil || !strings.Contains(err.Error(), "a column has no name") {
		t.Errorf("empty header cell: err = %v", err)
	}
}

func TestSame(t *testing.T) {
	a := sampleAccounts()[0]
	b := a
	b.History = store.History{}.Record(fixed, 50)
	b.UpdatedAt = fixed
	b.Renewal = a.Renewal.In(time.FixedZone("JST", 9*3600))
	b.LastTouch = a.LastTouch.Add(300 * time.Microsecond) // below the store's precision
	b.FeatureAdoption = ptr(*a.FeatureAdoption)
	if !same(a, b) {
		t.Error("same = false for accounts differing only in bookkeeping, zone and precision")
	}
	b.Milestones = slices.Clone(a.Milestones)
	b.Milestones[1].Done = ptr(day("2026-10-20"))
	if same(a, b) {
		t.Error("same = true for accounts with different milestones")
	}
	c, d := store.Account{Slug: "x"}, store.Account{Slug: "x", Milestones: []store.Milestone{}}
	if !same(c, d) {
		t.Error("same = false for nil and empty milestones")
	}
}

// FuzzParseCSVRow parses a fuzzed header line and record line and checks
// that parseRow never panics and that what it accepts is valid.
func FuzzParseCSVRow(f *testing.F) {
	all := make([]string, len(columns))
	for i, c := range columns {
		all[i] = c.name
	}
	f.Add(strings.Join(all, ","), `acme,Acme Corp,high touch,enterprise,Tokyo,Manufacturing,"120,000",2027-01-31,onboarding,2026-10-01,@aiko,100,55,45%,9,2026-10-20,4.5,2,2026-10-28,Kickoff held|2026-10-01|2026-10-02;Admin configured|2026-10-15|`)
	f.Add(strings.Join(all, ","), `,"Kobe Steelworks, Ltd.",high,enterprise,Osaka,Steel,"250,000",2026-12-15,adoption,2026-06-01,aiko,400,310,0.7,6,2026-10-25,3.8,5,2026-10-30T09:30:00+09:00,`)
	f.Add("slug,arr,nps", "acme,-5,11")
	f.Add("name,feature_adoption,csat", "Ünïcödé Co,150%,NaN")
	f.Add("slug,last_touch,milestones", "a,2026-10-01T09:30:00.999999999-23:59,x|2026-01-01|;;|")
	f.Add("Slug,Renewal Date", "a-b-c,9999-12-31")
	f.Add("", "a,A,low,,,,1,,adoption,,@@x,0,0,0%,10,,1,0,2026-01-01T00:00:00Z,A|2026-01-01|2026-01-02")
	f.Fuzz(func(t *testing.T, headLine, recLine string) {
		head, _ := csv.NewReader(strings.NewReader(headLine)).Read()
		h, err := parseHeader(head)
		if err != nil {
			h = allColumns // still fuzz the record, under every column
		}
		r := csv.NewReader(bytes.NewReader([]byte(recLine)))
		r.FieldsPerRecord = -1
		rec, err := r.Read()
		if err != nil {
			return
		}
		p, err := parseRow(h, rec)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		checkPatch(t, h, p)
	})
}

var allColumns = header(columns)

func checkPatch(t *testing.T, h header, p patch) {
	t.Helper()
	a := p.vals
	if err := checkSlug(p.slug); err != nil {
		t.Fatalf("accepted slug %q: %v", p.slug, err)
	}
	if a.Slug != p.slug {
		t.Fatalf("account slug %q, patch slug %q", a.Slug, p.slug)
	}
	if len(p.cols) != len(h) {
		t.Fatalf("patch has %d columns, header %d", len(p.cols), len(h))
	}
	if p.has("tier") && !slices.Contains(store.Tiers, a.Tier) {
		t.Fatalf("accepted tier %q", a.Tier)
	}
	if p.has("phase") {
		if _, err := store.ParsePhase(string(a.Phase)); err != nil {
			t.Fatalf("accepted phase %q", a.Phase)
		}
	}
	if p.has(colName) && (a.Name == "" || strings.TrimSpace(a.Name) != a.Name) {
		t.Fatalf("accepted name %q", a.Name)
	}
	if a.ARR < 0 || a.Seats < 0 || a.ActiveUsers < 0 || a.Seats > maxCount || a.ActiveUsers > maxCount {
		t.Fatalf("accepted negative or huge numbers: arr %d seats %d users %d", a.ARR, a.Seats, a.ActiveUsers)
	}
	if a.OpenTickets != nil && (*a.OpenTickets < 0 || *a.OpenTickets > maxCount) {
		t.Fatalf("accepted open_tickets %d", *a.OpenTickets)
	}
	if a.NPS != nil && (*a.NPS < 0 || *a.NPS > 10) {
		t.Fatalf("accepted nps %d", *a.NPS)
	}
	if f := a.FeatureAdoption; f != nil && (math.IsNaN(*f) || *f < 0 || *f > 1) {
		t.Fatalf("accepted feature_adoption %v", *f)
	}
	if f := a.CSAT; f != nil && (math.IsNaN(*f) || *f < 1 || *f > 5) {
		t.Fatalf("accepted csat %v", *f)
	}
	if strings.HasPrefix(a.Owner, "@") || strings.IndexFunc(a.Owner, unicode.IsSpace) >= 0 {
		t.Fatalf("accepted owner %q", a.Owner)
	}
	times := []time.Time{a.Renewal, a.PhaseStart, a.NPSDate, a.LastTouch}
	for _, m := range a.Milestones {
		if m.Name == "" || strings.ContainsAny(m.Name, "|;") || m.Due.IsZero() {
			t.Fatalf("accepted milestone %+v", m)
		}
		times = append(times, m.Due)
		if m.Done != nil {
			times = append(times, *m.Done)
		}
	}
	for _, tm := range times {
		if tm.IsZero() {
			continue
		}
		if tm.Location() != time.UTC || !tm.Equal(tm.Truncate(time.Millisecond)) || tm.Year() < minYear || tm.Year() > maxYear {
			t.Fatalf("accepted time %v", tm)
		}
	}
}

func TestUnknownColumnHints(t *testing.T) {
	tests := map[string]string{
		"renewal":   `unknown column "renewal" (did you mean renewal_date?)`,
		"Renewel":   `unknown column "Renewel" (did you mean renewal_date?)`,
		"owner_id":  `unknown column "owner_id" (did you mean owner?)`,
		"tire":      `unknown column "tire" (did you mean tier?)`,
		"NPS Score": `unknown column "NPS Score" (did you mean nps?)`,
		"colour":    `unknown column "colour" (known: slug, name, tier,`,
		" ":         "a column has no name; name it or delete it",
	}
	for name, want := range tests {
		if got := unknownColumn("column", name).Error(); !strings.HasPrefix(got, want) {
			t.Errorf("unknownColumn(%q) = %q, want it to start with %q", name, got, want)
		}
	}
}
