package broadcast

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
)

// Enqueuer adds a job inside the transaction of the change that causes it.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx *gorm.DB, job interface{ Kind() string }) error
}

// Starter starts broadcasts inside the transaction of the notice change
// that causes them; the models call it through models.Broadcaster.
type Starter struct {
	queue Enqueuer
	now   func() time.Time
}

// NewStarter builds a starter that enqueues the materialize job on q. now
// may be nil for the wall clock.
func NewStarter(q Enqueuer, now func() time.Time) *Starter {
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &Starter{queue: q, now: now}
}

// Start writes a pending broadcast of n, with n frozen in its snapshot, and
// the job that materializes its deliveries, in tx.
func (s *Starter) Start(ctx context.Context, tx *gorm.DB, n *models.Notice, kind string, userID int64) (*models.Broadcast, error) {
	snap, err := json.Marshal(SnapshotOf(n))
	if err != nil {
		return nil, fmt.Errorf("snapshot notice %d: %w", n.ID, err)
	}
	b := &models.Broadcast{NoticeID: n.ID, AccountID: n.AccountID, Kind: kind, Status: models.BroadcastPending,
		AudienceTags: n.AudienceTags, Target: n.TargetSpec(), Snapshot: string(snap), CreatedAt: s.now().UTC()}
	if userID != 0 {
		b.CreatedBy = &userID
	}
	if n.Emergency() {
		b.Priority = models.PriorityEmergency
	}
	if err := tx.WithContext(ctx).Create(b).Error; err != nil {
		return nil, fmt.Errorf("create broadcast: %w", err)
	}
	if err := s.queue.Enqueue(ctx, tx, jobs.Materialize{BroadcastID: b.ID, Emergency: b.Emergency()}); err != nil {
		return nil, err
	}
	return b, nil
}

// Service is what staff and the API do with broadcasts once started:
// watch them, list their failures, retry and cancel them.
type Service struct {
	store *models.Store
	// wake tells this instance's send workers that a broadcast has work
	// again (after a retry); other instances find it by polling.
	wake   func()
	counts *countsCache
}

// NewService builds the service. wake may be nil.
func NewService(store *models.Store, wake func()) *Service {
	if wake == nil {
		wake = func() {}
	}
	return &Service{store: store, wake: wake, counts: &countsCache{m: map[int64]cachedCounts{}}}
}

func (s *Service) conn(ctx context.Context) *gorm.DB { return s.store.DB().WithContext(ctx) }

// ForNotice lists a notice's broadcasts, newest first.
func (s *Service) ForNotice(ctx context.Context, noticeID int64) ([]models.Broadcast, error) {
	var out []models.Broadcast
	if err := s.conn(ctx).Where("notice_id = ?", noticeID).Order("id DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("broadcasts of notice %d: %w", noticeID, err)
	}
	return out, nil
}

// Get loads a broadcast of one of the member's accounts with its notice.
func (s *Service) Get(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Broadcast, *models.Notice, error) {
	if !m.Can(models.PermView) {
		return nil, nil, models.ErrForbidden
	}
	if a.OrganizationID != m.Org.ID {
		return nil, nil, models.ErrNotFound
	}
	var b models.Broadcast
	if err := s.conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&b).Error; err != nil {
		return nil, nil, notFound(err, "broadcast")
	}
	var n models.Notice
	if err := s.conn(ctx).First(&n, b.NoticeID).Error; err != nil {
		return nil, nil, notFound(err, "notice")
	}
	return &b, &n, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, models.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Progress is a broadcast as staff watch it.
type Progress struct {
	models.Broadcast
	// Rate is messages handled per second since the first was sent.
	Rate float64
	// ETA is the estimated time left at that rate (0 when unknown).
	ETA time.Duration
	// Channels is the deliveries counted per channel of their followers.
	Channels []ChannelCounts
}

// ChannelCounts is a broadcast's deliveries to the followers of one
// channel, by state. Channel is "" for followers erased since.
type ChannelCounts struct {
	Channel string
	// Pending is queued or being sent.
	Pending int64
	Sent    int64
	// Failed counts the deliveries a provider's receipt reported
	// undelivered too (RecordUndelivered turns them failed).
	Failed  int64
	Dead    int64
	Held    int64
	Skipped int64
}

// Total is every delivery of the channel.
func (c *ChannelCounts) Total() int64 {
	return c.Pending + c.Sent + c.Failed + c.Dead + c.Held + c.Skipped
}

// Large broadcasts' per-channel counts are kept for a while: the count
// reads every delivery (about half a second for a million on two cores),
// and the progress fragment is polled every two seconds by everyone
// watching it, while the same cores send. A broadcast of at least
// bigBroadcast deliveries that is still sending keeps its counts for ten
// times as long as the count took (at most maxCountsAge), so counting
// takes at most a tenth of a core however many people watch; smaller or
// finished ones are counted afresh each time.
const (
	bigBroadcast = 10_000
	maxCountsAge = 30 * time.Second
)

// countsCache holds the recent per-channel counts of large broadcasts.
type countsCache struct {
	mu sync.Mutex
	m  map[int64]cachedCounts
}

type cachedCounts struct {
	counts []ChannelCounts
	until  time.Time
}

// channelCounts counts broadcast b's deliveries per channel and state, in
// one GROUP BY over the ledger (the deliveries of an erased follower
// count under ""), or returns a large broadcast's recent counts.
func (s *Service) channelCounts(ctx context.Context, b *models.Broadcast) ([]ChannelCounts, error) {
	keep := b.Total >= bigBroadcast && b.Status != models.BroadcastDone && b.Status != models.BroadcastCancelled
	began := time.Now()
	if keep {
		s.counts.mu.Lock()
		c, ok := s.counts.m[b.ID]
		s.counts.mu.Unlock()
		if ok && began.Before(c.until) {
			return c.counts, nil
		}
	}
	out, err := s.countChannels(ctx, b.ID)
	if err != nil || !keep {
		return out, err
	}
	now := time.Now()
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	for id, c := range s.counts.m {
		if now.After(c.until) {
			delete(s.counts.m, id)
		}
	}
	s.counts.m[b.ID] = cachedCounts{counts: out, until: now.Add(min(maxCountsAge, 10*now.Sub(began)))}
	return out, nil
}

func (s *Service) countChannels(ctx context.Context, id int64) ([]ChannelCounts, error) {
	var rows []struct {
		Channel string
		Status  string
		Count   int64
	}
	err := s.conn(ctx).Raw(`SELECT COALESCE(f.channel, '') AS channel, d.status, COUNT(*) AS count
		FROM deliveries d LEFT JOIN followers f ON f.id = d.follower_id
		WHERE d.broadcast_id = ? GROUP BY COALESCE(f.channel, ''), d.status`, id).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("deliveries per channel of broadcast %d: %w", id, err)
	}
	at := map[string]int{}
	var out []ChannelCounts
	for _, r := range rows {
		i, ok := at[r.Channel]
		if !ok {
			i = len(out)
			at[r.Channel] = i
			out = append(out, ChannelCounts{Channel: r.Channel})
		}
		c := &out[i]
		switch r.Status {
		case DeliveryQueued, DeliverySending:
			c.Pending += r.Count
		case DeliverySent:
			c.Sent += r.Count
		case DeliveryFailed:
			c.Failed += r.Count
		case DeliveryDead:
			c.Dead += r.Count
		case DeliveryHeld:
			c.Held += r.Count
		case DeliverySkipped:
			c.Skipped += r.Count
		}
	}
	// The channels people know show in this order; others follow by name,
	// and erased followers come last.
	channelOrder := []string{models.ChannelEmail, models.ChannelWebhook, models.ChannelWeChat, models.ChannelTelegram,
		models.ChannelSMS, models.ChannelWebPush}
	rank := func(ch string) int {
		if ch == "" {
			return len(channelOrder) + 1
		}
		if i := slices.Index(channelOrder, ch); i >= 0 {
			return i
		}
		return len(channelOrder)
	}
	slices.SortFunc(out, func(a, b ChannelCounts) int {
		return cmp.Or(cmp.Compare(rank(a.Channel), rank(b.Channel)), strings.Compare(a.Channel, b.Channel))
	})
	return out, nil
}

// Done reports whether nothing is left to send.
func (p *Progress) Done() bool {
	return p.Status == models.BroadcastDone || p.Status == models.BroadcastCancelled
}

// Percent is the share of the audience handled, 0 to 100.
func (p *Progress) Percent() int {
	if p.Total == 0 {
		if p.Status == models.BroadcastPending {
			return 0
		}
		return 100
	}
	return int((p.Total - p.Remaining()) * 100 / p.Total)
}

// Progress reads a broadcast's counters and derives its rate and time left.
func (s *Service) Progress(ctx context.Context, m *models.Member, a *models.Account, id int64) (*Progress, *models.Notice, error) {
	b, n, err := s.Get(ctx, m, a, id)
	if err != nil {
		return nil, nil, err
	}
	p := progressOf(b, s.store.Now())
	if p.Channels, err = s.channelCounts(ctx, b); err != nil {
		return nil, nil, err
	}
	return p, n, nil
}

func progressOf(b *models.Broadcast, now time.Time) *Progress {
	p := &Progress{Broadcast: *b}
	if b.MaterializedAt != nil {
		end := now
		if b.FinishedAt != nil {
			end = *b.FinishedAt
		}
		handled := b.Sent + b.Failed + b.Dead + b.Skipped
		if secs := end.Sub(*b.MaterializedAt).Seconds(); secs > 0 && handled > 0 {
			p.Rate = float64(handled) / secs
			if rem := b.Remaining(); rem > 0 && !p.Done() {
				p.ETA = time.Duration(float64(rem) / p.Rate * float64(time.Second))
			}
		}
	}
	return p
}

// FailureReason is how many deliveries failed for one reason.
type FailureReason struct {
	Status string
	Reason string
	Count  int64
}

// FailureReasons groups a broadcast's failed and dead deliveries by
// reason, most frequent first.
func (s *Service) FailureReasons(ctx context.Context, m *models.Member, a *models.Account, id int64) ([]FailureReason, error) {
	if _, _, err := s.Get(ctx, m, a, id); err != nil {
		return nil, err
	}
	var out []FailureReason
	err := s.conn(ctx).Raw(`SELECT status, reason, COUNT(*) AS count FROM deliveries
		WHERE broadcast_id = ? AND status IN ('failed', 'dead') GROUP BY status, reason ORDER BY count DESC, reason LIMIT 50`, id).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("failure reasons: %w", err)
	}
	return out, nil
}

// FailedDelivery is one recipient a broadcast did not reach.
type FailedDelivery struct {
	FollowerID int64
	Channel    string
	Address    string
	Name       string
	Status     string
	Reason     string
	Attempts   int
}

// Failures pages through the recipients a broadcast failed to reach. An
// erased follower shows with an empty address; addresses are masked for
// members who may not see contact details.
func (s *Service) Failures(ctx context.Context, m *models.Member, a *models.Account, id int64, page models.Page) ([]FailedDelivery, int64, error) {
	b, _, err := s.Get(ctx, m, a, id)
	if err != nil {
		return nil, 0, err
	}
	total := b.Failed + b.Dead
	var out []FailedDelivery
	err = s.conn(ctx).Raw(`SELECT d.follower_id, COALESCE(f.channel, '') AS channel, COALESCE(f.address, '') AS address,
			COALESCE(f.name, '') AS name, d.status, d.reason, d.attempts
		FROM deliveries d LEFT JOIN followers f ON f.id = d.follower_id
		WHERE d.broadcast_id = ? AND d.status IN ('failed', 'dead')
		ORDER BY d.follower_id LIMIT ? OFFSET ?`, id, page.Limit(), page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("failed deliveries: %w", err)
	}
	for i := range out {
		out[i].Address = models.ContactFor(m, out[i].Channel, out[i].Address)
	}
	return out, total, nil
}

// change runs fn on a broadcast of the member's account, locked, in one
// transaction, for a member who may publish.
func (s *Service) change(ctx context.Context, m *models.Member, a *models.Account, id int64,
	fn func(tx *models.Store, db *gorm.DB, b *models.Broadcast) error) error {
	if !m.Can(models.PermPublish) {
		return models.ErrForbidden
	}
	b, _, err := s.Get(ctx, m, a, id)
	if err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx *models.Store) error {
		db := tx.DB().WithContext(ctx)
		if err := lockBroadcast(db, tx.Dialect(), b); err != nil {
			return err
		}
		return fn(tx, db, b)
	})
}

// Retry queues a broadcast's failed and dead deliveries again, with a
// fresh count of attempts, and returns how many. Followers who stopped
// following since are not retried: their deliveries stay as they were.
func (s *Service) Retry(ctx context.Context, m *models.Member, a *models.Account, id int64) (int64, error) {
	var n int64
	err := s.change(ctx, m, a, id, func(tx *models.Store, db *gorm.DB, b *models.Broadcast) error {
		if b.Status == models.BroadcastCancelled {
			return models.FieldError("broadcast", "broadcasts.err_cancelled")
		}
		var counts []struct {
			Status string
			Count  int64
		}
		active := `follower_id IN (SELECT id FROM followers WHERE account_id = ? AND status = 'active')`
		if err := db.Raw(`SELECT status, COUNT(*) AS count FROM deliveries
			WHERE broadcast_id = ? AND status IN ('failed', 'dead') AND `+active+` GROUP BY status`, b.ID, b.AccountID).
			Scan(&counts).Error; err != nil {
			return fmt.Errorf("count failed deliveries: %w", err)
		}
		var failed, dead int64
		for _, c := range counts {
			if c.Status == DeliveryFailed {
				failed = c.Count
			} else {
				dead = c.Count
			}
		}
		n = failed + dead
		if n == 0 {
			return nil
		}
		if err := db.Exec(`UPDATE deliveries SET status = 'queued', attempts = 0, next_at = ?, reason = ''
			WHERE broadcast_id = ? AND status IN ('failed', 'dead') AND `+active, tx.Now(), b.ID, b.AccountID).Error; err != nil {
			return fmt.Errorf("requeue failed deliveries: %w", err)
		}
		if err := db.Exec(`UPDATE broadcasts SET failed = failed - ?, dead = dead - ?, status = ?, finished_at = NULL
			WHERE id = ?`, failed, dead, models.BroadcastSending, b.ID).Error; err != nil {
			return fmt.Errorf("reopen broadcast: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "broadcast.retry", fmt.Sprintf("@%s broadcast %d", a.Handle, b.ID),
			fmt.Sprintf("%d deliveries", n))
	})
	if err == nil && n > 0 {
		s.wake()
	}
	return n, err
}

// Cancel stops a broadcast: deliveries not yet claimed by a worker are
// skipped; messages already on their way finish, and a worker that holds a
// claim stops sending the rest of it (they are skipped as it gives them
// back). It returns how many deliveries were skipped now.
func (s *Service) Cancel(ctx context.Context, m *models.Member, a *models.Account, id int64) (int64, error) {
	var n int64
	err := s.change(ctx, m, a, id, func(tx *models.Store, db *gorm.DB, b *models.Broadcast) error {
		if b.Status == models.BroadcastDone || b.Status == models.BroadcastCancelled {
			return models.FieldError("broadcast", "broadcasts.err_finished")
		}
		// Queued deliveries in the range of a live claim are its worker's:
		// it skips them as it releases the claim (ledger.release).
		res := db.Exec(`UPDATE deliveries SET status = 'skipped', reason = 'broadcast cancelled', next_at = ?
			WHERE broadcast_id = ? AND (status = 'held' OR status = 'queued' AND `+unclaimed+`)`, tx.Now(), b.ID, b.ID, tx.Now())
		if res.Error != nil {
			return fmt.Errorf("skip queued deliveries: %w", res.Error)
		}
		n = res.RowsAffected
		// Deliveries held for a digest are skipped too: a cancelled
		// broadcast must not surface in tomorrow's digest.
		if err := db.Exec(`UPDATE broadcasts SET status = ?, finished_at = ?, skipped = skipped + ?, held = 0
			WHERE id = ?`, models.BroadcastCancelled, tx.Now(), n, b.ID).Error; err != nil {
			return fmt.Errorf("cancel broadcast: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "broadcast.cancel", fmt.Sprintf("@%s broadcast %d", a.Handle, b.ID),
			fmt.Sprintf("%d deliveries skipped", n))
	})
	return n, err
}

func lockBroadcast(db *gorm.DB, dialect database.Dialect, b *models.Broadcast) error {
	q := db
	if dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(b, b.ID).Error; err != nil {
		return notFound(err, "broadcast")
	}
	return nil
}

// OrgProgress is Progress for a broadcast of any account of the member's
// organization, found by its id alone (the API's /broadcasts/{id}).
func (s *Service) OrgProgress(ctx context.Context, m *models.Member, id int64) (*Progress, error) {
	if !m.Can(models.PermView) {
		return nil, models.ErrForbidden
	}
	var b models.Broadcast
	err := s.conn(ctx).Where("id = ? AND account_id IN (SELECT id FROM accounts WHERE organization_id = ?)", id, m.Org.ID).
		First(&b).Error
	if err != nil {
		return nil, notFound(err, "broadcast")
	}
	p := progressOf(&b, s.store.Now())
	if p.Channels, err = s.channelCounts(ctx, &b); err != nil {
		return nil, err
	}
	return p, nil
}
