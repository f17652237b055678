// Package queue is Plaza's durable job queue: River on the same database
// (and the same *sql.DB) that gorm uses, so a job is enqueued in the same
// transaction as the change that caused it and survives a restart.
package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
)

// driver runs River on the pool every write goes through; on SQLite that
// is one connection, as River's SQLite driver advises, shared with gorm's
// writes so that they queue for it together.
func driver(db *database.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == database.Postgres {
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

// Migrate creates or upgrades River's own tables. They follow River's
// version rather than Plaza's numbered migrations.
func Migrate(ctx context.Context, db *database.DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return fmt.Errorf("queue migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	return nil
}

// Inserter enqueues jobs; it runs no workers, so the models can hold one
// without depending on what the workers need.
type Inserter struct {
	client *river.Client[*sql.Tx]
}

// cooldown is River's FetchCooldown for both clients. It also spaces
// the insert notifications a client sends: at most one per queue per
// cooldown, and a job inserted within it waits for the runners' next
// poll. At River's default of 100 ms, a notice published less than
// 100 ms after another job of its queue reached its first follower only
// at that poll, up to a second later (bench/README.md, "Publish to first
// delivery"); 10 ms leaves that to bursts, and a runner fetching at most
// a hundred times a second per queue.
const cooldown = 10 * time.Millisecond

// NewInserter builds an insert-only client.
func NewInserter(db *database.DB) (*Inserter, error) {
	c, err := river.NewClient(driver(db), &river.Config{FetchCooldown: cooldown})
	if err != nil {
		return nil, fmt.Errorf("queue inserter: %w", err)
	}
	return &Inserter{client: c}, nil
}

// ErrNoTransaction is returned when InsertTx is called outside a
// transaction: a job must commit or roll back with its cause.
var ErrNoTransaction = errors.New("enqueue needs a transaction")

// Enqueue adds job inside the transaction tx (nil: ErrNoTransaction).
// The models reach it through models.Jobs, which finds the transaction
// under gorm's: the queue itself knows nothing of gorm.
func (i *Inserter) Enqueue(ctx context.Context, tx *sql.Tx, job interface{ Kind() string }) error {
	if tx == nil {
		return ErrNoTransaction
	}
	if _, err := i.client.InsertTx(ctx, tx, job, InsertOpts(job)); err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// EnqueueMany adds jobs in a transaction of their own and returns how many
// were new: a job whose Unique twin is already waiting or running is left
// out. It is for work found by a scan, which the next scan would find
// again; work caused by a change goes through Enqueue, in the change's
// transaction.
func (i *Inserter) EnqueueMany(ctx context.Context, list []Job) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, len(list))
	for k, job := range list {
		params[k] = river.InsertManyParams{Args: job, InsertOpts: InsertOpts(job)}
	}
	res, err := i.client.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("enqueue %d %s jobs: %w", len(list), list[0].Kind(), err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// Job is what package jobs defines: arguments with a kind.
type Job = interface{ Kind() string }

// uniqueStates are the states in which a Unique job blocks its twin. A
// finished one does not: a follower's next digest, or a notice scheduled
// again after being taken back, needs a new job.
func uniqueStates() []rivertype.JobState {
	return []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}
}

// InsertOpts reads a job's priority, queue, attempts and uniqueness from
// the optional methods Priority() int, Queue() string, MaxAttempts() int
// and Unique() bool, so package jobs needs no River import.
func InsertOpts(job Job) *river.InsertOpts {
	var opts river.InsertOpts
	if p, ok := job.(interface{ Priority() int }); ok {
		opts.Priority = p.Priority()
	}
	if q, ok := job.(interface{ Queue() string }); ok {
		opts.Queue = q.Queue()
	}
	if m, ok := job.(interface{ MaxAttempts() int }); ok {
		opts.MaxAttempts = m.MaxAttempts()
	}
	if u, ok := job.(interface{ Unique() bool }); ok && u.Unique() {
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: uniqueStates()}
	}
	return &opts
}

// Periodic is a job the elected leader enqueues on schedule, named by its
// kind.
func Periodic(schedule river.PeriodicSchedule, job Job, runOnStart bool) *river.PeriodicJob {
	return river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) {
		return job, InsertOpts(job)
	}, &river.PeriodicJobOpts{ID: job.Kind(), RunOnStart: runOnStart})
}

// Options tune the worker client.
type Options struct {
	// MaxWorkers is how many jobs run at once.
	MaxWorkers int
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// Periodic jobs are enqueued by the elected leader only, so one
	// instance scans for due work instead of every instance.
	Periodic []*river.PeriodicJob
	// ListenURL, a PostgreSQL URL, lets the workers LISTEN for new jobs
	// (on a connection of their own: database/sql cannot LISTEN), so a job
	// enqueued by any instance wakes every instance at once instead of at
	// its next poll. SQLite needs none: River's SQLite driver passes the
	// same notifications through a table it polls every 50 ms.
	ListenURL string
}

// Runner works the jobs.
type Runner struct {
	client *river.Client[*sql.Tx]
	listen *pgxpool.Pool
}

// NewRunner builds the client that runs workers.
func NewRunner(db *database.DB, workers *river.Workers, log *slog.Logger, o Options) (*Runner, error) {
	if o.MaxWorkers <= 0 {
		o.MaxWorkers = 10
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	drv := driver(db)
	var listen *pgxpool.Pool
	if db.Dialect == database.Postgres && o.ListenURL != "" {
		cfg, err := pgxpool.ParseConfig(o.ListenURL)
		if err != nil {
			return nil, fmt.Errorf("queue listener: %w", err)
		}
		// River takes the one connection it listens on out of the pool.
		cfg.MinConns, cfg.MaxConns = 0, 1
		if listen, err = pgxpool.NewWithConfig(context.Background(), cfg); err != nil {
			return nil, fmt.Errorf("queue listener: %w", err)
		}
		drv = riverdatabasesql.NewWithPgxListener(db.SQL, listen)
	}
	c, err := river.NewClient(drv, &river.Config{
		Queues: map[string]river.QueueConfig{
			jobs.QueueEmergency: {MaxWorkers: 2},
			jobs.QueueDefault:   {MaxWorkers: o.MaxWorkers},
			jobs.QueueMail:      {MaxWorkers: 4},
			jobs.QueueFeeds:     {MaxWorkers: 4},
		},
		Workers:           workers,
		PeriodicJobs:      o.Periodic,
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, cooldown),
		Logger:            log,
		JobTimeout:        time.Minute,
		// The scans run every few seconds: a day of their finished jobs
		// would be some 100,000 rows that nobody reads.
		CompletedJobRetentionPeriod: time.Hour,
	})
	if err != nil {
		if listen != nil {
			listen.Close()
		}
		return nil, fmt.Errorf("queue runner: %w", err)
	}
	return &Runner{client: c, listen: listen}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops fetching.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Close releases the listener's pool; call it after Stop.
func (r *Runner) Close() {
	if r.listen != nil {
		r.listen.Close()
	}
}

// Subscribe exposes River's event stream, for tests that wait for jobs.
func (r *Runner) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return r.client.Subscribe(kinds...)
}
