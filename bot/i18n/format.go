package i18n

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/width"
)

// Date is a day as the language writes it: 2026-12-06 in English (as csbot
// always wrote it), 2026年12月6日 in Japanese. The day is t's in UTC, as
// store.Day takes it.
func (l *Localizer) Date(t time.Time) string {
	t = t.UTC()
	if l.lang == "ja" {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format(time.DateOnly)
}

// DateOf is Date of a YYYY-MM-DD day as stored (index rows, events); a
// text that is not one is shown as it is.
func (l *Localizer) DateOf(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return l.Date(t)
}

// Time is a moment to the minute in UTC, as trails show it: 2026-11-02
// 05:00 in English, 2026年11月2日 05:00 in Japanese.
func (l *Localizer) Time(t time.Time) string {
	return l.T("format.time", Data{"Date": l.Date(t), "Clock": t.UTC().Format("15:04")})
}

// Month is a calendar month: 2026-11 in English, 2026年11月 in Japanese,
// t's in UTC.
func (l *Localizer) Month(t time.Time) string {
	t = t.UTC()
	if l.lang == "ja" {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return t.Format("2006-01")
}

// Days is a number of days: "1 day", "38 days", "38日".
func (l *Localizer) Days(n int) string { return l.N("format.days", n, nil) }

// InDays is a day relative to today, n days away: "in 38 days" or "38日後",
// "3 days ago" or "3日前", "today" or "今日".
func (l *Localizer) InDays(n int) string {
	switch {
	case n > 0:
		return l.N("format.in_days", n, nil)
	case n < 0:
		return l.N("format.days_ago", -n, nil)
	}
	return l.T("format.today", nil)
}

// Number writes a whole number with the language's digit grouping:
// 1,234,567 in both English and Japanese.
func (l *Localizer) Number(v int64) string {
	return l.p.Sprintf("%d", v)
}

// Money writes a whole amount in the currency (an ISO 4217 code such as
// JPY or USD): ¥215,000, $215,000, CHF 215,000. With no currency it is the
// bare Number, as csbot wrote amounts before organisations set one.
func (l *Localizer) Money(v int64, cur string) string {
	n := l.Number(v)
	if cur == "" {
		return n
	}
	sym := Currency(cur)
	sign := ""
	if v < 0 {
		sign, n = "-", strings.TrimPrefix(n, "-")
	}
	// A letter code reads as a word, a sign such as ¥ sticks to the figure.
	if r := []rune(sym); unicode.IsLetter(r[len(r)-1]) {
		return sign + sym + " " + n
	}
	return sign + sym + n
}

// Currency is the sign amounts in a currency code carry: ¥ for JPY, $ for
// USD, the code itself where there is no narrow sign. ValidCurrency checks
// the code first.
func Currency(code string) string {
	u, err := currency.ParseISO(code)
	if err != nil {
		return strings.ToUpper(code)
	}
	return message.NewPrinter(language.English).Sprint(currency.NarrowSymbol(u))
}

// ValidCurrency checks an ISO 4217 code such as JPY or USD.
func ValidCurrency(code string) error {
	if _, err := currency.ParseISO(code); err != nil {
		return fmt.Errorf("%q is not an ISO 4217 currency code (use e.g. JPY or USD)", code)
	}
	return nil
}

// Columns is how many terminal columns s takes: Japanese and other wide
// characters take two, so Japanese labels line up in monospace text.
func Columns(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// Pad is s followed by spaces to fill n columns (see Columns).
func Pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-Columns(s)))
}
