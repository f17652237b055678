package markdown

import (
	"strings"
	"sync"
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

// notice is a typical notice body: a few paragraphs, emphasis, a list, a
// link and Chinese text.
const notice = "**Line 12** is *diverted* from 22:00 tonight because of road works.\n\n" +
	"Avoid:\n\n- Harbour Rd\n- Bridge St\n\n" +
	"See [the map](https://example.org/map) or https://example.org/status for updates.\n\n" +
	"**12 路**今晚 22:00 起改道，请留意站牌。"

// Pages, the Atom feed and the studio preview call HTML on every request,
// and every entry of a feed calls it again: it has to be cheap.
func BenchmarkHTML(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		HTML(notice)
	}
}

func BenchmarkText(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Text(notice)
	}
}

// The converter and the policy are shared by every request: rendering
// from many goroutines at once must give what one goroutine gets (run
// with -race to see a shared write).
func TestConcurrentRendersAgree(t *testing.T) {
	inputs := []string{notice, "| a | b |\n|---|---|\n| 1 | 2 |", "Hello <script>alert(1)</script> [x](javascript:y)", "~~old~~ https://example.org"}
	wantHTML, wantText := map[string]string{}, map[string]string{}
	for _, in := range inputs {
		wantHTML[in], wantText[in] = HTML(in), Text(in)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				in := inputs[(g+i)%len(inputs)]
				if got := HTML(in); got != wantHTML[in] {
					t.Errorf("HTML(%q) = %q concurrently, %q alone", in, got, wantHTML[in])
				}
				if got := Text(in); got != wantText[in] {
					t.Errorf("Text(%q) = %q concurrently, %q alone", in, got, wantText[in])
				}
			}
		})
	}
	wg.Wait()
}
