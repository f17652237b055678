package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Two Plaza instances on one database share a chat platform's access
// token: callers that find it missing at the same moment fetch it once,
// and a stale token is replaced once, not once per caller.
func TestAccessTokenSharedByInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		one := apptest.Start(t, dbURL)
		two := apptest.Start(t, dbURL)
		stores := []*models.Store{one.Store, two.Store}
		var fetches atomic.Int32
		fetch := func(ctx context.Context) (string, time.Duration, error) {
			n := fetches.Add(1)
			time.Sleep(50 * time.Millisecond)
			return fmt.Sprintf("token-%d", n), 2 * time.Hour, nil
		}
		all := func(stale string) map[string]int {
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					tok, err := stores[i%2].AccessToken(context.Background(), "wechat:wx1", stale, fetch)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[tok]++
					mu.Unlock()
				})
			}
			wg.Wait()
			return got
		}
		if got := all(""); len(got) != 1 || got["token-1"] != 16 || fetches.Load() != 1 {
			t.Fatalf("first fetch: %v after %d fetches", got, fetches.Load())
		}
		if got := all("token-1"); len(got) != 1 || got["token-2"] != 16 || fetches.Load() != 2 {
			t.Fatalf("refresh of a stale token: %v after %d fetches", got, fetches.Load())
		}
		// The token is stored encrypted.
		var raw string
		if err := one.DB.Gorm.Raw("SELECT token FROM chat_tokens WHERE key = ?", "wechat:wx1").Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if raw == "" || raw == "token-2" {
			t.Fatalf("stored token %q", raw)
		}
		// Another key is another token.
		tok, err := two.Store.AccessToken(context.Background(), "wechat:wx2", "", fetch)
		if err != nil || tok != "token-3" {
			t.Fatalf("second account: %q %v", tok, err)
		}
	})
}

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
