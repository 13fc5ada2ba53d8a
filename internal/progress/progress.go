// Package progress shows how far long work has got (an import, seeding a
// big book): a bar with the count, the rate and the time left on a
// terminal, a short line every few seconds elsewhere (a log, CI), nothing
// when quiet. Every long command reports through a Meter.
package progress

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Options says where and how a Meter reports.
type Options struct {
	// Terminal draws a bar; otherwise a line is written every Every.
	Terminal bool
	// Quiet reports nothing.
	Quiet bool
	// Every spaces the lines (default 3 s); Now is the clock (time.Now).
	Every time.Duration
	Now   func() time.Time
}

// Meter reports the progress of one piece of work on w, such as "import:
// 4,500 of 10,000 rows, 1,800 rows/s, about 3 s left". A nil Meter (what
// New returns when quiet) reports nothing.
type Meter struct {
	w          io.Writer
	what, unit string
	bar        *progressbar.ProgressBar
	every      time.Duration
	now        func() time.Time
	total      int
	start      time.Time
	last       time.Time // of the last line written
}

// New returns a meter for the work called what (the command) counting
// units ("rows", "accounts") out of total; total may be 0 while unknown.
func New(w io.Writer, what, unit string, total int, o Options) *Meter {
	if o.Quiet {
		return nil
	}
	if o.Every <= 0 {
		o.Every = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Meter{w: w, what: what, unit: unit, every: o.Every, now: o.Now, total: total}
	m.start, m.last = m.now(), m.now()
	if o.Terminal {
		max := int64(total)
		if max <= 0 {
			max = -1 // a spinner until the total is known
		}
		m.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return m
}

// Total sets the number of units the work has, once known.
func (m *Meter) Total(total int) {
	if m == nil {
		return
	}
	m.total = total
	if m.bar != nil {
		m.bar.ChangeMax(total)
	}
}

// Set reports that done units are done.
func (m *Meter) Set(done int) {
	if m == nil {
		return
	}
	if m.bar != nil {
		_ = m.bar.Set(done) // a bar that cannot be drawn is no reason to stop the work
		return
	}
	now := m.now()
	if now.Sub(m.last) < m.every {
		return
	}
	m.last = now
	fmt.Fprintln(m.w, m.line(done, now.Sub(m.start)))
}

// Finish clears the bar; the command then prints its own summary.
func (m *Meter) Finish() {
	if m == nil || m.bar == nil {
		return
	}
	_ = m.bar.Finish()
}

// line is "import: 4,500 of 10,000 rows, 1,800 rows/s, about 3 s left".
func (m *Meter) line(done int, elapsed time.Duration) string {
	s := m.what + ": " + count(done)
	if m.total > 0 {
		s += " of " + count(m.total)
	}
	s += " " + m.unit
	if done <= 0 || elapsed <= 0 {
		return s
	}
	rate := float64(done) / elapsed.Seconds()
	s += ", " + count(int(math.Round(rate))) + " " + m.unit + "/s"
	if m.total > done {
		s += ", about " + duration(time.Duration(float64(m.total-done)/rate*float64(time.Second))) + " left"
	}
	return s
}

// count writes n with thousands separators: 10,000.
func count(n int) string {
	if n < 0 {
		return "-" + count(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// duration writes a time left in whole seconds or minutes: 3 s, 2 min.
func duration(d time.Duration) string {
	if d < 90*time.Second {
		return fmt.Sprintf("%d s", max(1, int(math.Round(d.Seconds()))))
	}
	return fmt.Sprintf("%d min", int(math.Round(d.Minutes())))
}
