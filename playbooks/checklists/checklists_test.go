package checklists

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/csbot/csbot/bot/console"
	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/internal/golden"
	"github.com/csbot/csbot/internal/yamlspec"
	"github.com/csbot/csbot/store"
)

var ignoreUnexported = cmpopts.IgnoreUnexported(Template{})

func TestParse(t *testing.T) {
	src := `name: sample
description:
  en: A sample.
  ja: サンプルです。
items:
  - name: tools
    title: Set up the tools
    week: 1
    due: 2d
    link: https://example.com/tools
  - name: shadow
    title: Shadow calls
    week: 2
    signoff: true
    evidence: true
  - name: qbr
    title:
      ja: 初めてのQBR
      en: First QBR
    week: 3
    due: 2w
`
	got, err := Parse("sample.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Template{Name: "sample", Description: yamlspec.Texts{Text: "A sample.", Translations: map[string]string{"ja": "サンプルです。"}}, Source: "sample.yaml", Items: []Item{
		{Key: "tools", Title: "Set up the tools", Week: 1, Due: 2, Link: "https://example.com/tools", Line: 6},
		{Key: "shadow", Title: "Shadow calls", Week: 2, Due: 13, SignOff: true, Evidence: true, Line: 11},
		{Key: "qbr", Title: "First QBR", Titles: map[string]string{"ja": "初めてのQBR"}, Week: 3, Due: 14, Line: 16},
	}}
	if diff := cmp.Diff(want, got, ignoreUnexported); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An item is found by its title in any language.
	if i, err := got.Find(i18n.English, "初めて"); err != nil || i != 2 {
		t.Errorf("Find(初めて) = %d, %v; want 2", i, err)
	}
	if ja, de := got.Items[2].TitleIn("ja"), got.Items[2].TitleIn("de"); ja != "初めてのQBR" || de != "First QBR" {
		t.Errorf("TitleIn: ja %q, de %q", ja, de)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"empty", "", []string{"t.yaml: empty file"}},
		{"not a mapping", "- a\n", []string{"t.yaml:1: want a mapping"}},
		{"bad yaml", "name: [\n", []string{"t.yaml:", "invalid YAML"}},
		{"two documents", "name: a\n---\nname: b\n", []string{"one template per file"}},
		{"missing name and items", "description: x\n", []string{"t.yaml:1: name: missing", "t.yaml:1: items: missing"}},
		{"unknown field", "name: a\nsteps: []\n", []string{"t.yaml:2: steps: unknown field (did you mean items?)"}},
		{"misspelt item field", "name: a\nitems:\n  - name: x\n    title: X\n    wek: 1\n", []string{"t.yaml:5: items[0].wek: unknown field (did you mean week?)"}},
		{"bad name", "name: Big Name\nitems:\n  - {name: x, title: X, week: 1}\n", []string{`t.yaml:1: name: "Big Name": use lowercase`, "(e.g. big-name)"}},
		{"missing item fields", "name: a\nitems:\n  - name: x\n", []string{"t.yaml:3: items[0].title: missing", "t.yaml:3: items[0].week: missing"}},
		{"week out of range", "name: a\nitems:\n  - {name: x, title: X, week: 60}\n", []string{"items[0].week: 60: use a week number 1-52"}},
		{"week not a number", "name: a\nitems:\n  - {name: x, title: X, week: two}\n", []string{`items[0].week: want a week number 1-52, got "two"`}},
		{"bad due", "name: a\nitems:\n  - {name: x, title: X, week: 1, due: 3}\n", []string{`items[0].due: "3": give days or weeks`}},
		{"due too far", "name: a\nitems:\n  - {name: x, title: X, week: 1, due: 400d}\n", []string{"items[0].due: 400d: at most 364d"}},
		{"bad link", "name: a\nitems:\n  - {name: x, title: X, week: 1, link: 'javascript:alert(1)'}\n", []string{"items[0].link:", "is not a web address"}},
		{"bad bool", "name: a\nitems:\n  - {name: x, title: X, week: 1, signoff: maybe}\n", []string{`items[0].signoff: want true or false, got "maybe"`}},
		{"duplicate item", "name: a\nitems:\n  - {name: x, title: X, week: 1}\n  - {name: x, title: Y, week: 2}\n", []string{"t.yaml:4: items[1].name: duplicate item name x (first at line 3)"}},
		{"duplicate field", "name: a\nname: b\nitems:\n  - {name: x, title: X, week: 1}\n", []string{"t.yaml:2: name: duplicate field (first at line 1)"}},
		{"empty items", "name: a\nitems: []\n", []string{"items: empty"}},
		{"items not a list", "name: a\nitems: x\n", []string{`items: want a list of items, got "x"`}},
		{"alias", "name: a\nitems:\n  - &i {name: x, title: X, week: 1}\n  - *i\n", []string{"anchors and aliases"}},
		{"empty title", "name: a\nitems:\n  - {name: x, title: ' ', week: 1}\n", []string{"items[0].title: empty"}},
		{"title in an unknown language", "name: a\nitems:\n  - {name: x, title: {en: X, fr: Y}, week: 1}\n", []string{`items[0].title.fr: unknown language "fr"`}},
		{"empty translation", "name: a\nitems:\n  - {name: x, title: {en: X, ja: ' '}, week: 1}\n", []string{"items[0].title.ja: empty"}},
		{"no title in any language", "name: a\nitems:\n  - {name: x, title: {}, week: 1}\n", []string{"items[0].title: empty: give the text, or one per language"}},
		{"item named by digits", "name: a\nitems:\n  - {name: '90', title: X, week: 1}\n", []string{`t.yaml:3: items[0].name: "90": a name needs a letter`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("not an *Error: %T", err)
			}
		})
	}
}

func TestLoadDefaultsAndOverride(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"csm-30-60-90", "ops-onboarding"}, set.Names()); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	csm, _ := set.Lookup("csm-30-60-90")
	if len(csm.Items) < 10 || csm.Weeks() != 12 {
		t.Errorf("csm-30-60-90: %d items over %d weeks", len(csm.Items), csm.Weeks())
	}
	for _, name := range set.Names() {
		if t1, _ := set.Lookup(name); t1.Description.Text == "" || t1.Description.In("ja") == t1.Description.Text {
			t.Errorf("default %s has no description in English and Japanese: %+v", name, t1.Description)
		}
	}
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("csm.yaml", "name: csm-30-60-90\nitems:\n  - {name: only, title: Only, week: 1}\n")
	write("extra.yml", "name: extra\nitems:\n  - {name: a, title: A, week: 2}\n")
	write(".swap.yaml", "not: yaml: at all")
	set, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"csm-30-60-90", "extra", "ops-onboarding"}, set.Names()); diff != "" {
		t.Errorf("with overrides (-want +got):\n%s", diff)
	}
	if csm, _ := set.Lookup("csm-30-60-90"); len(csm.Items) != 1 {
		t.Errorf("override did not replace the default: %+v", csm)
	}
	write("dup.yaml", "name: extra\nitems:\n  - {name: a, title: A, week: 2}\n")
	write("bad.yaml", "name: bad\nitems:\n  - {name: a, title: A, weeks: 2}\n")
	_, err = Load(dir)
	for _, w := range []string{"bad.yaml:3: items[0].weeks: unknown field (did you mean week?)", "template extra is also defined in"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Load error lacks %q: %v", w, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder loaded")
	}
}

func sample() Template {
	return Template{Name: "sample", Items: []Item{
		{Key: "tools", Title: "Tools", Week: 1, Due: 2},
		{Key: "training", Title: "Training", Titles: map[string]string{"ja": "研修"}, Week: 1, Due: 4},
		{Key: "shadow", Title: "Shadow calls", Week: 2, Due: 10, SignOff: true},
		{Key: "qbr", Title: "QBR", Week: 3, Due: 20},
	}}
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFind(t *testing.T) {
	tpl := sample()
	tests := []struct {
		query string
		want  int
		err   string
	}{
		{"1", 0, ""},
		{"4", 3, ""},
		{"5", -1, "There is no item 5: sample has items 1 to 4."},
		{"0", -1, "There is no item 0"},
		{"tools", 0, ""},
		{"sh", 2, ""},
		{"Shadow Calls", 2, ""},
		{"t", -1, "'t' matches 2 items: 1 tools, 2 training. Type more"},
		{"tolls", -1, "No item of sample matches 'tolls'. Did you mean tools?"},
		{"", -1, "Which item?"},
	}
	for _, tc := range tests {
		got, err := tpl.Find(i18n.English, tc.query)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Find(%q) = %d, %v; want %d, %q", tc.query, got, err, tc.want, tc.err)
		}
	}
}

func TestCompute(t *testing.T) {
	done := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	a := store.Assignment{NewHire: "yuki", Template: "sample", Start: "2026-11-02", Items: []store.ItemState{
		{Key: "tools", DoneAt: done, DoneBy: "yuki"},
		{Key: "shadow", DoneAt: done, DoneBy: "yuki"}, // awaiting sign-off
	}}
	type summary struct {
		Statuses             []string
		Complete, Percent    int
		Behind, Week         int
		Overdue, Next, Await []string
	}
	keys := func(ips []ItemProgress) []string {
		var out []string
		for _, ip := range ips {
			out = append(out, ip.Item.Key)
		}
		return out
	}
	tests := []struct {
		today string
		want  summary
	}{
		{"2026-11-02", summary{Statuses: []string{"complete", "open", "awaiting sign-off", "open"}, Complete: 1, Percent: 25, Week: 1,
			Next: []string{"training", "qbr"}, Await: []string{"shadow"}}},
		{"2026-11-06", summary{Statuses: []string{"complete", "open", "awaiting sign-off", "open"}, Complete: 1, Percent: 25, Week: 1,
			Next: []string{"training", "qbr"}, Await: []string{"shadow"}}},
		{"2026-11-07", summary{Statuses: []string{"complete", "overdue", "awaiting sign-off", "open"}, Complete: 1, Percent: 25, Week: 1, Behind: 1,
			Overdue: []string{"training"}, Next: []string{"qbr"}, Await: []string{"shadow"}}},
		{"2026-11-30", summary{Statuses: []string{"complete", "overdue", "awaiting sign-off", "overdue"}, Complete: 1, Percent: 25, Week: 5, Behind: 24,
			Overdue: []string{"training", "qbr"}, Await: []string{"shadow"}}},
	}
	for _, tc := range tests {
		p := Compute(sample(), a, date(tc.today))
		got := summary{Complete: p.Complete, Percent: p.Percent, Behind: p.BehindDays, Week: p.Week(),
			Overdue: keys(p.Overdue), Next: keys(p.Next), Await: keys(p.Awaiting)}
		for _, ip := range p.Items {
			got.Statuses = append(got.Statuses, ip.Status)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.today, diff)
		}
	}
	a.SetState(store.ItemState{Key: "shadow", DoneAt: done, DoneBy: "yuki", VerifiedAt: done, VerifiedBy: "aiko"})
	if p := Compute(sample(), a, date("2026-11-02")); p.Complete != 2 || p.Percent != 50 || len(p.Awaiting) != 0 {
		t.Errorf("after sign-off: %d complete, %d%%, awaiting %v", p.Complete, p.Percent, p.Awaiting)
	}
}

func TestSortBehind(t *testing.T) {
	type row struct {
		id string
		p  Progress
	}
	rows := []row{
		{"a", Progress{Percent: 50}},
		{"b", Progress{BehindDays: 3, Overdue: make([]ItemProgress, 1)}},
		{"c", Progress{BehindDays: 9, Overdue: make([]ItemProgress, 1)}},
		{"d", Progress{Percent: 10}},
		{"e", Progress{BehindDays: 3, Overdue: make([]ItemProgress, 2)}},
	}
	SortBehind(rows, func(r row) (string, Progress) { return r.id, r.p })
	var got []string
	for _, r := range rows {
		got = append(got, r.id)
	}
	if diff := cmp.Diff([]string{"c", "e", "b", "d", "a"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Nudge timing with a fake clock: the Monday messages only in the morning
// window of each recipient's zone, alerts at 3 and 7 days overdue, each
// with a stable id.
func TestNudges(t *testing.T) {
	set := &Set{Templates: []Template{sample()}}
	members := []store.Member{
		{ID: "yuki", Name: "Yuki Abe", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", TZ: "Asia/Tokyo"},
		{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleMentor}, TZ: "Asia/Tokyo"},
		{ID: "hiro", Name: "Hiro Yamada", Roles: []store.Role{store.RoleLead}},
	}
	teams := []store.Team{{ID: "tokyo", Lead: "hiro"}}
	as := []store.Assignment{{NewHire: "yuki", Template: "sample", Mentor: "aiko", Start: "2026-11-02"}}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
		if err != nil {
			panic(err)
		}
		return t
	}
	type got struct{ Kind, Item, To, Day string }
	tests := []struct {
		name string
		now  time.Time
		want []got
	}{
		{"before the start", at("2026-10-26 09:00"), nil},
		{"first Monday 09:00 Tokyo", at("2026-11-02 09:00"), []got{{"next", "", "yuki", "2026-11-02"}, {"summary", "", "aiko", "2026-11-02"}}},
		{"Monday 07:59 Tokyo", at("2026-11-02 07:59"), nil},
		{"Monday 10:00 Tokyo", at("2026-11-02 10:00"), nil},
		{"Tuesday", at("2026-11-03 09:00"), nil},
		{"tools 2 days overdue", at("2026-11-06 12:00"), nil},
		{"tools 3 days overdue", at("2026-11-07 00:30"), []got{{"overdue", "tools", "aiko", "2026-11-04"}}},
		{"tools 7, training 5 days overdue", at("2026-11-11 12:00"), []got{
			{"overdue", "tools", "aiko", "2026-11-04"}, {"escalation", "tools", "hiro", "2026-11-04"}, {"overdue", "training", "aiko", "2026-11-06"}}},
		{"tools and training past the grace, shadow 8 days overdue", at("2026-11-20 12:00"), []got{
			{"overdue", "shadow", "aiko", "2026-11-12"}, {"escalation", "shadow", "hiro", "2026-11-12"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := Nudges(set, as, members, teams, tc.now, time.UTC, "en")
			var g []got
			for _, n := range ns {
				g = append(g, got{n.Kind, n.Item, n.Recipient, n.Day.Format(time.DateOnly)})
				if want := store.OutboxID("checklist", "sample", n.step(), "yuki", n.Recipient, n.Day); n.ID != want {
					t.Errorf("id %s, want %s", n.ID, want)
				}
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Done and Need help buttons on the new hire's Monday message.
	ns := Nudges(set, as, members, teams, at("2026-11-02 09:00"), time.UTC, "en")
	var values []string
	for _, b := range ns[0].Reply.Buttons {
		values = append(values, b.Value)
	}
	if diff := cmp.Diff([]string{"checklist done tools", "checklist help tools", "checklist done training", "checklist help training"}, values); diff != "" {
		t.Errorf("buttons (-want +got):\n%s", diff)
	}
	// A finished checklist, a removed template or a departed new hire nudges nobody.
	for _, a := range []store.Assignment{
		{NewHire: "yuki", Template: "gone", Mentor: "aiko", Start: "2026-11-02"},
		{NewHire: "ghost", Template: "sample", Mentor: "aiko", Start: "2026-11-02"},
	} {
		if ns := Nudges(set, []store.Assignment{a}, members, teams, at("2026-11-02 09:00"), time.UTC, "en"); len(ns) != 0 {
			t.Errorf("%+v: nudges %+v", a, ns)
		}
	}
}

type fakeOutbox struct{ ids map[string]store.OutboxItem }

func (f *fakeOutbox) Enqueue(_ context.Context, it store.OutboxItem) (bool, error) {
	if _, ok := f.ids[it.ID]; ok {
		return false, nil
	}
	f.ids[it.ID] = it
	return true, nil
}

func TestQueueIsIdempotent(t *testing.T) {
	set := &Set{Templates: []Template{sample()}}
	members := []store.Member{{ID: "yuki", Name: "Yuki"}, {ID: "aiko", Name: "Aiko"}}
	as := []store.Assignment{{NewHire: "yuki", Template: "sample", Mentor: "aiko", Start: "2026-11-02"}}
	now := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
	ob := &fakeOutbox{ids: map[string]store.OutboxItem{}}
	for run, want := range []int{2, 0} {
		n, err := Queue(context.Background(), ob, Nudges(set, as, members, nil, now.Add(time.Duration(run)*15*time.Minute), nil, "en"), now)
		if err != nil || n != want {
			t.Errorf("run %d: queued %d, %v; want %d", run, n, err, want)
		}
	}
	for _, it := range ob.ids {
		if it.Kind != OutboxKind || it.Account != "yuki" || it.Payload == "" {
			t.Errorf("outbox item %+v", it)
		}
	}
}

// Without a mentor, the lead gets the 3-day alert as well as the escalation.
func TestNudgesWithoutMentorAlertTheLead(t *testing.T) {
	set := &Set{Templates: []Template{sample()}}
	members := []store.Member{
		{ID: "yuki", Name: "Yuki Abe", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", TZ: "Asia/Tokyo"},
		{ID: "hiro", Name: "Hiro Yamada", Roles: []store.Role{store.RoleLead}},
	}
	teams := []store.Team{{ID: "tokyo", Lead: "hiro"}}
	as := []store.Assignment{{NewHire: "yuki", Template: "sample", Start: "2026-11-02"}}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for _, tc := range []struct {
		at   string
		want []string
	}{
		{"2026-11-07 00:30", []string{"overdue tools hiro"}},
		{"2026-11-11 12:00", []string{"escalation tools hiro", "overdue training hiro"}},
	} {
		now, _ := time.ParseInLocation("2006-01-02 15:04", tc.at, tokyo)
		var got []string
		for _, n := range Nudges(set, as, members, teams, now, time.UTC, "en") {
			got = append(got, n.Kind+" "+n.Item+" "+n.Recipient)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.at, diff)
		}
	}
}

// Nudges are written in each recipient's language: the member's locale,
// else the deployment's. Rewrite the golden files with
// `go test ./playbooks/checklists -run NudgesGolden -update`.
func TestNudgesGolden(t *testing.T) {
	set := &Set{Templates: []Template{sample()}}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	teams := []store.Team{{ID: "tokyo", Lead: "hiro"}}
	as := []store.Assignment{{NewHire: "yuki", Template: "sample", Mentor: "aiko", Start: "2026-11-02"}}
	for _, tc := range []struct {
		name, hireLocale, deployment string
	}{
		{"", "", "en"},
		{".ja", "ja-JP", "en"}, // the member's own locale
		{".ja", "", "ja"},      // the deployment's
	} {
		members := []store.Member{
			{ID: "yuki", Name: "Yuki Abe", Roles: []store.Role{store.RoleNewHire}, Team: "tokyo", TZ: "Asia/Tokyo", Locale: tc.hireLocale},
			{ID: "aiko", Name: "Aiko Tanaka", Roles: []store.Role{store.RoleMentor}, TZ: "Asia/Tokyo", Locale: tc.hireLocale},
			{ID: "hiro", Name: "Hiro Yamada", Roles: []store.Role{store.RoleLead}, Locale: tc.hireLocale},
		}
		got := map[string]string{}
		// Monday of week 2: the new hire's list, with an item overdue; a
		// week later the escalation to the lead.
		for _, now := range []time.Time{time.Date(2026, 11, 9, 9, 0, 0, 0, tokyo), time.Date(2026, 11, 11, 12, 0, 0, 0, tokyo)} {
			for _, n := range Nudges(set, as, members, teams, now, time.UTC, tc.deployment) {
				got[n.Kind] = console.Render(n.Reply)
			}
		}
		for _, kind := range []string{NudgeNext, NudgeEscalation} {
			if got[kind] == "" {
				t.Fatalf("no %s nudge among %v", kind, got)
			}
			golden.Assert(t, "nudge-"+kind+tc.name+".golden", []byte(got[kind]+"\n"))
		}
	}
}
