package templates

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShareText(t *testing.T) {
	long := strings.Repeat("word ", 60)
	zh := strings.Repeat("改道", 150)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"markdown becomes plain text", "**Line 12** is [diverted](https://x.test).\n\nSee below.", "Line 12 is diverted (https://x.test). See below."},
		{"cut on a word", long, strings.TrimSpace(strings.Repeat("word ", 40)) + "…"},
		{"Chinese cut at the rune", zh, string([]rune(zh)[:shareTextLen]) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ShareText(tc.in)
			if got != tc.want {
				t.Errorf("ShareText = %q, want %q", got, tc.want)
			}
			if utf8.RuneCountInString(got) > shareTextLen+1 {
				t.Errorf("too long: %d runes", utf8.RuneCountInString(got))
			}
		})
	}
}
