package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/alertfeed"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/queue"
)

// How often the elected leader looks for due work. Each scan only finds
// the work and enqueues a job per unit of it, on the queue that unit
// belongs to, so a slow unit (a dead SMTP server, a feed that hangs) holds
// up its own queue and never the scans or a scheduled publication.
const (
	// Scheduled notices publish within 2 s of their time: up to a second
	// until the scan, the rest for River to hand the jobs to a worker.
	// River allows no shorter period.
	scanScheduledEvery = time.Second
	// Public pages and feeds already leave out notices past their expiry;
	// the status the studio shows follows within seconds.
	expireEvery = 2 * time.Second
	// Digests are daily or weekly; a few seconds late is on time.
	scanDigestsEvery = 5 * time.Second
	// Each feed has its own interval (minutes); this is how late a poll
	// may start. The scan claims the due feeds and queues a poll job for
	// each, on the feeds queue.
	pollFeedsEvery = 5 * time.Second
)

// Units of work one scan enqueues at most; the next scan takes the rest.
const scanLimit = 500

// periodicJobs are the leader's scans and housekeeping. The scans also run
// as soon as an instance becomes leader, to catch up on a restart.
func periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		queue.Periodic(river.PeriodicInterval(scanScheduledEvery), jobs.ScanScheduled{}, true),
		queue.Periodic(river.PeriodicInterval(expireEvery), jobs.ExpireNotices{}, true),
		queue.Periodic(river.PeriodicInterval(scanDigestsEvery), jobs.ScanDigests{}, true),
		alertfeed.Scan(pollFeedsEvery),
		queue.Periodic(onTheHour{}, jobs.Housekeeping{}, false),
		// Also at start, so that a new ledger has its partitions before
		// the first broadcast.
		queue.Periodic(onTheHour{}, jobs.CompactLedger{}, true),
	}
}

// onTheHour is housekeeping's schedule. Expired sessions and rate-limit
// windows are only clutter, so once an hour is plenty; keeping to the
// clock's hours (rather than an hour after the leader started) means
// restarts more often than hourly do not keep putting it off.
type onTheHour struct{}

func (onTheHour) Next(t time.Time) time.Time { return t.Truncate(time.Hour).Add(time.Hour) }

// addBackgroundWorkers registers the workers of the periodic jobs and of
// the jobs they enqueue that live in app.
func (a *App) addBackgroundWorkers(workers *river.Workers) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[jobs.ScanScheduled]) error {
		_, err := a.EnqueueDuePublications(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[jobs.PublishNotice]) error {
		done, err := a.Notices.PublishScheduled(ctx, job.Args.NoticeID)
		if done {
			a.Log.Info("published scheduled notice", "notice", job.Args.NoticeID)
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[jobs.ExpireNotices]) error {
		n, err := a.Notices.ExpireDue(ctx)
		if n > 0 {
			a.Log.Info("expired notices", "count", n)
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[jobs.ScanDigests]) error {
		_, err := a.EnqueueDueDigests(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[jobs.Housekeeping]) error {
		return a.housekeeping(ctx)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[jobs.CompactLedger]) error {
		c, err := a.Broadcasts.CompactLedger(ctx, a.Config.DeliveryRetention)
		if c != (broadcast.Compaction{}) {
			a.Log.Info("ledger compacted", "partitions_created", c.Created, "partitions_dropped", c.Dropped,
				"broadcasts", c.Broadcasts, "rows_deleted", c.Rows, "stale_claims", c.Claims)
		}
		return err
	}))
}

// EnqueueDuePublications enqueues a job for each scheduled notice whose
// time has come, and returns how many were new: a notice whose job is
// already waiting or running is not enqueued twice.
func (a *App) EnqueueDuePublications(ctx context.Context) (int, error) {
	ids, err := a.Notices.DueScheduledNotices(ctx, scanLimit)
	if err != nil {
		return 0, err
	}
	list := make([]queue.Job, len(ids))
	for i, id := range ids {
		list[i] = jobs.PublishNotice{NoticeID: id}
	}
	return a.inserter.EnqueueMany(ctx, list)
}

// EnqueueDueDigests enqueues a digest job for each follower whose digest
// is due, and returns how many were new.
func (a *App) EnqueueDueDigests(ctx context.Context) (int, error) {
	ids, err := a.Broadcasts.DueDigests(ctx, scanLimit)
	if err != nil {
		return 0, err
	}
	list := make([]queue.Job, len(ids))
	for i, id := range ids {
		list[i] = jobs.Digest{FollowerID: id}
	}
	return a.inserter.EnqueueMany(ctx, list)
}

// housekeeping removes expired sessions, rate-limit windows and API
// idempotency keys and WeChat nonces, and the files of imports left
// pending. It holds
// no work that could be lost: a failed run is done by the next one.
func (a *App) housekeeping(ctx context.Context) error {
	var errs []error
	for _, sweep := range []struct {
		name string
		fn   func(context.Context) (int64, error)
	}{{"expired sessions", a.Orgs.DeleteExpiredSessions}, {"expired rate limits", a.Store.DeleteExpiredLimits},
		{"expired idempotency keys", a.APITokens.DeleteExpiredIdempotencyKeys},
		{"files of imports left pending", a.Followers.CancelStaleImports},
		{"expired WeChat nonces", a.Channels.DeleteExpiredWeChatNonces}} {
		n, err := sweep.fn(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("housekeeping: %s: %w", sweep.name, err))
		} else if n > 0 {
			a.Log.Info("housekeeping: removed "+sweep.name, "count", n)
		}
	}
	return errors.Join(errs...)
}
