package chart

import (
	"math"
	"strings"
)

// bars are the sparkline's eight heights.
var bars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one bar each, scaled from the lowest value
// (▁) to the highest (█); a flat series sits in the middle (▄). NaN (and
// an infinite value) is a gap, drawn as a space.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if isValue(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return SparklineScale(values, lo, hi)
}

// SparklineScale draws values on a fixed scale: lo..hi is cut into eight
// equal bins, one per bar, so lines of different series compare; values
// outside are drawn at the nearest end. NaN is a gap, drawn as a space.
// When hi <= lo every value gets the middle bar.
func SparklineScale(values []float64, lo, hi float64) string {
	var b strings.Builder
	for _, v := range values {
		if !isValue(v) {
			b.WriteRune(' ')
			continue
		}
		i := 3 // ▄: a flat series has no high or low
		if hi > lo {
			// Halves keep hi-lo finite for any finite bounds; clamping
			// before the conversion keeps a far-off value from overflowing.
			f := (v/2 - lo/2) / (hi/2 - lo/2) * float64(len(bars))
			i = int(max(0, min(f, float64(len(bars)-1))))
		}
		b.WriteRune(bars[i])
	}
	return b.String()
}

func isValue(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
