// Package chart draws the package page's download chart as an inline SVG,
// server-side: no script, readable without styles (a title and a text
// summary for screen readers), and safe to put in a page (only numbers
// and the escaped summary reach the markup).
package chart

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// Size of the chart, in SVG user units (it scales with its container).
const (
	width  = 300
	height = 60
	pad    = 2
)

// Weekly draws downloads per week over the weeks ending at now (the last
// bar is the current, partial week), one bar per week. It returns "" when
// there were no downloads at all in the period.
func Weekly(days []core.DayCount, now time.Time, weeks int) template.HTML {
	if weeks < 1 {
		return ""
	}
	end := now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour) // the end of today
	start := end.Add(-time.Duration(weeks) * 7 * 24 * time.Hour)
	counts := make([]int64, weeks)
	var total, peak int64
	for _, d := range days {
		if d.Day.Before(start) || !d.Day.Before(end) {
			continue
		}
		i := int(d.Day.Sub(start) / (7 * 24 * time.Hour))
		counts[i] += d.N
		total += d.N
	}
	for _, c := range counts {
		peak = max(peak, c)
	}
	if total == 0 {
		return ""
	}
	summary := fmt.Sprintf("%d downloads in the last %d weeks; the busiest week had %d", total, weeks, peak)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="downloads-chart" viewBox="0 0 %d %d" role="img" aria-label="%s" preserveAspectRatio="none">`, width, height, html.EscapeString(summary))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(summary))
	bw := float64(width) / float64(weeks)
	for i, c := range counts {
		h := float64(height-2*pad) * float64(c) / float64(peak)
		if c > 0 && h < 1 {
			h = 1 // a week with downloads is never invisible
		}
		weekEnd := start.Add(time.Duration(i+1) * 7 * 24 * time.Hour).Add(-24 * time.Hour)
		fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>week to %s: %d</title></rect>`,
			float64(i)*bw+0.5, float64(height-pad)-h, bw-1, h, weekEnd.Format("2 Jan"), c)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
