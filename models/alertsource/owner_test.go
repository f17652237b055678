package alertsource_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest:
// no production code outside models/alertsource names its tables (the
// migrations, which create them, and tests, which may plant rows, aside).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	own := filepath.Join(root, "models", "alertsource")
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
		for _, table := range []string{"alert_feeds", "alert_feed_items"} {
			if strings.Contains(string(b), table) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s names the table %s, which only package alertsource may touch", rel, table)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
