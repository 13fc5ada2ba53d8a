package bot

import (
	"reflect"
	"testing"
)

func TestRedact(t *testing.T) {
	img := &Image{Name: "nps.png", Sensitive: true}
	tests := []struct {
		name     string
		in, want Reply
	}{
		{"nothing sensitive is unchanged",
			Reply{Text: "hi", Fields: []Field{{Name: "Score", Value: "70"}}, Image: &Image{Name: "h.png"}},
			Reply{Text: "hi", Fields: []Field{{Name: "Score", Value: "70"}}, Image: &Image{Name: "h.png"}}},
		{"sensitive field dropped, note added",
			Reply{Fields: []Field{{Name: "Score", Value: "70"}, {Name: "ARR", Value: "1,000", Sensitive: true}}},
			Reply{Text: RedactedNote, Fields: []Field{{Name: "Score", Value: "70"}}}},
		{"sensitive section redacted or dropped",
			Reply{Sections: []Section{
				{Title: "Book", Lines: []string{"acme ARR 1,000"}, Sensitive: true, Redacted: []string{"acme"}},
				{Title: "Reasons", Lines: []string{"NPS 3"}, Sensitive: true},
				{Title: "Plain", Lines: []string{"ok"}},
			}},
			Reply{Text: RedactedNote, Sections: []Section{{Title: "Book", Lines: []string{"acme"}}, {Title: "Plain", Lines: []string{"ok"}}}}},
		{"sensitive chart dropped with its sparkline",
			Reply{Text: "NPS by month: ▁▃▅", Image: img},
			Reply{Text: RedactedNote}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.Redact()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Redact() = %+v, want %+v", got, tc.want)
			}
			if again := got.Redact(); !reflect.DeepEqual(again, got) {
				t.Errorf("redacting twice changed it: %+v", again)
			}
		})
	}
}
