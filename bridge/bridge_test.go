package bridge_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
)

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"one too long", 11, "one too lo…"},
		{"台风八号信号", 4, "台风八…"},
		{"x", 0, "…"},
	}
	for _, tt := range tests {
		if got := bridge.Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// A notice fits the platform's limit with its link whole, however long
// its body.
func TestNoticeText(t *testing.T) {
	c := &broadcast.Content{Subject: "Typhoon signal 8", Text: strings.Repeat("停运。", 1000), URL: "https://plaza.example.org/@metro/notices/42"}
	got := bridge.NoticeText(c, 600)
	if n := utf8.RuneCountInString(got); n > 600 {
		t.Fatalf("%d characters", n)
	}
	if !strings.HasPrefix(got, "Typhoon signal 8\n\n停运") || !strings.HasSuffix(got, "…\n"+c.URL) {
		t.Fatalf("got %q", got)
	}
	short := &broadcast.Content{Subject: "S", Text: "T", URL: "https://u"}
	if got := bridge.NoticeText(short, 600); got != "S\n\nT\nhttps://u" {
		t.Fatalf("short notice: %q", got)
	}
}
