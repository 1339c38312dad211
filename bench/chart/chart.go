// Package chart draws the gateway benchmark's bar chart as a PNG with the standard library
// only: one panel per group (mode), one labelled bar per gateway, each panel on its own scale.
package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"
	"unicode"
)

// Bar is one gateway's value in a group.
type Bar struct {
	Label     string
	Value     float64
	Highlight bool
}

// Group is one panel of bars.
type Group struct {
	Title string
	Bars  []Bar
}

var (
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{30, 30, 30, 255}
	grid       = color.RGBA{220, 220, 220, 255}
	peerBar    = color.RGBA{140, 150, 170, 255}
	ourBar     = color.RGBA{20, 110, 200, 255}
)

const (
	scale      = 2 // pixels per font dot
	charW      = 6 * scale
	lineH      = 9 * scale
	barW       = 70
	barGap     = 40
	panelPad   = 40
	plotH      = 320
	labelLines = 4
)

// Write draws the groups side by side under the title.
func Write(w io.Writer, title string, groups []Group) error {
	width := panelPad
	for _, g := range groups {
		width += max(len(g.Bars), 1)*(barW+barGap) + panelPad
	}
	width = max(width, len(title)*charW+2*panelPad)
	height := 2*lineH + 3*lineH + plotH + labelLines*lineH + 2*panelPad
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{background}, image.Point{}, draw.Src)
	text(img, panelPad, panelPad/2, title, ink)

	x := panelPad
	top := panelPad/2 + 5*lineH
	base := top + lineH + plotH
	for _, g := range groups {
		pw := max(len(g.Bars), 1) * (barW + barGap)
		text(img, x, top-lineH, g.Title, ink)
		peak := 0.0
		for _, b := range g.Bars {
			peak = max(peak, b.Value)
		}
		for i := 0; i <= 4; i++ {
			y := base - i*plotH/4
			fill(img, image.Rect(x, y, x+pw, y+1), grid)
		}
		for i, b := range g.Bars {
			bx := x + i*(barW+barGap) + barGap/2
			h := 0
			if peak > 0 {
				h = max(1, int(b.Value/peak*float64(plotH)))
			}
			c := peerBar
			if b.Highlight {
				c = ourBar
			}
			fill(img, image.Rect(bx, base-h, bx+barW, base), c)
			v := fmt.Sprintf("%.0f", b.Value)
			text(img, bx+(barW-len(v)*charW)/2, base-h-lineH, v, ink)
			for j, line := range wrap(b.Label, (barW+barGap)/charW) {
				if j == labelLines {
					break
				}
				text(img, bx+(barW-len([]rune(line))*charW)/2, base+lineH/2+j*lineH, line, ink)
			}
		}
		x += pw + panelPad
	}
	return png.Encode(w, img)
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func text(img *image.RGBA, x, y int, s string, c color.Color) {
	for _, r := range strings.ToUpper(s) {
		g, ok := glyphs[unicode.ToUpper(r)]
		if !ok {
			g = glyphs[' ']
		}
		for row, bits := range g {
			for col, bit := range bits {
				if bit == '#' {
					fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += charW
	}
}

// wrap breaks a label into lines of at most n characters at spaces.
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
