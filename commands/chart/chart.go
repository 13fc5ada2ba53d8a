// Package chart draws csbot's charts: PNG line charts (gonum.org/v1/plot)
// for platforms that show images, and text sparklines for the others.
package chart

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Point is one value of a series, e.g. a day's health score.
type Point struct {
	At    time.Time
	Value float64
}

// Rule is a horizontal reference line, e.g. a health band threshold.
type Rule struct {
	Y     float64
	Label string
	// Color is the line's colour; nil draws grey.
	Color color.Color
}

// Options adjust a line chart.
type Options struct {
	// YMin and YMax fix the value axis when YMax > YMin, so that charts of
	// different accounts compare; otherwise the axis fits the data.
	YMin, YMax float64
	// Rules are drawn dashed across the whole chart, named in the legend.
	Rules []Rule
	// TimeFormat lays out the time axis's ticks (a Go layout, e.g. "1月2日"
	// for a Japanese reader); "" is "Jan 2".
	TimeFormat string
}

// MaxSide bounds a chart's width and height in pixels: a PNG of that size
// is already larger than any chat client shows inline.
const MaxSide = 4096

// ErrNoPoints is returned for a series with nothing to draw.
var ErrNoPoints = errors.New("chart: no points to draw")

// Line draws pts as a line chart, width x height pixels, and returns it
// as PNG. Points need not be evenly spaced: only periods with data are
// given, and the line breaks where the step to the next point is more than
// twice the usual one, so a missing stretch shows as a gap. Points whose
// value is NaN or infinite are left out.
func Line(title, yLabel string, pts []Point, width, height int) ([]byte, error) {
	return LineWith(title, yLabel, pts, width, height, Options{})
}

// LineWith is Line with options: a fixed value axis and reference lines.
func LineWith(title, yLabel string, pts []Point, width, height int, o Options) ([]byte, error) {
	if width <= 0 || height <= 0 || width > MaxSide || height > MaxSide {
		return nil, fmt.Errorf("chart: size %dx%d: width and height must be within 1..%d pixels", width, height, MaxSide)
	}
	pts = finite(pts)
	if len(pts) == 0 {
		return nil, ErrNoPoints
	}
	p := plot.New()
	if err := useChartFont(p); err != nil {
		return nil, err
	}
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = plot.TimeTicks{Format: cmp.Or(o.TimeFormat, "Jan 2"), Time: plot.UTCUnixTime}
	p.Add(plotter.NewGrid())

	xys := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		xys[i] = plotter.XY{X: float64(pt.At.Unix()), Y: pt.Value}
	}
	for _, seg := range segments(xys) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color = color.RGBA{R: 0x1d, G: 0x35, B: 0x57, A: 0xff}
		l.Width = vg.Points(1.5)
		p.Add(l)
	}
	// Markers keep a lone day between two gaps visible.
	dots, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	dots.Color = color.RGBA{R: 0x1d, G: 0x35, B: 0x57, A: 0xff}
	dots.Radius = vg.Points(1.5)
	dots.Shape = draw.CircleGlyph{}
	p.Add(dots)

	// Reference lines are named under the title, not in a legend, which
	// would sit on top of the data wherever the line runs.
	var labels []string
	for _, r := range o.Rules {
		f := plotter.NewFunction(func(float64) float64 { return r.Y })
		f.Color = cmpColor(r.Color, color.Gray{Y: 0x80})
		f.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		f.Samples = 2
		p.Add(f)
		if r.Label != "" {
			labels = append(labels, r.Label)
		}
		p.Y.Min, p.Y.Max = min(p.Y.Min, r.Y), max(p.Y.Max, r.Y)
	}
	if len(labels) > 0 {
		p.Title.Text += "\ndashed: " + strings.Join(labels, ", ")
	}
	if o.YMax > o.YMin {
		p.Y.Min, p.Y.Max = o.YMin, o.YMax
	}
	if p.X.Min == p.X.Max {
		// One day only: show the day around it rather than two seconds.
		p.X.Min, p.X.Max = p.X.Min-12*3600, p.X.Max+12*3600
	}

	c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, width, height))))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	// Encoding is most of a chart's cost; the fastest compression about
	// halves the whole (BenchmarkLine) for a file 3% larger (24 KB).
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// finite returns the points with a finite value, oldest first.
func finite(pts []Point) []Point {
	out := make([]Point, 0, len(pts))
	for _, pt := range pts {
		if !math.IsNaN(pt.Value) && !math.IsInf(pt.Value, 0) {
			out = append(out, pt)
		}
	}
	slices.SortStableFunc(out, func(a, b Point) int { return a.At.Compare(b.At) })
	return out
}

// segments splits sorted points where the step to the next one is more
// than twice the median step: a daily series breaks at a missing day, a
// monthly one at a missing month (months of 28 to 31 days stay joined).
func segments(xys plotter.XYs) []plotter.XYs {
	if len(xys) < 3 {
		return []plotter.XYs{xys}
	}
	steps := make([]float64, len(xys)-1)
	for i := range steps {
		steps[i] = xys[i+1].X - xys[i].X
	}
	sorted := slices.Clone(steps)
	slices.Sort(sorted)
	limit := 2 * sorted[len(sorted)/2]
	var out []plotter.XYs
	start := 0
	for i, s := range steps {
		if s > limit {
			out = append(out, xys[start:i+1])
			start = i + 1
		}
	}
	return append(out, xys[start:])
}

func cmpColor(c, fallback color.Color) color.Color {
	if c == nil {
		return fallback
	}
	return c
}
