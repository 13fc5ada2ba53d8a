package progress

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clock is a fake time source the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLines(t *testing.T) {
	tests := []struct {
		name  string
		total int // 0: unknown until set after the first step
		steps []struct {
			at   time.Duration
			done int
		}
		want []string
	}{
		{
			name:  "import",
			total: 10000,
			steps: []struct {
				at   time.Duration
				done int
			}{{time.Second, 1500}, {2500 * time.Millisecond, 4000}, {3 * time.Second, 4500}, {4 * time.Second, 6000}, {6 * time.Second, 9000}, {7 * time.Second, 10000}},
			want: []string{
				"import: 4,500 of 10,000 rows, 1,500 rows/s, about 4 s left",
				"import: 9,000 of 10,000 rows, 1,500 rows/s, about 1 s left",
			},
		},
		{
			name: "unknown total",
			steps: []struct {
				at   time.Duration
				done int
			}{{5 * time.Second, 500}},
			want: []string{"import: 500 rows, 100 rows/s"},
		},
		{
			name:  "slow",
			total: 1_000_000,
			steps: []struct {
				at   time.Duration
				done int
			}{{10 * time.Second, 1000}},
			want: []string{"import: 1,000 of 1,000,000 rows, 100 rows/s, about 167 min left"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
			start := c.t
			var out strings.Builder
			m := New(&out, "import", "rows", tt.total, Options{Now: c.now})
			for _, s := range tt.steps {
				c.t = start.Add(s.at)
				m.Set(s.done)
			}
			m.Finish()
			if diff := cmp.Diff(tt.want, strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuietAndTerminal(t *testing.T) {
	var out strings.Builder
	m := New(&out, "import", "rows", 10, Options{Quiet: true})
	m.Total(20)
	m.Set(20)
	m.Finish()
	if out.Len() != 0 || m != nil {
		t.Errorf("quiet meter wrote %q", out.String())
	}

	m = New(&out, "seed", "accounts", 0, Options{Terminal: true})
	m.Total(1000)
	m.Set(400)
	m.Finish()
	if got := out.String(); !strings.Contains(got, "seed") || !strings.Contains(got, "/1000, ") || !strings.Contains(got, " accounts/") {
		t.Errorf("bar = %q, want the description, the count of the total and the rate", got)
	}
}

func TestCountAndDuration(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", -12345: "-12,345", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{100 * time.Millisecond: "1 s", 89 * time.Second: "89 s", 150 * time.Second: "3 min"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}
