package apptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// TestEveryPackageDropsItsDatabases fails for a package whose tests use
// apptest but never call Main: its PostgreSQL databases would stay until
// another package's run cleared them.
func TestEveryPackageDropsItsDatabases(t *testing.T) {
	uses, calls := map[string]bool{}, map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".." || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == "." {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if strings.Contains(string(b), `"github.com/plazahq/plaza/apptest"`) {
			uses[dir] = true
		}
		if strings.Contains(string(b), "apptest.Main(m)") {
			calls[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 5 {
		t.Fatalf("found only %d packages using apptest: is the walk looking at the repository?", len(uses))
	}
	for dir := range uses {
		if !calls[dir] {
			t.Errorf("%s: its tests use apptest; add func TestMain(m *testing.M) { apptest.Main(m) }", dir)
		}
	}
}
