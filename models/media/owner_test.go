package media_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tableNames finds the package's tables named in code. "media" is also a
// URL path (/media/{id}), this package's import path and a chat message
// kind, so it counts only where SQL or gorm would take it as a table.
var tableNames = map[string]*regexp.Regexp{
	"media":         regexp.MustCompile(`(?i)\b(from|join|into|update|table)\s+"?media\b|Table\("media\b`),
	"project_files": regexp.MustCompile(`project_files`),
}

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest:
// no production code outside models/media names its tables (the
// migrations, which create them, and tests, which may plant rows, aside).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	own := filepath.Join(root, "models", "media")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == own || path == filepath.Join(root, "migrations") || (path != root && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for table, named := range tableNames {
			if named.Match(b) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s names the table %s, which only package media may touch", rel, table)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
