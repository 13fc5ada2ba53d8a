package checklists

import (
	"errors"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/i18n"
	"github.com/csbot/csbot/store"
)

// FuzzParse: Parse never panics, every problem is an *Error naming the
// file, and a template it accepts has a name, unique named and titled items
// in weeks 1-52 with due offsets in range, and runs through Compute, Find
// and Nudges.
func FuzzParse(f *testing.F) {
	entries, err := defaultFiles.ReadDir("defaults")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := defaultFiles.ReadFile("defaults/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"name: x\nitems:\n  - {name: a, title: A, week: 1}\n",
		"name: x\nitems:\n  - {name: a, title: A, week: 52, due: 52w, link: 'https://x.y/z', signoff: true, evidence: false}\n",
		"name: x\nitems:\n  - &a {name: a, title: A, week: 1}\n  - *a\n",
		"name: x\nitems: [\n",
		"name: x\n---\nname: y\n",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := Parse("fuzz.yaml", data)
		if err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var perr *Error
				if !errors.As(e, &perr) || perr.File != "fuzz.yaml" {
					t.Fatalf("error %q is not a *checklists.Error naming fuzz.yaml", e)
				}
			}
			return
		}
		if tpl.Name == "" || tpl.Source != "fuzz.yaml" || len(tpl.Items) == 0 || len(tpl.Items) > MaxItems {
			t.Fatalf("accepted template %+v", tpl)
		}
		seen := map[string]bool{}
		for _, it := range tpl.Items {
			if it.Key == "" || seen[it.Key] || it.Title == "" || it.Week < 1 || it.Week > MaxWeeks || it.Due < 0 || it.Due > maxDue {
				t.Fatalf("accepted item %+v", it)
			}
			seen[it.Key] = true
			if i, err := tpl.Find(i18n.English, it.Key); err != nil || tpl.Items[i].Key != it.Key {
				t.Fatalf("Find(%q) = %d, %v", it.Key, i, err)
			}
		}
		a := store.Assignment{NewHire: "yuki", Template: tpl.Name, Mentor: "aiko", Start: "2026-10-01"}
		if p := Compute(tpl, a, Today(now, nil)); len(p.Items) != len(tpl.Items) || p.Percent != 0 {
			t.Fatalf("progress %+v", p)
		}
		Nudges(&Set{Templates: []Template{tpl}}, []store.Assignment{a},
			[]store.Member{{ID: "yuki", Lead: "hiro"}, {ID: "aiko"}}, nil, now, time.UTC, "ja")
	})
}
