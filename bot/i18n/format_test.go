package i18n

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	day := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, lang string
		got        func(*Localizer) string
		want       string
	}{
		{"date en", "en", func(l *Localizer) string { return l.Date(day) }, "2026-12-06"},
		{"date ja", "ja", func(l *Localizer) string { return l.Date(day) }, "2026年12月6日"},
		{"date ja is the UTC day", "ja", func(l *Localizer) string { return l.Date(day.In(time.FixedZone("JST", 9*3600))) }, "2026年12月6日"},
		{"time en", "en", func(l *Localizer) string { return l.Time(day.In(time.FixedZone("JST", 9*3600))) }, "2026-12-06 23:30"},
		{"time ja", "ja", func(l *Localizer) string { return l.Time(day) }, "2026年12月6日 23:30"},
		{"month en", "en", func(l *Localizer) string { return l.Month(day) }, "2026-12"},
		{"month ja", "ja", func(l *Localizer) string { return l.Month(day) }, "2026年12月"},
		{"in days en", "en", func(l *Localizer) string { return l.InDays(38) }, "in 38 days"},
		{"in one day en", "en", func(l *Localizer) string { return l.InDays(1) }, "in 1 day"},
		{"in days ja", "ja", func(l *Localizer) string { return l.InDays(38) }, "38日後"},
		{"days ago en", "en", func(l *Localizer) string { return l.InDays(-3) }, "3 days ago"},
		{"one day ago en", "en", func(l *Localizer) string { return l.InDays(-1) }, "1 day ago"},
		{"days ago ja", "ja", func(l *Localizer) string { return l.InDays(-3) }, "3日前"},
		{"today en", "en", func(l *Localizer) string { return l.InDays(0) }, "today"},
		{"today ja", "ja", func(l *Localizer) string { return l.InDays(0) }, "今日"},
		{"days en", "en", func(l *Localizer) string { return l.Days(40) }, "40 days"},
		{"one day en", "en", func(l *Localizer) string { return l.Days(1) }, "1 day"},
		{"days ja", "ja", func(l *Localizer) string { return l.Days(40) }, "40日"},
		{"number en", "en", func(l *Localizer) string { return l.Number(1234567) }, "1,234,567"},
		{"number ja", "ja", func(l *Localizer) string { return l.Number(1234567) }, "1,234,567"},
		{"small number", "ja", func(l *Localizer) string { return l.Number(999) }, "999"},
		{"negative number", "en", func(l *Localizer) string { return l.Number(-45000) }, "-45,000"},
		{"no currency", "en", func(l *Localizer) string { return l.Money(215000, "") }, "215,000"},
		{"yen", "ja", func(l *Localizer) string { return l.Money(215000, "JPY") }, "¥215,000"},
		{"yen in English", "en", func(l *Localizer) string { return l.Money(215000, "JPY") }, "¥215,000"},
		{"dollars", "en", func(l *Localizer) string { return l.Money(215000, "USD") }, "$215,000"},
		{"lower-case code", "en", func(l *Localizer) string { return l.Money(215000, "usd") }, "$215,000"},
		{"negative money", "en", func(l *Localizer) string { return l.Money(-5000, "USD") }, "-$5,000"},
		{"code without a sign", "en", func(l *Localizer) string { return l.Money(215000, "CHF") }, "CHF 215,000"},
	} {
		if got := tc.got(For(tc.lang)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	for code, ok := range map[string]bool{"JPY": true, "usd": true, "YEN": false, "": false, "¥": false} {
		if err := ValidCurrency(code); (err == nil) != ok {
			t.Errorf("ValidCurrency(%q) = %v, want ok %v", code, err, ok)
		}
	}
}
