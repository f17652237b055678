package broadcast

import (
	"context"
	"fmt"
	"math"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// ledger is the SQL over the deliveries table. Everything proportional to
// the audience is one set-based statement.
type ledger struct {
	db      *gorm.DB
	dialect database.Dialect
	targets Targets
	// split is the audience written in materializeParts ranges at once.
	split int
}

func (l *ledger) conn(ctx context.Context) *gorm.DB { return l.db.WithContext(ctx) }

// materialize writes one delivery row per follower in the broadcast's
// audience and opens the broadcast for sending. It is idempotent: a
// broadcast that is no longer pending is left alone, and rows already
// there are not written twice, so a job retried after a crash does
// nothing twice.
func (l *ledger) materialize(ctx context.Context, id int64, clock func() time.Time) (*models.Broadcast, error) {
	var b models.Broadcast
	if err := l.conn(ctx).First(&b, id).Error; err != nil {
		return nil, fmt.Errorf("broadcast %d: %w", id, err)
	}
	if b.Status != models.BroadcastPending {
		return &b, nil
	}
	audience, args, err := l.audienceOf(ctx, &b)
	if err != nil {
		return nil, err
	}
	if l.dialect == database.Postgres {
		return l.materializePG(ctx, &b, audience, args, clock)
	}
	now := clock()
	err = l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&b, id).Error; err != nil {
			return fmt.Errorf("broadcast %d: %w", id, err)
		}
		if b.Status != models.BroadcastPending {
			return nil
		}
		res := tx.Exec(`INSERT INTO deliveries (broadcast_id, follower_id, status, digest, next_at)
			SELECT ?, f.id, `+newStatusSQL(&b)+`, `+newDigestSQL(&b)+`, ? `+audience+` ON CONFLICT DO NOTHING`, append([]any{b.ID, now}, args...)...)
		if res.Error != nil {
			return fmt.Errorf("queue deliveries: %w", res.Error)
		}
		return openBroadcast(tx, &b, clock, nil)
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Targets turns an area into the audience part of a broadcast limited to
// it (*district.Service, wired in app).
type Targets interface {
	Target(ctx context.Context, orgID int64, a area.Area, unlocated bool) (*models.AreaTarget, error)
}

// audienceOf is the FROM clause choosing the broadcast's followers (f),
// with its arguments: its tags and, when it is limited to an area, the
// area's districts and cover, worked out here (outside the transaction
// that writes the rows: the cover may need storing first).
func (l *ledger) audienceOf(ctx context.Context, b *models.Broadcast) (string, []any, error) {
	spec, err := models.ParseAreaSpec(b.Target)
	if err != nil {
		return "", nil, fmt.Errorf("broadcast %d target: %w", b.ID, err)
	}
	var target *models.AreaTarget
	if spec != nil {
		if l.targets == nil {
			return "", nil, fmt.Errorf("broadcast %d is limited to an area but no districts' domain is wired", b.ID)
		}
		var orgID int64
		if err := l.conn(ctx).Raw(`SELECT organization_id FROM accounts WHERE id = ?`, b.AccountID).Scan(&orgID).Error; err != nil {
			return "", nil, fmt.Errorf("broadcast %d organization: %w", b.ID, err)
		}
		if target, err = l.targets.Target(ctx, orgID, area.MustParse(spec.Area), spec.Unlocated); err != nil {
			return "", nil, fmt.Errorf("broadcast %d area: %w", b.ID, err)
		}
	}
	from, args := follower.AudienceFrom(b.AccountID, b.TagList(), target)
	return from, args, nil
}

// heldSQL says whether a follower's new delivery waits for the follower's
// digest: digest readers' do, except in an emergency.
const heldSQL = `(f.channel = 'email' AND f.digest <> 'immediate')`

// newStatusSQL is the status of a follower's new delivery.
func newStatusSQL(b *models.Broadcast) string {
	if b.Emergency() {
		return `'queued'`
	}
	return `CASE WHEN ` + heldSQL + ` THEN 'held' ELSE 'queued' END`
}

// newDigestSQL is the digest flag of a follower's new delivery: whether it
// is held. It never changes, so the index of held deliveries, whose
// predicate it is, does not stop their updates from being HOT.
func newDigestSQL(b *models.Broadcast) string {
	if b.Emergency() {
		return `false`
	}
	return heldSQL
}

// rowCounts are a broadcast's deliveries, and of them those held.
type rowCounts struct{ Total, Held int64 }

// openBroadcast opens the broadcast for sending with its deliveries
// counted, in tx (which holds the broadcast's row): known is their count
// when the writes counted them, or nil to count them here.
func openBroadcast(tx *gorm.DB, b *models.Broadcast, clock func() time.Time, known *rowCounts) error {
	var n rowCounts
	if known != nil {
		n = *known
	} else if err := tx.Raw(`SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE status = 'held') AS held
		FROM deliveries WHERE broadcast_id = ?`, b.ID).Scan(&n).Error; err != nil {
		return fmt.Errorf("count deliveries: %w", err)
	}
	// Sending starts when the rows are there: progress rates count from
	// here.
	done := clock()
	b.Total, b.Held, b.MaterializedAt = n.Total, n.Held, &done
	b.Status = models.BroadcastSending
	if b.Remaining() == 0 {
		b.Status, b.FinishedAt = models.BroadcastDone, &done
	}
	return tx.Model(&models.Broadcast{}).Where("id = ?", b.ID).Updates(map[string]any{
		"status": b.Status, "total": b.Total, "held": b.Held, "materialized_at": done, "finished_at": b.FinishedAt,
	}).Error
}

// materializeParts is how many transactions write a large audience's rows
// at once on PostgreSQL. Two: for a million followers on a two-core
// server, 5.9 s against 8.1 s in one; four were slower there (7.3 s).
const materializeParts = 2

// materializePG writes the rows of a large audience in materializeParts
// ranges of follower ids at once, each in its own transaction, then counts
// them and opens the broadcast in a transaction that holds its row. A
// cancel that came in between finds the broadcast still pending; what the
// ranges wrote after it is then removed.
func (l *ledger) materializePG(ctx context.Context, b *models.Broadcast, audience string, args []any, clock func() time.Time) (*models.Broadcast, error) {
	now := clock()
	var span struct {
		Lo, Hi, N int64
	}
	if err := l.conn(ctx).Raw(`SELECT COALESCE(MIN(f.id), 0) AS lo, COALESCE(MAX(f.id), 0) AS hi, COUNT(*) AS n `+audience,
		args...).Scan(&span).Error; err != nil {
		return nil, fmt.Errorf("audience: %w", err)
	}
	parts := 1
	if span.N >= int64(l.split) {
		parts = materializeParts
	}
	// The rows each range wrote are counted as they are written, unless
	// an earlier attempt of the job wrote some already: then they are
	// counted afterwards (a COUNT over a million rows is 0.3 s), and only
	// then does the insert skip rows already there (ON CONFLICT DO
	// NOTHING costs a speculative insertion per row: a quarter of the
	// insert's time or more).
	var again bool
	if err := l.conn(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM deliveries WHERE broadcast_id = ?)`, b.ID).Scan(&again).Error; err != nil {
		return nil, fmt.Errorf("deliveries of broadcast %d: %w", b.ID, err)
	}
	skip := ""
	if again {
		skip = " ON CONFLICT DO NOTHING"
	}
	insert := `WITH w AS (INSERT INTO deliveries (broadcast_id, follower_id, status, digest, next_at)
		SELECT ?, f.id, ` + newStatusSQL(b) + `, ` + newDigestSQL(b) + `, ? ` + audience + ` AND f.id BETWEEN ? AND ?` + skip + `
		RETURNING status)
		SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE status = 'held') AS held FROM w`
	counts := make([]rowCounts, parts)
	var ranges errgroup.Group
	width := (span.Hi - span.Lo + int64(parts)) / int64(parts)
	for i := range parts {
		lo := span.Lo + int64(i)*width
		hi := min(lo+width-1, span.Hi)
		ranges.Go(func() error {
			if err := l.conn(ctx).Raw(insert, append(append([]any{b.ID, now}, args...), lo, hi)...).Scan(&counts[i]).Error; err != nil {
				return fmt.Errorf("queue deliveries %d to %d: %w", lo, hi, err)
			}
			return nil
		})
	}
	if err := ranges.Wait(); err != nil {
		return nil, err
	}
	err := l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(b, b.ID).Error; err != nil {
			return fmt.Errorf("broadcast %d: %w", b.ID, err)
		}
		switch b.Status {
		case models.BroadcastPending:
			if again {
				return openBroadcast(tx, b, clock, nil)
			}
			var n rowCounts
			for _, c := range counts {
				n.Total, n.Held = n.Total+c.Total, n.Held+c.Held
			}
			return openBroadcast(tx, b, clock, &n)
		case models.BroadcastCancelled:
			// Cancelled while the rows were being written: what it did
			// not skip goes, and the total is what it skipped.
			if err := tx.Exec(`DELETE FROM deliveries WHERE broadcast_id = ? AND status IN ('queued', 'held')`, b.ID).Error; err != nil {
				return fmt.Errorf("remove deliveries of a cancelled broadcast: %w", err)
			}
			return tx.Exec(`UPDATE broadcasts SET total = (SELECT COUNT(*) FROM deliveries WHERE broadcast_id = ?) WHERE id = ?`,
				b.ID, b.ID).Error
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// analyze refreshes the statistics of the partition that holds broadcast
// b's rows, so the planner sees the new rows and keeps using the index
// for every batch rather than a plan made for an empty table. Only that
// partition: the claims read that one, and analyzing the whole ledger
// would sample every partition.
func (l *ledger) analyze(ctx context.Context, b *models.Broadcast) error {
	if l.dialect != database.Postgres || b.Total <= 10000 {
		return nil
	}
	var part string
	if err := l.conn(ctx).Raw(`SELECT tableoid::regclass::text FROM deliveries WHERE broadcast_id = ? LIMIT 1`, b.ID).
		Scan(&part).Error; err != nil {
		return fmt.Errorf("partition of broadcast %d: %w", b.ID, err)
	}
	if part == "" {
		return nil
	}
	if err := l.conn(ctx).Exec("ANALYZE " + part).Error; err != nil {
		return fmt.Errorf("analyze deliveries: %w", err)
	}
	return nil
}

// active is a broadcast being sent, with what a worker needs to pick it.
type active struct {
	ID        int64
	AccountID int64
	Priority  int
	SendRate  int
}

// activeBroadcasts lists broadcasts with work (only emergencies when
// emergencyOnly), emergency lane first, then oldest first.
func (l *ledger) activeBroadcasts(ctx context.Context, emergencyOnly bool) ([]active, error) {
	var out []active
	lane := ""
	if emergencyOnly {
		lane = fmt.Sprintf(" AND b.priority >= %d", models.PriorityEmergency)
	}
	err := l.conn(ctx).Raw(`SELECT b.id, b.account_id, b.priority, a.send_rate FROM broadcasts b
		JOIN accounts a ON a.id = b.account_id
		WHERE b.status = 'sending'` + lane + ` ORDER BY b.priority DESC, b.id LIMIT 50`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("active broadcasts: %w", err)
	}
	return out, nil
}

// claimed is one delivery a worker has taken, with its follower. Status is
// empty when the follower was erased.
type claimed struct {
	FollowerID int64
	Attempts   int
	Channel    string
	Address    string
	Name       string
	Language   string
	Status     string
}

// claim takes up to n deliveries of the broadcast that are due (queued,
// not before now, and outside the range of every live claim), starting
// after cursor so that each batch is an index range scan from where the
// last one ended instead of re-reading everything done so far, and records
// the claim as one row of delivery_claims: the token, the range of
// follower ids from the first to the last taken, and the lease. The
// deliveries themselves are not written: each gets one update, with its
// outcome. A crashed or stalled worker's claim ends with its lease, and
// what it did not record is due again.
//
// Claims of one broadcast are taken one at a time (on PostgreSQL under an
// advisory lock on the broadcast; SQLite has one writer anyway), so two
// never take the same deliveries. The broadcast's row is read under a key
// share lock: a cancel, which locks it for update, waits for the claim to
// commit and then leaves its range alone, or commits first and the claim
// finds the broadcast no longer sending.
func (l *ledger) claim(ctx context.Context, b int64, cursor int64, n int, now, leaseEnd time.Time, token int64) ([]claimed, error) {
	var out []claimed
	err := l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		status := `SELECT status FROM broadcasts WHERE id = ?`
		if l.dialect == database.Postgres {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, claimLockSpace, int32(b%math.MaxInt32)).Error; err != nil {
				return err
			}
			status += ` FOR KEY SHARE`
		}
		var st string
		// Find, not Scan, here and below: gorm's Scan formats each
		// statement with its arguments for a logger on every call.
		if err := tx.Raw(status, b).Find(&st).Error; err != nil {
			return err
		}
		if st != models.BroadcastSending {
			return nil
		}
		if err := tx.Exec(`DELETE FROM delivery_claims WHERE broadcast_id = ? AND lease_until <= ?`, b, now).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT d.follower_id, d.attempts + 1 AS attempts, COALESCE(f.channel, '') AS channel,
				COALESCE(f.address, '') AS address, COALESCE(f.name, '') AS name, COALESCE(f.language, '') AS language,
				COALESCE(f.status, '') AS status
			FROM (SELECT follower_id, attempts FROM deliveries d
				WHERE broadcast_id = ? AND follower_id > ? AND status = 'queued' AND next_at <= ?
					AND NOT EXISTS (SELECT 1 FROM delivery_claims k
						WHERE k.broadcast_id = ? AND d.follower_id BETWEEN k.first_id AND k.last_id)
				ORDER BY follower_id LIMIT ?) d
			LEFT JOIN followers f ON f.id = d.follower_id ORDER BY d.follower_id`,
			b, cursor, now, b, n).Find(&out).Error; err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		return tx.Exec(`INSERT INTO delivery_claims (token, broadcast_id, first_id, last_id, lease_until) VALUES (?, ?, ?, ?, ?)`,
			token, b, out[0].FollowerID, out[len(out)-1].FollowerID, leaseEnd).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// claimLockSpace is the first key of the advisory lock that takes the
// claims of one broadcast one at a time (the second is the broadcast).
const claimLockSpace = 23

// outcome is the recorded end of one claimed delivery.
type outcome struct {
	followerID int64
	// status is sent, failed, dead, skipped, or queued (retry later, or
	// released unsent because a rate limit ran out).
	status string
	reason string
	// next is when a queued delivery may go again.
	next time.Time
	// release undoes the claim's attempt: the message was never tried.
	release bool
	// endFollow is unsubscribed or bounced when the channel said so.
	endFollow string
}

type groupKey struct {
	status, reason string
	next           time.Time
	release        bool
}

// renew extends the lease of a claim that has not run out yet, and returns
// whether it did and the broadcast's status, so the worker learns both
// that its lease was lost (another worker may have taken its deliveries
// over) and that the broadcast was cancelled.
func (l *ledger) renew(ctx context.Context, b, token int64, now, leaseEnd time.Time) (bool, string, error) {
	res := l.conn(ctx).Exec(`UPDATE delivery_claims SET lease_until = ? WHERE token = ? AND lease_until > ?`,
		leaseEnd, token, now)
	if res.Error != nil {
		return false, "", fmt.Errorf("renew claim: %w", res.Error)
	}
	var status string
	if err := l.conn(ctx).Raw(`SELECT status FROM broadcasts WHERE id = ?`, b).Find(&status).Error; err != nil {
		return false, "", fmt.Errorf("broadcast status: %w", err)
	}
	return res.RowsAffected > 0, status, nil
}

// release ends a claim whose deliveries are all recorded or given back:
// the rest of its range is free for the next claim at once. If the
// broadcast was cancelled meanwhile, what the claim gave back is skipped
// (and counted), or it would wait for ever in a broadcast nobody sends;
// the broadcast's row is locked first, so that a cancel running at the
// same time either sees the claim gone or is seen by this.
func (l *ledger) release(ctx context.Context, b, token int64, now time.Time) error {
	err := l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE broadcasts SET status = status WHERE id = ?`, b).Error; err != nil {
			return fmt.Errorf("lock broadcast: %w", err)
		}
		if err := tx.Exec(`DELETE FROM delivery_claims WHERE token = ?`, token).Error; err != nil {
			return err
		}
		res := tx.Exec(`UPDATE deliveries SET status = 'skipped', reason = 'broadcast cancelled', next_at = ?
			WHERE broadcast_id = ? AND status = 'queued' AND `+unclaimed+`
				AND EXISTS (SELECT 1 FROM broadcasts WHERE id = ? AND status = 'cancelled')`, now, b, b, now, b)
		if res.Error != nil {
			return fmt.Errorf("skip deliveries of a cancelled broadcast: %w", res.Error)
		}
		if res.RowsAffected > 0 {
			if err := tx.Exec(`UPDATE broadcasts SET skipped = skipped + ? WHERE id = ?`, res.RowsAffected, b).Error; err != nil {
				return fmt.Errorf("count skipped deliveries: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release claim: %w", err)
	}
	return nil
}

// unclaimed is the condition on deliveries (of broadcast ?, at time ?)
// that no live claim covers.
const unclaimed = `NOT EXISTS (SELECT 1 FROM delivery_claims k
	WHERE k.broadcast_id = ? AND k.lease_until > ? AND deliveries.follower_id BETWEEN k.first_id AND k.last_id)`

// claimOutcomes are outcomes of one claim.
type claimOutcomes struct {
	broadcast, account, token int64
	outs                      []outcome
}

// broadcastMoves is what one recording does to a broadcast: its rows by
// outcome, the counters they move, and the follows to end.
type broadcastMoves struct {
	account int64
	groups  map[groupKey][]claimedRow
	order   []groupKey
	counts  map[string]int64
	ends    map[string][]int64
}

// claimedRow is a delivery of a claim.
type claimedRow struct{ follower int64 }

// record writes the outcomes of several claims in one transaction, with
// the move of each broadcast's counters, so the counters never disagree
// with the ledger. Only rows still queued are changed: a worker whose
// lease ran out cannot overwrite, or count again, the outcome of the
// worker that took the row over. The outcomes of
// one kind of one broadcast are one statement, whichever claims they come
// from.
//
// On PostgreSQL, a broadcast whose outcomes all end their deliveries is
// written through fast (the recorder's own connection) in one statement;
// the rest in one transaction.
func (l *ledger) record(ctx context.Context, fast *pgWriter, list []claimOutcomes, now time.Time) error {
	moves := map[int64]*broadcastMoves{}
	var order []int64
	for _, c := range list {
		m := moves[c.broadcast]
		if m == nil {
			m = &broadcastMoves{account: c.account, groups: map[groupKey][]claimedRow{}, counts: map[string]int64{},
				ends: map[string][]int64{}}
			moves[c.broadcast] = m
			order = append(order, c.broadcast)
		}
		for _, o := range c.outs {
			if o.release && !o.next.After(now) {
				// Given back unsent and due at once: the row is as the
				// claim found it, and the claim's release frees it.
				continue
			}
			k := groupKey{status: o.status, reason: o.reason, release: o.release}
			if o.status == DeliveryQueued {
				k.next = o.next
			}
			if _, ok := m.groups[k]; !ok {
				m.order = append(m.order, k)
			}
			m.groups[k] = append(m.groups[k], claimedRow{o.followerID})
			if o.endFollow != "" {
				m.ends[o.endFollow] = append(m.ends[o.endFollow], o.followerID)
			}
		}
	}
	rest := order[:0:0]
	for _, b := range order {
		if fast == nil || !moves[b].final() {
			rest = append(rest, b)
			continue
		}
		if err := fast.recordFinal(ctx, b, moves[b], now); err != nil {
			return fmt.Errorf("broadcast %d: %w", b, err)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return l.conn(ctx).Transaction(func(tx *gorm.DB) error {
		if l.dialect == database.Postgres {
			// A commit need not wait for the disk: if PostgreSQL itself
			// crashed before writing it, those messages would only be
			// sent again, as after a crash of Plaza. It makes each small
			// group of outcomes several times cheaper to record.
			if err := tx.Exec(`SET LOCAL synchronous_commit = off`).Error; err != nil {
				return fmt.Errorf("record: %w", err)
			}
		}
		for _, b := range rest {
			if err := recordRows(tx, b, moves[b], now); err != nil {
				return fmt.Errorf("broadcast %d: %w", b, err)
			}
			if err := moveBroadcast(ctx, tx, b, moves[b], now); err != nil {
				return fmt.Errorf("broadcast %d: %w", b, err)
			}
		}
		return nil
	})
}

// recordRows writes the outcomes of one broadcast's rows in tx and counts
// the rows each changed in m.
func recordRows(tx *gorm.DB, b int64, m *broadcastMoves, now time.Time) error {
	for _, k := range m.order {
		rows := m.groups[k]
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.follower
		}
		// Only rows still queued change: the first outcome recorded wins,
		// so a worker whose lease ran out cannot overwrite, or count again,
		// the outcome of the worker that took the row over (nor the other
		// way round). An outcome is when next_at is set to now.
		mine := `broadcast_id = ? AND follower_id IN ? AND status = 'queued'`
		var res *gorm.DB
		switch {
		case k.status == DeliveryQueued && k.release:
			res = tx.Exec(`UPDATE deliveries SET next_at = ? WHERE `+mine, k.next, b, ids)
		case k.status == DeliveryQueued:
			res = tx.Exec(`UPDATE deliveries SET next_at = ?, reason = ?, attempts = attempts + 1 WHERE `+mine,
				k.next, k.reason, b, ids)
		default:
			res = tx.Exec(`UPDATE deliveries SET status = ?, reason = ?, attempts = attempts + 1, next_at = ? WHERE `+mine,
				k.status, k.reason, now, b, ids)
		}
		if res.Error != nil {
			return fmt.Errorf("record %s deliveries: %w", k.status, res.Error)
		}
		m.counts[k.status] += res.RowsAffected
	}
	return nil
}

// moveBroadcast moves a broadcast's counters by what was recorded,
// finishes it when nothing is left, and ends the follows the channels
// reported gone.
func moveBroadcast(ctx context.Context, tx *gorm.DB, b int64, m *broadcastMoves, now time.Time) error {
	counts := m.counts
	if n := counts[DeliverySent] + counts[DeliveryFailed] + counts[DeliveryDead] + counts[DeliverySkipped]; n > 0 {
		// One statement moves the counters and, when nothing is left,
		// finishes the broadcast (the right-hand sides read the row as it
		// was before this update).
		left := `status = 'sending' AND total - sent - failed - dead - held - skipped - ? <= 0`
		if err := tx.Exec(`UPDATE broadcasts SET sent = sent + ?, failed = failed + ?, dead = dead + ?, skipped = skipped + ?,
				finished_at = CASE WHEN `+left+` THEN ? ELSE finished_at END,
				status = CASE WHEN `+left+` THEN 'done' ELSE status END
			WHERE id = ?`, counts[DeliverySent], counts[DeliveryFailed], counts[DeliveryDead], counts[DeliverySkipped],
			n, now, n, b).Error; err != nil {
			return fmt.Errorf("count deliveries: %w", err)
		}
	}
	// What went back to the queue of a cancelled broadcast is skipped
	// when the claim is released (ledger.release).
	for status, ids := range m.ends {
		if err := follower.EndFollows(ctx, tx, m.account, ids, status, now); err != nil {
			return err
		}
	}
	return nil
}
