// Package models holds Plaza's data types and the queries on them. It
// returns typed errors (ErrNotFound, ErrForbidden, *ValidationError) and
// never knows about HTTP.
package models

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
)

// Store is the entry point to every query. It is built once in main and
// passed to whoever needs it.
type Store struct {
	db      *gorm.DB
	dialect database.Dialect
	now     func() time.Time
	queue   Enqueuer
	sealer  Sealer
	// broadcaster starts broadcasts; package broadcast provides it.
	broadcaster Broadcaster
	// chat caches chat channels' settings for the endpoints platforms
	// call; shared by the copies With* and Tx make.
	chat *chatCache
	// writer queues this process's transactions on SQLite, which runs one
	// writer at a time: waiting here wakes the next one as soon as the
	// database is free, where SQLite's busy handler sleeps and polls (tens
	// of milliseconds under load). A one-slot channel rather than a mutex,
	// so a wait gives up with the request or after writerWait instead of
	// hanging. nil on PostgreSQL.
	writer *sync.Mutex
	inTx   bool
}

// Sealer encrypts credentials stored in the database.
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// WithSealer returns a store that encrypts channel credentials with k.
func (s *Store) WithSealer(k Sealer) *Store {
	c := *s
	c.sealer = k
	return &c
}

// Job is a background job's arguments.
type Job = interface{ Kind() string }

// Enqueuer adds a job inside the transaction of the change that causes it,
// so the job exists exactly when the change does.
type Enqueuer interface {
	Enqueue(ctx context.Context, tx *gorm.DB, job interface{ Kind() string }) error
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
	st := &Store{db: db.Gorm, dialect: db.Dialect, now: now, chat: newChatCache()}
	if db.Dialect == database.SQLite {
		st.writer = &sync.Mutex{}
	}
	return st
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Dialect says which database the store is on.
func (s *Store) Dialect() database.Dialect { return s.dialect }

// DB exposes the gorm handle for packages that own their own tables.
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// writerWait bounds how long a transaction waits for the others of this
// process on SQLite (as long as SQLite's own busy timeout).
const writerWait = 10 * time.Second

// ErrBusy is a transaction that could not start because the database was
// busy for too long.
var ErrBusy = errors.New("the database is busy")

// Tx runs fn in one transaction with a store bound to it.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.writer != nil && !s.inTx {
		if err := s.lockWriter(ctx); err != nil {
			return err
		}
		defer s.writer.Unlock()
	}
	return s.conn(ctx).Transaction(func(g *gorm.DB) error {
		return fn(&Store{db: g, dialect: s.dialect, now: s.now, queue: s.queue, sealer: s.sealer, broadcaster: s.broadcaster, chat: s.chat, writer: s.writer, inTx: true})
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

// lockWriter takes the SQLite writer lock. The lock is a mutex, whose
// hand-over under contention is much cheaper than a channel's; a wait
// that has to block runs in a helper goroutine so it can give up with the
// request or after writerWait.
func (s *Store) lockWriter(ctx context.Context) error {
	if s.writer.TryLock() {
		return nil
	}
	got := make(chan struct{})
	go func() {
		s.writer.Lock()
		close(got)
	}()
	wait := time.NewTimer(writerWait)
	defer wait.Stop()
	var err error
	select {
	case <-got:
		return nil
	case <-ctx.Done():
		err = fmt.Errorf("wait for the database: %w", ctx.Err())
	case <-wait.C:
		err = fmt.Errorf("wait for the database: %w", ErrBusy)
	}
	// The helper still gets the lock in its turn: hand it straight back.
	go func() {
		<-got
		s.writer.Unlock()
	}()
	return err
}
