package chart

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"math"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot/plotter"
)

var day0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func days(values ...float64) []Point {
	pts := make([]Point, len(values))
	for i, v := range values {
		pts[i] = Point{At: day0.AddDate(0, 0, i), Value: v}
	}
	return pts
}

func TestLineDecodesAtTheRequestedSize(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		pts           []Point
		width, height int
		o             Options
	}{
		{"90 days with gaps and bands", days(70, 72, nan, nan, 65, 40, 38, 55, 80), 800, 400,
			Options{YMin: 0, YMax: 100, Rules: []Rule{{Y: 70, Label: "green", Color: color.RGBA{G: 0x80, A: 0xff}}, {Y: 40, Label: "yellow"}}}},
		{"one point", days(50), 320, 200, Options{}},
		{"flat line", days(3, 3, 3), 300, 301, Options{}},
		{"unsorted input", []Point{{day0.AddDate(0, 0, 2), 1}, {day0, 5}, {day0.AddDate(0, 0, 1), 2}}, 640, 360, Options{}},
		{"rule outside the data", days(10, 12), 400, 300, Options{Rules: []Rule{{Y: 70}}}},
		{"largest", days(1, 2), MaxSide, 100, Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := LineWith("Acme Corp · health", "score", tc.pts, tc.width, tc.height, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if got := img.Bounds().Size(); got.X != tc.width || got.Y != tc.height {
				t.Errorf("size %v, want %dx%d", got, tc.width, tc.height)
			}
			// Something was drawn: not every pixel is the white background.
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			blank := true
			for y := 0; y < h && blank; y += 3 {
				for x := 0; x < w && blank; x += 3 {
					if r, g, b, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
						blank = false
					}
				}
			}
			if blank {
				t.Error("the chart is blank")
			}
		})
	}
	// Line is LineWith without options.
	b, err := Line("KPI", "%", days(1, 2, 3), 200, 100)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 200 || cfg.Height != 100 {
		t.Errorf("Line: %+v, %v; want a 200x100 PNG", cfg, err)
	}
}

func TestLineRefuses(t *testing.T) {
	tests := []struct {
		name          string
		pts           []Point
		width, height int
		want          string
	}{
		{"no points", nil, 100, 100, ErrNoPoints.Error()},
		{"only gaps", days(math.NaN(), math.Inf(1)), 100, 100, ErrNoPoints.Error()},
		{"zero width", days(1), 0, 100, "size 0x100: width and height must be within 1..4096 pixels"},
		{"negative height", days(1), 100, -1, "size 100x-1"},
		{"too wide", days(1), MaxSide + 1, 100, "size 4097x100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Line("t", "y", tc.pts, tc.width, tc.height)
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
			if b != nil {
				t.Errorf("returned %d bytes with the error", len(b))
			}
		})
	}
	if _, err := Line("t", "y", nil, 10, 10); !errors.Is(err, ErrNoPoints) {
		t.Errorf("err = %v, want ErrNoPoints", err)
	}
}

func TestSegments(t *testing.T) {
	xs := func(vals ...float64) plotter.XYs {
		out := make(plotter.XYs, len(vals))
		for i, v := range vals {
			out[i] = plotter.XY{X: v}
		}
		return out
	}
	tests := []struct {
		name string
		in   plotter.XYs
		want []plotter.XYs
	}{
		{"one point", xs(1), []plotter.XYs{xs(1)}},
		{"two points are never split", xs(1, 50), []plotter.XYs{xs(1, 50)}},
		{"daily without gaps", xs(1, 2, 3, 4), []plotter.XYs{xs(1, 2, 3, 4)}},
		// the median step is 1; 2 is still joined, 3 breaks
		{"two missing days break", xs(1, 2, 3, 6, 7, 8), []plotter.XYs{xs(1, 2, 3), xs(6, 7, 8)}},
		{"one missing day joins", xs(1, 2, 4, 5, 6), []plotter.XYs{xs(1, 2, 4, 5, 6)}},
		{"lone point between gaps", xs(1, 2, 3, 10, 20, 21, 22), []plotter.XYs{xs(1, 2, 3), xs(10), xs(20, 21, 22)}},
		// months of 28 to 31 days are one cadence
		{"monthly", xs(0, 31, 59, 90, 120), []plotter.XYs{xs(0, 31, 59, 90, 120)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, segments(tc.in)); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		values []float64
		want   string
	}{
		{"empty", nil, ""},
		{"lowest to highest", []float64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{"scaled to the data", []float64{100, 150, 200}, "▁▅█"},
		{"negative values", []float64{-10, 0, 10}, "▁▅█"},
		{"gap", []float64{1, nan, 3}, "▁ █"},
		{"infinite is a gap", []float64{1, math.Inf(1), 3, math.Inf(-1)}, "▁ █ "},
		{"all gaps", []float64{nan, nan}, "  "},
		{"flat", []float64{42, 42, 42}, "▄▄▄"},
		{"one value", []float64{7}, "▄"},
		{"extreme bounds", []float64{-math.MaxFloat64, 0, math.MaxFloat64}, "▁▅█"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sparkline(tc.values)
			if got != tc.want {
				t.Errorf("Sparkline(%v) = %q, want %q", tc.values, got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n != len(tc.values) {
				t.Errorf("%d runes for %d values", n, len(tc.values))
			}
		})
	}
}

func TestSparklineScale(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		lo, hi float64
		want   string
	}{
		// 0..100 in eight bins of 12.5
		{"bin edges", []float64{0, 12, 12.5, 24, 25, 37, 37.5, 49, 50, 62, 62.5, 74, 75, 87, 87.5, 100},
			0, 100, "▁▁▂▂▃▃▄▄▅▅▆▆▇▇██"},
		{"close values stay close", []float64{60, 61, 62}, 0, 100, "▅▅▅"},
		{"flat low stays low", []float64{5, 5}, 0, 100, "▁▁"},
		{"flat high stays high", []float64{100, 100}, 0, 100, "██"},
		{"outside the scale", []float64{-50, 150, 1e300}, 0, 100, "▁██"},
		{"empty scale", []float64{1, 2}, 5, 5, "▄▄"},
		{"gap", []float64{math.NaN(), 50}, 0, 100, " ▅"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SparklineScale(tc.values, tc.lo, tc.hi); got != tc.want {
				t.Errorf("SparklineScale(%v, %v, %v) = %q, want %q", tc.values, tc.lo, tc.hi, got, tc.want)
			}
		})
	}
}

// BenchmarkLine draws the health chart of `/cs health <account> chart`:
// 90 days, two band lines, 800x400.
func BenchmarkLine(b *testing.B) {
	vals := make([]float64, 90)
	for i := range vals {
		vals[i] = 60 + 20*math.Sin(float64(i)/10)
	}
	pts := days(vals...)
	o := Options{YMax: 100, Rules: []Rule{{Y: 70, Label: "green from 70"}, {Y: 40, Label: "red below 40"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LineWith("Acme Corp · health, last 90 days", "health score", pts, 800, 400, o); err != nil {
			b.Fatal(err)
		}
	}
}
