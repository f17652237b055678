package handlers_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/plazahq/plaza"

// TestHandlersImportBoundaries keeps the HTTP layer thin and outermost.
// Its code (tests aside) never reaches the database itself: models owns
// the SQL and says which errors mean "not found" or "unavailable", and a
// handler that queried gorm directly once answered an outage with 404.
// And only app, which wires everything, imports handlers: no package the
// handlers call may depend on them.
func TestHandlersImportBoundaries(t *testing.T) {
	imports := goList(t, "-f", `{{join .Imports "\n"}}`, module+"/handlers")
	if len(imports) < 5 {
		t.Fatalf("go list found %d imports of handlers: %q", len(imports), imports)
	}
	for _, imp := range imports {
		if forbiddenInHandlers(imp) {
			t.Errorf("package handlers imports %s: go through models instead", imp)
		}
	}

	pkgs := goList(t, "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...")
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	importers := 0
	for _, line := range pkgs {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if imp != module+"/handlers" {
				continue
			}
			importers++
			if fields[0] != module+"/app" {
				t.Errorf("%s imports handlers: only app may (it builds the HTTP layer)", fields[0])
			}
		}
	}
	if importers == 0 {
		t.Fatal("no package imports handlers: is go list looking at this module?")
	}
}

// forbiddenInHandlers reports whether an import would let handlers talk
// to the database around models.
func forbiddenInHandlers(imp string) bool {
	switch {
	case imp == module+"/database", imp == "database/sql",
		strings.HasPrefix(imp, "gorm.io/"),
		strings.HasPrefix(imp, "github.com/jackc/pgx"),
		strings.HasPrefix(imp, "github.com/glebarez/"),
		strings.HasPrefix(imp, "modernc.org/sqlite"):
		return true
	}
	return false
}

// goList runs go list (the go command of this test's toolchain, which go
// test puts first on PATH) and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, exit.Stderr)
		}
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
