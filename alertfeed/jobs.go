package alertfeed

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/queue"
)

// Scan is the periodic job that queues the polls of the due feeds. River
// runs it on the elected leader only, so one instance scans, not each.
func Scan(every time.Duration) *river.PeriodicJob {
	return queue.Periodic(river.PeriodicInterval(every), jobs.ScanFeeds{}, true)
}

// ScanWorker claims the due feeds and queues one PollFeed job for each.
type ScanWorker struct {
	river.WorkerDefaults[jobs.ScanFeeds]
	Poller *Poller
}

// Work runs one scan.
func (w *ScanWorker) Work(ctx context.Context, _ *river.Job[jobs.ScanFeeds]) error {
	_, err := w.Poller.QueueDue(ctx)
	return err
}

// PollWorker polls one feed.
type PollWorker struct {
	river.WorkerDefaults[jobs.PollFeed]
	Poller *Poller
}

// Work polls the job's feed.
func (w *PollWorker) Work(ctx context.Context, job *river.Job[jobs.PollFeed]) error {
	return w.Poller.PollFeed(ctx, job.Args.FeedID)
}

// Timeout gives a poll its fetch's time and a minute to write what it
// found; past that River cancels it, and the next scan tries again.
func (w *PollWorker) Timeout(*river.Job[jobs.PollFeed]) time.Duration {
	return w.Poller.opts.Timeout + time.Minute
}
