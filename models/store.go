// Package models holds Plaza's data types and the queries on them. It
// returns typed errors (ErrNotFound, ErrForbidden, *ValidationError) and
// never knows about HTTP.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
)

// Store is the entry point to every query. It is built once in main and
// passed to whoever needs it.
type Store struct {
	// Core is the part domain packages share; see Core.
	Core
	queue Enqueuer
	// limits are the anti-abuse rules (DefaultLimits when nil).
	limits *Limits
}

// Sealer encrypts credentials stored in the database (models/channel
// seals the channels' secrets with it).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// Job is a background job's arguments.
type Job = interface{ Kind() string }

// Enqueuer adds a job inside the transaction of the change that causes it,
// so the job exists exactly when the change does.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx *gorm.DB, job interface{ Kind() string }) error
}

// TxQueue is the job queue as package queue gives it: it joins a
// database/sql transaction and knows nothing of gorm.
type TxQueue interface {
	Enqueue(ctx context.Context, tx *sql.Tx, job interface{ Kind() string }) error
}

// Jobs adapts q to Enqueuer: it finds the database/sql transaction under
// gorm's, so a job commits or rolls back with the change that causes it.
func Jobs(q TxQueue) Enqueuer { return jobQueue{q} }

type jobQueue struct{ q TxQueue }

func (j jobQueue) Enqueue(ctx context.Context, tx *gorm.DB, job interface{ Kind() string }) error {
	sqlTx, _ := database.SQLTx(tx)
	return j.q.Enqueue(ctx, sqlTx, job)
}

// WithQueue returns a store that enqueues background jobs on q.
func (s *Store) WithQueue(q Enqueuer) *Store {
	c := *s
	c.queue = q
	return &c
}

// enqueue adds job to the queue; it must run inside Tx.
func (s *Store) enqueue(ctx context.Context, job Job) error {
	if s.queue == nil {
		return fmt.Errorf("enqueue %s: no queue configured", job.Kind())
	}
	return s.queue.Enqueue(ctx, s.db, job)
}

// NewStore wraps an open database. now may be nil for the wall clock.
func NewStore(db *database.DB, now func() time.Time) *Store {
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &Store{Core: Core{db: db.Gorm, dialect: db.Dialect, now: now}}
}

// DB exposes the gorm handle for packages that own their own tables.
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// ErrBusy is a write that could not start because the database was busy
// for too long: on SQLite, the other writes of this process held its one
// write connection for longer than the wait database.Options allows.
var ErrBusy = database.ErrBusy

// Tx runs fn in one transaction with a store bound to it. On SQLite the
// transaction holds the write connection until it ends, so fn must write
// through tx only: a write through the outer store would wait for the
// connection fn itself holds, and fail with ErrBusy.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	return s.conn(ctx).Transaction(func(g *gorm.DB) error {
		tx := *s
		tx.db = g
		return fn(&tx)
	})
}

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
