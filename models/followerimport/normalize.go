package followerimport

import (
	"net/mail"
	"regexp"
	"sort"
	"strings"
)

// The address and tag rules live here, the innermost package that needs
// them, so that a row of a file is judged exactly as a follow form, the
// API or a login is; models uses them from here.

// NormalizeEmail lower-cases and trims an address and checks its form.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return s, false
	}
	return s, true
}

var tagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// NormalizeTag lower-cases a tag and checks its form: letters, digits, - and
// _, at most 40 characters.
func NormalizeTag(t string) (string, bool) {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.ReplaceAll(t, " ", "-")
	return t, tagRE.MatchString(t)
}

// NormalizeTags cleans a list of tags, dropping duplicates; it reports the
// first invalid one.
func NormalizeTags(in []string) ([]string, string) {
	seen := map[string]bool{}
	var out []string
	for _, raw := range in {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		t, ok := NormalizeTag(raw)
		if !ok {
			return nil, raw
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out, ""
}
