package chart

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// notoSansJP is a subset of Noto Sans CJK JP (SIL OFL 1.1; see fonts/):
// Latin, kana and the JIS X 0208 kanji, so Japanese account names and
// labels render. gonum's default Liberation fonts have no CJK glyphs, and a
// text style has one face with no fallback, so this one face draws all text.
//
//go:embed fonts/NotoSansJP-subset.otf
var notoSansJP []byte

// chartFont is the chart's typeface and the text handler that finds it,
// parsed once, on the first chart.
var chartFont = sync.OnceValues(func() (text.Handler, error) {
	f, err := opentype.Parse(notoSansJP)
	if err != nil {
		return nil, fmt.Errorf("chart: embedded font: %w", err)
	}
	return text.Plain{Fonts: font.NewCache(font.Collection{{Font: notoFont, Face: f}})}, nil
})

var notoFont = font.Font{Typeface: "Noto Sans JP"}

// useChartFont sets every text of p (title, axis labels, ticks, legend) in
// the embedded font, keeping each text's size.
func useChartFont(p *plot.Plot) error {
	h, err := chartFont()
	if err != nil {
		return err
	}
	p.TextHandler = h
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		st.Font = font.From(notoFont, st.Font.Size)
		st.Handler = h
	}
	return nil
}
