package broadcast

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// recordFinalSQL writes the outcomes that end deliveries (sent, failed,
// dead, skipped) of one broadcast and moves its counters, finishing it
// when nothing is left, in one statement: one round trip per group of
// outcomes, the common case of a fast receiver. The parameters are arrays,
// so the text is the same for every group and PostgreSQL plans it once.
// Only rows still queued change, as in recordRows; the counters move by
// the rows that did.
const recordFinalSQL = `WITH r AS (
		UPDATE deliveries d SET status = x.st, reason = x.rs, attempts = d.attempts + 1, next_at = $2::timestamptz
		FROM unnest($3::bigint[], $4::text[], $5::text[]) AS x(f, st, rs)
		WHERE d.broadcast_id = $1 AND d.follower_id = x.f AND d.status = 'queued'
		RETURNING x.st
	), n AS (
		SELECT count(*) FILTER (WHERE st = 'sent') AS sent, count(*) FILTER (WHERE st = 'failed') AS failed,
			count(*) FILTER (WHERE st = 'dead') AS dead, count(*) FILTER (WHERE st = 'skipped') AS skipped,
			count(*) AS done
		FROM r
	)
	UPDATE broadcasts b SET sent = b.sent + n.sent, failed = b.failed + n.failed, dead = b.dead + n.dead,
		skipped = b.skipped + n.skipped,
		finished_at = CASE WHEN b.status = 'sending' AND b.total - b.sent - b.failed - b.dead - b.held - b.skipped - n.done <= 0
			THEN $2::timestamptz ELSE b.finished_at END,
		status = CASE WHEN b.status = 'sending' AND b.total - b.sent - b.failed - b.dead - b.held - b.skipped - n.done <= 0
			THEN 'done' ELSE b.status END
	FROM n WHERE b.id = $1 AND n.done > 0`

// final reports whether every outcome of m ends its delivery and no
// follow ends with it: what recordFinalSQL can write.
func (m *broadcastMoves) final() bool {
	if len(m.ends) > 0 {
		return false
	}
	for _, k := range m.order {
		if k.status == DeliveryQueued || k.release {
			return false
		}
	}
	return true
}

// pgWriter is the recorder's own PostgreSQL connection. Its session does
// not wait for the disk at commit (synchronous_commit off): if PostgreSQL
// itself crashed before writing a commit, those messages would only be
// sent again, as after a crash of Plaza, and each small group of outcomes
// costs several times less to record.
type pgWriter struct {
	db   *sql.DB
	conn *sql.Conn
}

func (w *pgWriter) get(ctx context.Context) (*sql.Conn, error) {
	if w.conn != nil {
		return w.conn, nil
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("recorder connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		discard(conn)
		return nil, fmt.Errorf("recorder connection: %w", err)
	}
	w.conn = conn
	return conn, nil
}

// recordFinal writes m (final) for broadcast b.
func (w *pgWriter) recordFinal(ctx context.Context, b int64, m *broadcastMoves, now time.Time) error {
	var followers []int64
	var statuses, reasons []string
	for _, k := range m.order {
		for _, r := range m.groups[k] {
			followers = append(followers, r.follower)
			statuses, reasons = append(statuses, k.status), append(reasons, k.reason)
		}
	}
	conn, err := w.get(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, recordFinalSQL, b, now, followers, statuses, reasons); err != nil {
		// The connection may be broken; the next write takes a new one.
		w.close()
		return fmt.Errorf("record deliveries: %w", err)
	}
	return nil
}

// close gives the connection up: it goes back to the pool with the
// session's setting reset, or is dropped if that fails.
func (w *pgWriter) close() {
	if w.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := w.conn.ExecContext(ctx, `RESET synchronous_commit`); err != nil {
		discard(w.conn)
	} else {
		_ = w.conn.Close()
	}
	w.conn = nil
}

// discard closes conn's connection instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
