package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// On SQLite, a transaction waits for the process's other transactions and
// gives up with its request instead of hanging.
func TestSQLiteTransactionsQueue(t *testing.T) {
	a := apptest.Start(t, apptest.SQLiteURL(t))
	s := a.Store
	held := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Tx(context.Background(), func(*models.Store) error {
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-first:
		t.Fatalf("the first transaction ended before it began: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the first transaction did not begin")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Tx(ctx, func(*models.Store) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a transaction waiting past its deadline: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Tx(context.Background(), func(*models.Store) error { return nil }) }()
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the next transaction did not start when the first ended")
	}
	// A transaction inside one does not wait for itself.
	if err := s.Tx(context.Background(), func(tx *models.Store) error {
		return tx.Tx(context.Background(), func(*models.Store) error { return nil })
	}); err != nil {
		t.Fatal(err)
	}
}
