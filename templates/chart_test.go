package templates

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"
)

func TestChartScale(t *testing.T) {
	for _, tt := range []struct{ max, top, step int64 }{
		{0, 1, 1}, {1, 1, 1}, {3, 3, 1}, {4, 4, 1}, {5, 6, 2}, {7, 8, 2}, {9, 10, 5}, {20, 20, 5},
		{21, 30, 10}, {130, 150, 50}, {1000, 1000, 500}, {12345, 15000, 5000},
	} {
		if top, step := bcScale(tt.max); top != tt.top || step != tt.step {
			t.Errorf("bcScale(%d) = %d by %d; want %d by %d", tt.max, top, step, tt.top, tt.step)
		}
	}
}

func TestBarChart(t *testing.T) {
	labels := []string{"1 Jun", "2 Jun", "3 Jun", "4 Jun"}
	a := Series{Name: "Scans", Values: []int64{0, 4, 8, 1}}
	b := Series{Name: "Follows", Values: []int64{0, 2, 0, 1}}
	var sb strings.Builder
	if err := BarChart("c1", "Scans & follows", "Four days <of> data", labels, a, b).Render(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	html := sb.String()
	i, j := strings.Index(html, "<svg"), strings.Index(html, "</svg>")
	var svg struct {
		Role  string `xml:"role,attr"`
		Label string `xml:"aria-labelledby,attr"`
		Title struct {
			ID   string `xml:"id,attr"`
			Text string `xml:",chardata"`
		} `xml:"title"`
		Desc  string `xml:"desc"`
		Rects []struct {
			Class  string `xml:"class,attr"`
			Height int    `xml:"height,attr"`
			Tip    string `xml:"title"`
		} `xml:"rect"`
	}
	if i < 0 || j < i {
		t.Fatalf("no svg in %s", html)
	}
	if err := xml.Unmarshal([]byte(html[i:j+len("</svg>")]), &svg); err != nil {
		t.Fatalf("chart is not well-formed XML: %v", err)
	}
	if svg.Role != "img" || svg.Label != "c1-title c1-desc" || svg.Title.ID != "c1-title" || svg.Title.Text != "Scans & follows" || svg.Desc != "Four days <of> data" {
		t.Fatalf("accessible name and description: %+v", svg)
	}
	// Zero values draw no bar; the tallest bar fills the plot, others are
	// in proportion (axis top 8).
	want := []struct {
		class  string
		height int
		tip    string
	}{
		{"chart-a", bcPlotH / 2, "2 Jun: Scans 4"}, {"chart-b", bcPlotH / 4, "2 Jun: Follows 2"},
		{"chart-a", bcPlotH, "3 Jun: Scans 8"},
		{"chart-a", bcPlotH / 8, "4 Jun: Scans 1"}, {"chart-b", bcPlotH / 8, "4 Jun: Follows 1"},
	}
	if len(svg.Rects) != len(want) {
		t.Fatalf("%d bars, want %d", len(svg.Rects), len(want))
	}
	for k, w := range want {
		if r := svg.Rects[k]; r.Class != w.class || r.Height != w.height || r.Tip != w.tip {
			t.Errorf("bar %d = %+v; want %+v", k, r, w)
		}
	}
	for _, row := range []string{
		`<th scope="row">1 Jun</th><td>0</td><td>0</td>`, `<th scope="row">3 Jun</th><td>8</td><td>0</td>`,
		`<th scope="col">Scans</th><th scope="col">Follows</th>`,
	} {
		if !strings.Contains(html, row) {
			t.Errorf("table lacks %s", row)
		}
	}
}
