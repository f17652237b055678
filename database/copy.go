package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Backup writes a consistent copy of a SQLite database to path while it
// is in use (VACUUM INTO). PostgreSQL has pg_dump for that.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("backup: for PostgreSQL use pg_dump (see README.md, Running in production)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", path)
	}
	// On the write pool because the read pool's query_only refuses VACUUM,
	// even INTO another file. `plaza backup` is a process of its own, so
	// this holds up no writes of the server; in the file, VACUUM INTO only
	// reads, beside the server's writer.
	if _, err := db.SQL.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// CopyReport is one table's row count on both sides after a copy.
type CopyReport struct {
	Table    string
	From, To int64
}

// copySkipped are tables that are not data: the migration ledger, the
// readiness probes' heartbeat, the public pages' cache version (its one
// row is made by the migration, and the triggers bump it as rows arrive)
// and the job queue (whose pending jobs Copy refuses to leave behind).
func copySkipped(table string) bool {
	return table == "goose_db_version" || table == "readiness_heartbeat" || table == "page_versions" ||
		strings.HasPrefix(table, "sqlite_") || strings.HasPrefix(table, "river_")
}

// Copy moves every row of a SQLite database into an empty PostgreSQL one
// with the same migrations applied, keeping ids (and so every relation),
// then moves each id sequence past the copied ids and compares row counts.
// It refuses a destination that has data, and a source whose job queue
// still holds work, which would otherwise be lost.
func Copy(ctx context.Context, from, to *DB, progress func(table string, rows int64)) ([]CopyReport, error) {
	if from.Dialect != SQLite || to.Dialect != Postgres {
		return nil, errors.New("copy: from a SQLite database to a PostgreSQL one")
	}
	// Periodic jobs (River marks them) only look for work, and the leader
	// queues them again every few seconds: one left by the last stop is
	// nothing lost.
	var pending int64
	if err := from.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')
		AND COALESCE(json_extract(metadata, '$.periodic'), 0) = 0`).
		Scan(&pending); err != nil {
		return nil, fmt.Errorf("copy: read the job queue: %w", err)
	}
	if pending > 0 {
		return nil, fmt.Errorf("copy: %d background jobs are still waiting (mail, broadcasts); start Plaza on the SQLite database, let them finish, stop it, then copy", pending)
	}
	// Tables in the order they were created, which is an order their
	// foreign keys allow.
	rows, err := from.Read.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("copy: list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		if !copySkipped(t) {
			tables = append(tables, t)
		}
	}
	rows.Close()
	for _, t := range tables {
		var n int64
		if err := to.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t)).Scan(&n); err != nil {
			return nil, fmt.Errorf("copy: destination table %s: %w (apply the migrations first: plaza migrate)", t, err)
		}
		// The settings table holds keys made at start; everything else
		// must be empty.
		if n > 0 && t != "settings" {
			return nil, fmt.Errorf("copy: the destination already has data (%d rows in %s); copy into an empty database", n, t)
		}
	}
	tx, err := to.SQL.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM settings`); err != nil {
		return nil, fmt.Errorf("copy: clear settings: %w", err)
	}
	var report []CopyReport
	for _, t := range tables {
		n, err := copyTable(ctx, from.Read, tx, t)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t, err)
		}
		if progress != nil {
			progress(t, n)
		}
		report = append(report, CopyReport{Table: t, From: n})
	}
	// Sequences continue after the copied ids, so new rows do not collide.
	// (Asking for the sequence of a table without an id column is an
	// error that would abort the transaction, so only those with one.)
	withID := map[string]bool{}
	idRows, err := tx.QueryContext(ctx, `SELECT table_name FROM information_schema.columns WHERE column_name = 'id' AND table_schema = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("copy: list id columns: %w", err)
	}
	for idRows.Next() {
		var t string
		if err := idRows.Scan(&t); err != nil {
			idRows.Close()
			return nil, err
		}
		withID[t] = true
	}
	idRows.Close()
	for _, t := range tables {
		if !withID[t] {
			continue
		}
		var seq sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, t).Scan(&seq); err != nil {
			return nil, fmt.Errorf("copy: sequence of %s: %w", t, err)
		}
		if !seq.Valid {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval($1, COALESCE((SELECT MAX(id) FROM `+quote(t)+`), 0) + 1, false)`, seq.String); err != nil {
			return nil, fmt.Errorf("copy: sequence of %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("copy: commit: %w", err)
	}
	for i := range report {
		if err := to.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(report[i].Table)).Scan(&report[i].To); err != nil {
			return report, err
		}
		if report[i].To != report[i].From {
			return report, fmt.Errorf("copy: %s has %d rows in the source and %d in the destination", report[i].Table, report[i].From, report[i].To)
		}
	}
	return report, nil
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }

// copyTable copies one table in batches of multi-row INSERTs, converting
// the values SQLite stores loosely (booleans as 0 and 1) to the
// destination column's type.
func copyTable(ctx context.Context, src *sql.DB, dst *sql.Tx, table string) (int64, error) {
	types := map[string]string{}
	trows, err := dst.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()`, table)
	if err != nil {
		return 0, err
	}
	for trows.Next() {
		var c, ty string
		if err := trows.Scan(&c, &ty); err != nil {
			trows.Close()
			return 0, err
		}
		types[c] = ty
	}
	trows.Close()
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+quote(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		if _, ok := types[c]; !ok {
			return 0, fmt.Errorf("column %s is not in the destination (are both databases migrated to the same version?)", c)
		}
		quoted[i] = quote(c)
	}
	batch := max(1, 60000/len(cols))
	var n int64
	var args []any
	var groups []string
	flush := func() error {
		if len(groups) == 0 {
			return nil
		}
		q := `INSERT INTO ` + quote(table) + ` (` + strings.Join(quoted, ", ") + `) VALUES ` + strings.Join(groups, ", ")
		if _, err := dst.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		args, groups = args[:0], groups[:0]
		return nil
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		ph := make([]string, len(cols))
		for i, c := range cols {
			args = append(args, convert(vals[i], types[c]))
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		groups = append(groups, "("+strings.Join(ph, ", ")+")")
		n++
		if len(groups) >= batch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

func convert(v any, pgType string) any {
	switch pgType {
	case "boolean":
		switch b := v.(type) {
		case int64:
			return b != 0
		case string:
			return b == "1" || strings.EqualFold(b, "true")
		}
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	case "text":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return v
}
