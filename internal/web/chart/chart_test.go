package chart

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

func TestWeekly(t *testing.T) {
	now := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	day := func(daysAgo int) time.Time {
		return now.Truncate(24 * time.Hour).Add(-time.Duration(daysAgo) * 24 * time.Hour)
	}
	days := []core.DayCount{{Day: day(200), N: 1000}, {Day: day(20), N: 5}, {Day: day(15), N: 5}, {Day: day(0), N: 40}, {Day: day(1), N: 2}}
	svg := string(Weekly(days, now, 12))
	// Well-formed XML, one bar per week, the summary spoken.
	var doc struct {
		Rects []struct {
			Height string `xml:"height,attr"`
		} `xml:"rect"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
	if len(doc.Rects) != 12 {
		t.Fatalf("%d bars, want 12", len(doc.Rects))
	}
	if !strings.Contains(svg, `aria-label="52 downloads in the last 12 weeks; the busiest week had 42"`) {
		t.Fatalf("summary missing or wrong (the download 200 days ago is outside):\n%s", svg)
	}
	if last := doc.Rects[11].Height; last != "56.00" {
		t.Errorf("the current week's bar is %s high, want the full 56.00", last)
	}
	if Weekly(nil, now, 12) != "" || Weekly([]core.DayCount{{Day: day(300), N: 9}}, now, 12) != "" {
		t.Error("a chart with no downloads in the period is drawn")
	}
}
