package i18n

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestChineseReadsAsWritten checks the two Chinese catalogs for the slips
// that make a page read as machine-assembled: half-width punctuation after
// a Chinese character, spaces around a name or value dropped into Chinese
// text, the familiar 你 where government pages say 您, and 公众号 (which a
// reader takes to mean a WeChat official account) for Plaza's own accounts.
func TestChineseReadsAsWritten(t *testing.T) {
	checks := []struct {
		why string
		re  *regexp.Regexp
	}{
		{"half-width punctuation after Chinese (use ：？，；！（）)", regexp.MustCompile(`\p{Han}[:?,;!()]`)},
		{"half-width parenthesis before Chinese (use （）)", regexp.MustCompile(`[()]\p{Han}`)},
		{"a space between Chinese and an inserted text", regexp.MustCompile(`\p{Han} %(\[\d+\])?s|%(\[\d+\])?s \p{Han}`)},
		{"a space beside full-width punctuation or quotes", regexp.MustCompile(`\p{Han} [“「（]|[”」）] \p{Han}|[，。：；！？、] | [，。：；！？、]`)},
		{"你 where the interface says 您", regexp.MustCompile(`你`)},
	}
	// 公众号 names a WeChat official account; Plaza's accounts are 官方账号.
	wechatTerm := regexp.MustCompile(`公众号|公眾號`)
	for _, l := range []Lang{ZHHans, ZHHant} {
		msgs := catalog.langs[l]
		keys := make([]string, 0, len(msgs))
		for key := range msgs {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			for _, s := range msgs[key].forms {
				for _, c := range checks {
					if m := c.re.FindString(s); m != "" {
						t.Errorf("%s: %s has %s at %q: %q", l, key, c.why, m, s)
					}
				}
				if wechatTerm.MatchString(s) && !strings.Contains(key, "wechat") && !strings.Contains(s, "微信") {
					t.Errorf("%s: %s says 公众号 for a Plaza account (use 官方账号/官方帳號): %q", l, key, s)
				}
			}
		}
	}
}

// TestChineseCheckCatchesSlips makes sure the patterns above match the
// slips the UX review found, so a loosened pattern cannot pass silently.
func TestChineseCheckCatchesSlips(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}[:?,;!()]`)
	space := regexp.MustCompile(`\p{Han} %(\[\d+\])?s|%(\[\d+\])?s \p{Han}`)
	for _, tt := range []struct {
		s    string
		re   *regexp.Regexp
		want bool
	}{
		{"确认发布此通知?", han, true},
		{"发布: %s", han, true},
		{"确认发布此通知？", han, false},
		{"关注 %s", space, true},
		{"发送 %[1]s 的通知？", space, true},
		{"关注%s", space, false},
		{"第 %d 行", space, false},
	} {
		if got := tt.re.MatchString(tt.s); got != tt.want {
			t.Errorf("%q: matched = %v, want %v", tt.s, got, tt.want)
		}
	}
}
