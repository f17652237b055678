package models_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// TestConcurrentWritersOfEveryKind: the writers Plaza has, all at once
// while the app's own workers run: transactions of the models, one of
// which enqueues a River job in its transaction, a raw UPDATE through the
// gorm handle as the broadcast ledger sends it, the send limiter's
// transaction, and rate-limit hits outside any transaction. None fails;
// on SQLite none meets "database is locked", because they queue for the
// one write connection instead of racing for the file's lock.
func TestConcurrentWritersOfEveryKind(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := t.Context()
		s := a.Store
		limiter := broadcast.NewLimiter(s.DB(), s.Dialect())
		const rounds = 15
		var wg sync.WaitGroup
		errs := make(chan error, 6*rounds)
		report := func(what string, i int, err error) {
			if err != nil {
				errs <- fmt.Errorf("%s %d: %w", what, i, err)
			}
		}
		for i := range rounds {
			wg.Go(func() {
				_, err := a.Followers.RequestFollow(ctx, follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail,
					Address: fmt.Sprintf("writer%d@example.org", i)})
				report("follow request (transaction with a River insert)", i, err)
			})
			wg.Go(func() {
				report("transaction", i, s.Tx(ctx, func(tx *models.Store) error {
					return tx.DB().WithContext(ctx).Exec(`UPDATE organizations SET name = name WHERE id = ?`, f.Org.ID).Error
				}))
			})
			wg.Go(func() {
				report("raw update", i, s.DB().WithContext(ctx).Exec(`UPDATE accounts SET updated_at = ? WHERE id = ?`, time.Now().UTC(), f.Account.ID).Error)
			})
			wg.Go(func() {
				_, _, err := limiter.Take(ctx, "writers-test", 1000, 1, time.Now().UTC())
				report("limiter", i, err)
			})
			wg.Go(func() {
				_, _, err := s.Hit(ctx, fmt.Sprintf("writers-test:%d", i%3), 1000, time.Hour)
				report("rate-limit hit", i, err)
			})
			wg.Go(func() {
				_, err := a.Accounts.AccountByID(ctx, f.Account.ID)
				report("read", i, err)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var followers, mails int64
		if err := s.DB().Model(&models.Follower{}).Where("address LIKE 'writer%'").Count(&followers).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Table("river_job").Where("kind = 'follower_mail'").Count(&mails).Error; err != nil {
			t.Fatal(err)
		}
		if followers != rounds || mails < rounds {
			t.Fatalf("%d followers and %d mail jobs; want %d and at least %d", followers, mails, rounds, rounds)
		}
	})
}

// TestSQLiteWriteGivesUpWhenBusy: a write that cannot get SQLite's write
// connection in time fails with ErrBusy (which the HTTP layer answers with
// 503), whether it is a transaction or a single statement, and a
// transaction that writes through the outer store, waiting for the
// connection it holds itself, ends the same way instead of hanging.
func TestSQLiteWriteGivesUpWhenBusy(t *testing.T) {
	ctx := t.Context()
	db, err := database.OpenOptions(ctx, apptest.SQLiteURL(t), database.Options{WriteWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := app.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	s := models.NewStore(db, nil)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(*models.Store) error {
		t.Error("the transaction ran without the write connection")
		return nil
	})
	if !errors.Is(err, models.ErrBusy) {
		t.Errorf("transaction while the writer is held: %v, want ErrBusy", err)
	}
	if _, _, err := s.Hit(ctx, "busy", 5, time.Minute); !errors.Is(err, models.ErrBusy) {
		t.Errorf("rate-limit hit while the writer is held: %v, want ErrBusy", err)
	}
	if _, _, err := s.Blocked(ctx, "busy", 5); err != nil {
		t.Errorf("a read while the writer is held: %v", err)
	}
	conn.Close()

	err = s.Tx(ctx, func(*models.Store) error {
		_, _, err := s.Hit(ctx, "outer", 5, time.Minute)
		return err
	})
	if !errors.Is(err, models.ErrBusy) {
		t.Errorf("a write through the outer store inside a transaction: %v, want ErrBusy", err)
	}
	err = s.Tx(ctx, func(tx *models.Store) error {
		_, _, err := tx.Hit(ctx, "inner", 5, time.Minute)
		return err
	})
	if err != nil {
		t.Errorf("a write through the transaction's store: %v", err)
	}
	var n int64
	if err := s.DB().Model(&models.RateLimit{}).Where("key = 'inner'").Count(&n).Error; err != nil || n != 1 {
		t.Errorf("the committed hit: %d rows, %v", n, err)
	}
}
