package paths

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// guardRules are the ways a studio or public URL used to be put together
// outside this package, each with the files still allowed to use it and why;
// remove an exception once its file is converted.
var guardRules = []struct {
	re         *regexp.Regexp
	exceptions map[string]string
}{
	{
		// Route patterns ("/studio/orgs/:org", "/@:handle") are allowed: the
		// character after the prefix is then a ':'.
		re:         regexp.MustCompile(`"/studio/orgs/(?:[^:]|")|"/@"\s*\+|"/@%`),
		exceptions: map[string]string{},
	},
	{
		// The old prefix helpers, which took the rest of the path as a string.
		re:         regexp.MustCompile(`\borg(?:URL|Path)\(`),
		exceptions: map[string]string{},
	},
}

// TestNoHandBuiltPaths keeps handlers and templates from building studio or
// public URLs themselves, so every link goes through this package.
func TestNoHandBuiltPaths(t *testing.T) {
	for _, dir := range []string{"handlers", "templates"} {
		files, err := os.ReadDir(filepath.Join("..", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := f.Name()
			rel := dir + "/" + name
			// Generated templ code mirrors its .templ source, which is checked.
			if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, "_templ.go") ||
				!(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".templ")) {
				continue
			}
			b, err := os.ReadFile(filepath.Join("..", dir, name))
			if err != nil {
				t.Fatal(err)
			}
			for _, rule := range guardRules {
				if _, ok := rule.exceptions[rel]; ok {
					continue
				}
				for i, line := range strings.Split(string(b), "\n") {
					if rule.re.MatchString(line) {
						t.Errorf("%s:%d builds a URL by hand; use package paths: %s", rel, i+1, strings.TrimSpace(line))
					}
				}
			}
		}
	}
}
