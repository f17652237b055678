package markdown

import (
	"strings"
	"testing"
)

func TestHTMLIsSanitized(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
		not       []string
	}{
		{"emphasis and lists", "Line **12** is *diverted*.\n\n- Stop A\n- Stop B",
			[]string{"<strong>12</strong>", "<em>diverted</em>", "<li>Stop A</li>"}, nil},
		{"script tag", "Hello <script>alert(1)</script>", []string{"Hello"}, []string{"<script", "alert(1)</script>"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{"onerror", `<img src=x onerror=alert(1)>`, nil, []string{"onerror", "<img"}},
		{"links get nofollow", "[map](https://example.org/map)", []string{`href="https://example.org/map"`, `rel="nofollow`}, nil},
		{"linkify", "See https://example.org/x now", []string{`<a href="https://example.org/x"`}, nil},
		{"tables", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"chinese", "**台风**信号 8 号", []string{"<strong>台风</strong>信号 8 号"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.src)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("HTML(%q) = %q, missing %q", tt.src, got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("HTML(%q) = %q, contains %q", tt.src, got, n)
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"paragraphs", "First line\ncontinues.\n\nSecond.", "First line continues.\n\nSecond."},
		{"emphasis dropped", "Line **12** is *diverted*.", "Line 12 is diverted."},
		{"heading", "# Typhoon\n\nStay in.", "Typhoon\n\nStay in."},
		{"list", "Avoid:\n\n- Harbour Rd\n- Bridge St", "Avoid:\n\n- Harbour Rd\n- Bridge St"},
		{"link", "See [the map](https://example.org/m).", "See the map (https://example.org/m)."},
		{"autolink", "<https://example.org>", "https://example.org"},
		{"raw html left out", "Hi <b>there</b>", "Hi there"},
		{"chinese", "**台风**信号 8 号\n\n请留在室内。", "台风信号 8 号\n\n请留在室内。"},
		{"code", "Use `12A`.", "Use 12A."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.src); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}
