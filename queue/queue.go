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

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/jobs"
)

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

// NewInserter builds an insert-only client.
func NewInserter(db *database.DB) (*Inserter, error) {
	c, err := river.NewClient(driver(db), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("queue inserter: %w", err)
	}
	return &Inserter{client: c}, nil
}

// ErrNoTransaction is returned when InsertTx is called outside a
// transaction: a job must commit or roll back with its cause.
var ErrNoTransaction = errors.New("enqueue needs a transaction")

// Enqueue adds job inside the gorm transaction tx.
func (i *Inserter) Enqueue(ctx context.Context, tx *gorm.DB, job interface{ Kind() string }) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return ErrNoTransaction
	}
	if _, err := i.client.InsertTx(ctx, sqlTx, job, InsertOpts(job)); err != nil {
		return fmt.Errorf("enqueue %s: %w", job.Kind(), err)
	}
	return nil
}

// InsertOpts reads a job's priority, queue, attempts and uniqueness from
// the optional methods Priority() int, Queue() string, MaxAttempts() int
// and Unique() bool, so package jobs needs no River import.
func InsertOpts(job interface{ Kind() string }) *river.InsertOpts {
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
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: unfinished()}
	}
	return &opts
}

// unfinished are the states in which a unique job blocks a copy of itself.
// River's default also counts completed jobs, which would block the same
// job until the cleaner removes the old one; a unique job here means "not
// twice at once", not "once ever".
func unfinished() []rivertype.JobState {
	return []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}
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
}

// Runner works the jobs.
type Runner struct {
	client *river.Client[*sql.Tx]
}

// NewRunner builds the client that runs workers.
func NewRunner(db *database.DB, workers *river.Workers, log *slog.Logger, o Options) (*Runner, error) {
	if o.MaxWorkers <= 0 {
		o.MaxWorkers = 10
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	c, err := river.NewClient(driver(db), &river.Config{
		Queues: map[string]river.QueueConfig{
			jobs.QueueEmergency: {MaxWorkers: 2},
			jobs.QueueDefault:   {MaxWorkers: o.MaxWorkers},
			jobs.QueueMail:      {MaxWorkers: 4},
			jobs.QueueFeeds:     {MaxWorkers: 4},
		},
		Workers:           workers,
		PeriodicJobs:      o.Periodic,
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, 100*time.Millisecond),
		Logger:            log,
		JobTimeout:        time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("queue runner: %w", err)
	}
	return &Runner{client: c}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets running jobs finish (until ctx ends) and stops fetching.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Subscribe exposes River's event stream, for tests that wait for jobs.
func (r *Runner) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return r.client.Subscribe(kinds...)
}
