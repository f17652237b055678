package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
)

// TestSecondServeOnSQLiteRefuses: a second `plaza serve` on the SQLite
// file one already serves exits at once with a message that names the
// file and points to PostgreSQL, while the commands README allows beside a
// running Plaza (migrate, user create, backup) still work; once the first
// stops, serve starts again on the file. (Several instances on
// PostgreSQL: TestTwoInstancesOnOneDatabase.)
func TestSecondServeOnSQLiteRefuses(t *testing.T) {
	dbURL := apptest.SQLiteURL(t)
	file := strings.TrimPrefix(dbURL, "sqlite:")
	_, stop := serveUntilHealthy(t, dbURL)

	// Were it not refused it would serve until the deadline.
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	var out, errb syncBuffer
	addr := freeAddr(t)
	code := run(ctx, []string{"serve", "--addr", addr, "--database-url", dbURL, "--base-url", "http://" + addr, "--log-level", "warn"},
		env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: noEnv})
	if ctx.Err() != nil || code == 0 {
		t.Fatalf("a second serve on %s ran (exit %d):\n%s%s", file, code, out.String(), errb.String())
	}
	msg := errb.String()
	for _, want := range []string{file, "already running", "PostgreSQL"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, msg)
		}
	}

	for _, args := range [][]string{
		{"migrate", "--database-url", dbURL},
		{"migrate", "status", "--database-url", dbURL},
		{"user", "create", "--email", "beside@b.org", "--database-url", dbURL},
		{"backup", "--to", filepath.Join(t.TempDir(), "beside.db"), "--database-url", dbURL},
	} {
		if res := plaza(t, "", args...); res.code != 0 {
			t.Errorf("plaza %s while serve runs: %s", strings.Join(args, " "), res)
		}
	}

	if code := stop(); code != 0 {
		t.Fatalf("the first serve exited with %d", code)
	}
	_, stop = serveUntilHealthy(t, dbURL)
	if code := stop(); code != 0 {
		t.Fatalf("serve after the first stopped exited with %d", code)
	}
}
