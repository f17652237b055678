package models_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGormStaysInTheDomains keeps the SQL where its tables are owned:
// only package models, its domain packages and broadcast (whose claim
// queries join several domains' tables in one statement) import gorm.
// database opens the connection gorm runs on, and apptest's waits read
// the job table in tests; nothing else may.
func TestGormStaysInTheDomains(t *testing.T) {
	const module = "github.com/plazahq/plaza"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list found only %d packages", len(lines))
	}
	importers := 0
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, "gorm.io/") {
				continue
			}
			importers++
			switch {
			case pkg == "models", strings.HasPrefix(pkg, "models/"), pkg == "broadcast", pkg == "database", pkg == "apptest":
			default:
				t.Errorf("%s imports %s: SQL belongs to the domain package that owns the tables", pkg, imp)
			}
		}
	}
	if importers == 0 {
		t.Fatal("no package imports gorm: is go list looking at this module?")
	}
}
