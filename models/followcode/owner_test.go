package followcode_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ownTables match where code would name a table: in SQL (FROM, JOIN,
// INTO, UPDATE, TABLE, or a table.column in lower case, as a Go
// variable's field is not) or to gorm's Table. A plain
// substring would not do: "scans" is an everyday word (the leader's
// periodic scans, a message key) and "follow_codes" is also a key of the
// demo's JSON.
var ownTables = map[string]*regexp.Regexp{
	"follow_codes": tableRE("follow_codes"),
	"scans":        tableRE("scans"),
}

func tableRE(table string) *regexp.Regexp {
	return regexp.MustCompile(`(?i:\b(from|join|into|update|table))\s+` + table + `\b|Table\("` + table + `"\)|\b` + table + `\.[a-z_]`)
}

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest:
// no production code outside models/followcode names its tables (the
// migrations, which create them, and tests, which may plant rows, aside).
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	own := filepath.Join(root, "models", "followcode")
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
		for table, re := range ownTables {
			if re.Match(b) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s names the table %s, which only package followcode may touch", rel, table)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
