package chart

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"
)

// Japanese titles and axis labels are drawn: the title's and the value
// axis label's areas hold many more ink pixels than in the same chart
// whose texts are ideographic spaces (same advance, no ink). gonum's
// default font has no kana or kanji and drew nothing there.
func TestLineDrawsJapanese(t *testing.T) {
	tests := []struct{ title, yLabel string }{
		{"株式会社さくら商事 · ヘルス", "スコア"},
		{"東京チーム：解約リスク", "件数（月）"},
	}
	for _, tc := range tests {
		t.Run(tc.title, func(t *testing.T) {
			blankTitle := strings.Repeat("\u3000", utf8.RuneCountInString(tc.title))
			blankLabel := strings.Repeat("\u3000", utf8.RuneCountInString(tc.yLabel))
			ink := render(t, tc.title, tc.yLabel)
			none := render(t, blankTitle, blankLabel)
			// The title is centred in the top band; the value axis label
			// runs up the left edge.
			titleBox := image.Rect(0, 0, 640, 22)
			labelBox := image.Rect(0, 30, 20, 330)
			for _, box := range []struct {
				name string
				r    image.Rectangle
				min  int
			}{{"title", titleBox, 20 * utf8.RuneCountInString(tc.title)}, {"label", labelBox, 20 * utf8.RuneCountInString(tc.yLabel)}} {
				got, blank := inked(ink, box.r), inked(none, box.r)
				if got-blank < box.min {
					t.Errorf("%s: %d ink pixels, %d with spaces; want at least %d more", box.name, got, blank, box.min)
				}
			}
		})
	}
}

func render(t *testing.T, title, yLabel string) image.Image {
	t.Helper()
	b, err := Line(title, yLabel, days(70, 72, 65, 40, 38, 55, 80), 640, 360)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inked counts the pixels in r that are not the white background.
func inked(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
				n++
			}
		}
	}
	return n
}

// The time axis's ticks follow Options.TimeFormat: a Japanese layout
// changes the tick band and nothing else is needed; "" is "Jan 2".
func TestLineTimeFormat(t *testing.T) {
	draw := func(layout string) []byte {
		t.Helper()
		b, err := LineWith("NPS", "NPS", days(70, 72, 65, 40, 38, 55, 80), 640, 360, Options{TimeFormat: layout})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(draw(""), draw("Jan 2")) {
		t.Error(`TimeFormat "" does not draw "Jan 2" ticks`)
	}
	ja, err := png.Decode(bytes.NewReader(draw("1月2日")))
	if err != nil {
		t.Fatal(err)
	}
	en, err := png.Decode(bytes.NewReader(draw("")))
	if err != nil {
		t.Fatal(err)
	}
	ticks := image.Rect(0, 330, 640, 360)
	differ := 0
	for y := ticks.Min.Y; y < ticks.Max.Y; y++ {
		for x := ticks.Min.X; x < ticks.Max.X; x++ {
			if ja.At(x, y) != en.At(x, y) {
				differ++
			}
		}
	}
	if differ == 0 {
		t.Error("Japanese ticks drew the same tick band as English ones")
	}
}
