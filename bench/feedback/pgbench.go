package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/database"
)

// anchorTable is shaped like Plaza's feedback table for what a web answer
// fills (the columns, the CHECKs, the one-current-answer-per-contact
// unique index and the moderation queue's index), without the foreign
// keys: the fastest a row of this shape can go in, one INSERT per
// transaction, as the 2026-12-02 performance review measured it.
const anchorTable = `
DROP TABLE IF EXISTS perf_fb;
CREATE TABLE perf_fb (
    id          BIGSERIAL PRIMARY KEY,
    project_id  BIGINT NOT NULL,
    stance      TEXT NOT NULL CHECK (stance IN ('support', 'oppose', 'neutral')),
    comment     TEXT NOT NULL DEFAULT '',
    contact     TEXT NOT NULL DEFAULT '',
    contact_key TEXT,
    district    TEXT NOT NULL DEFAULT '',
    answers     TEXT NOT NULL DEFAULT '{}',
    lang        TEXT NOT NULL DEFAULT 'en',
    status      TEXT NOT NULL CHECK (status IN ('pending', 'published', 'hidden', 'spam')),
    revision_state TEXT NOT NULL DEFAULT 'current',
    revisions   INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX perf_fb_contact_idx ON perf_fb (project_id, contact_key) WHERE contact_key IS NOT NULL AND revision_state = 'current';
CREATE INDEX perf_fb_queue_idx ON perf_fb (project_id, status, id);
CHECKPOINT;
`

// anchorScript is one answer per transaction with its own contact. The
// contact is unique per answer, as the index wants: drawn from 2 billion,
// a client's ten thousand answers met a duplicate about once a run on a
// quiet machine, and the unique violation aborted the client (pgbench's
// exit status 2); from 9e15 they do not.
const anchorScript = `\set i random(1, 9000000000000000)
INSERT INTO perf_fb (project_id, stance, comment, contact, contact_key, district, answers, lang, status, revisions, created_at)
VALUES (1, 'support', 'Answer ' || :i || ' of citizen ' || :client_id || ': 请把巴士专线延长到北角。',
  'c' || :client_id || '-' || :i || '@bench.example.org', 'c' || :client_id || '-' || :i || '@bench.example.org',
  'Central', '{"q1":"Bus"}', 'en', 'pending', 1, now());
`

// anchorDatabase is a scratch database named name on the server admin
// with the anchor's table, open; cleanup closes and drops it.
func anchorDatabase(ctx context.Context, admin, name string) (string, *database.DB, func(), error) {
	url, drop, err := benchutil.FreshDatabase(ctx, admin, name)
	if err != nil {
		return "", nil, nil, err
	}
	db, err := database.Open(ctx, url)
	if err != nil {
		drop()
		return "", nil, nil, err
	}
	cleanup := func() { db.Close(); drop() }
	if _, err := db.SQL.ExecContext(ctx, anchorTable); err != nil {
		cleanup()
		return "", nil, nil, fmt.Errorf("anchor table: %w", err)
	}
	return url, db, cleanup, nil
}

// pgbenchResult is one pgbench run.
type pgbenchResult struct {
	tps     float64
	latency string
	done    int64
	stored  int64
	load    string
}

// runPgbench runs pgbench against a scratch database on the same server:
// clients connections, two threads, for the run's duration.
func runPgbench(ctx context.Context, admin string, clients int, seconds int, dir string) (*pgbenchResult, error) {
	if _, err := exec.LookPath("pgbench"); err != nil {
		return nil, fmt.Errorf("pgbench is not installed (apt-get install postgresql-client): %w", err)
	}
	url, db, cleanup, err := anchorDatabase(ctx, admin, "plaza_feedback_pgbench")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	script := filepath.Join(dir, "perf_fb.sql")
	if err := os.WriteFile(script, []byte(anchorScript), 0o600); err != nil {
		return nil, err
	}
	res := &pgbenchResult{load: benchutil.LoadAvg()}
	cmd := exec.CommandContext(ctx, "pgbench", "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(seconds), "-f", script, url)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	os.Stdout.Write(out)
	if err != nil {
		return nil, fmt.Errorf("pgbench: %w", err)
	}
	s := string(out)
	if m := regexp.MustCompile(`tps = ([0-9.]+)`).FindStringSubmatch(s); m != nil {
		res.tps, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := regexp.MustCompile(`latency average = ([0-9.]+ ms)`).FindStringSubmatch(s); m != nil {
		res.latency = m[1]
	}
	if m := regexp.MustCompile(`number of transactions actually processed: (\d+)`).FindStringSubmatch(s); m != nil {
		res.done, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM perf_fb`).Scan(&res.stored); err != nil {
		return nil, err
	}
	if res.tps == 0 {
		return nil, fmt.Errorf("pgbench printed no tps")
	}
	return res, nil
}
