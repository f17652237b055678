package apptest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Named matches a table's name anywhere: for names no other code uses.
func Named(table string) *regexp.Regexp { return regexp.MustCompile(regexp.QuoteMeta(table)) }

// NamedAsTable matches a table's name only where SQL or gorm would take it
// as one (FROM, JOIN, INTO, UPDATE, TABLE, a lower-case table.column, or
// gorm's Table), for names that are also everyday words in the code. A
// file's name in a path ("templates/districts.templ", which templ writes
// into the code it generates) is not a table.column.
func NamedAsTable(table string) *regexp.Regexp {
	q := regexp.QuoteMeta(table)
	return regexp.MustCompile(`(?i:\b(from|join|into|update|table))\s+"?` + q + `\b|Table\("` + q + `\b|(?:^|[^/])\b` + q + `\.[a-z_]`)
}

// OnlyPackageNamesTables fails for every non-test Go file of the
// repository outside dir (relative to the repository root, e.g.
// "models/apitoken") that names one of tables: a domain package's tables
// are its own. Migrations, which create them, and tests, which may plant
// rows, are left out, and so are the programs under bench/, which plant
// and count rows to measure. also names further directories allowed to
// name the tables: broadcast/, the delivery engine, whose claim queries
// join followers, accounts and deliveries in one statement. Call it from
// a test in dir.
func OnlyPackageNamesTables(t *testing.T, dir string, tables map[string]*regexp.Regexp, also ...string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join(strings.Repeat("../", strings.Count(dir, "/")+1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	own := filepath.Join(root, filepath.FromSlash(dir))
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == own || path == filepath.Join(root, "migrations") || path == filepath.Join(root, "bench") || (path != root && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			for _, a := range also {
				if path == filepath.Join(root, filepath.FromSlash(a)) {
					return filepath.SkipDir
				}
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
		for table, re := range tables {
			if re.Match(b) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s names the table %s, which only %s may touch", rel, table, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
