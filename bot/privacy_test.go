package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/csbot/csbot/bot/i18n"
)

func TestRedact(t *testing.T) {
	note := i18n.English.T("adapter.redacted", nil)
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
			Reply{Text: note, Fields: []Field{{Name: "Score", Value: "70"}}}},
		{"sensitive section redacted or dropped",
			Reply{Sections: []Section{
				{Title: "Book", Lines: []string{"acme ARR 1,000"}, Sensitive: true, Redacted: []string{"acme"}},
				{Title: "Reasons", Lines: []string{"NPS 3"}, Sensitive: true},
				{Title: "Plain", Lines: []string{"ok"}},
			}},
			Reply{Text: note, Sections: []Section{{Title: "Book", Lines: []string{"acme"}}, {Title: "Plain", Lines: []string{"ok"}}}}},
		{"sensitive chart dropped with its sparkline",
			Reply{Text: "NPS by month: ▁▃▅", Image: img},
			Reply{Text: note}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.Redact(i18n.English)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Redact() = %+v, want %+v", got, tc.want)
			}
			if again := got.Redact(i18n.English); !reflect.DeepEqual(again, got) {
				t.Errorf("redacting twice changed it: %+v", again)
			}
		})
	}
}

// TestRedactNoteInLanguage: the note is written in the reader's language.
func TestRedactNoteInLanguage(t *testing.T) {
	r := Reply{Fields: []Field{{Name: "ARR", Value: "1,000", Sensitive: true}}}
	for lang, want := range map[string]string{"en": "ARR and risk reasons are hidden", "ja": "解約リスクの理由を表示していません"} {
		if got := r.Redact(i18n.For(lang)).Text; !strings.Contains(got, want) {
			t.Errorf("Redact(%s).Text = %q, want it to contain %q", lang, got, want)
		}
	}
}
