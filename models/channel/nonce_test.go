package channel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// A (timestamp, nonce) pair is taken once per account, given back when
// its message could not be handled, and forgotten once its window ends.
func TestWeChatNonces(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, ctx := a.Channels, context.Background()
		later := time.Now().Add(5 * time.Minute)
		claim := func(ts int64, nonce string, expires time.Time, want bool) {
			t.Helper()
			got, err := s.ClaimWeChatNonce(ctx, f.Account.ID, ts, nonce, expires)
			if err != nil || got != want {
				t.Fatalf("claim (%d, %s) = %v, %v; want %v", ts, nonce, got, err, want)
			}
		}
		claim(100, "n1", later, true)
		claim(100, "n1", later, false)
		claim(100, "n2", later, true)
		claim(101, "n1", later, true)
		// A claim in a transaction that fails is given back with the
		// rollback (how the router takes it with its message).
		errFailed := errors.New("the message could not be handled")
		if err := a.Store.Tx(ctx, func(tx *models.Store) error {
			if got, err := s.With(tx.Core).ClaimWeChatNonce(ctx, f.Account.ID, 300, "n3", later); err != nil || !got {
				t.Fatalf("claim in a transaction = %v, %v", got, err)
			}
			return errFailed
		}); !errors.Is(err, errFailed) {
			t.Fatal(err)
		}
		claim(300, "n3", later, true)

		claim(200, "old", time.Now().Add(-time.Second), true)
		claim(201, "new", later, true)
		// Housekeeping forgets the expired pair, and only that one.
		if gone, err := s.DeleteExpiredWeChatNonces(ctx); err != nil || gone != 1 {
			t.Fatalf("housekeeping removed %d pairs, %v; want the 1 expired", gone, err)
		}
		var n int64
		if err := a.DB.Gorm.Raw("SELECT COUNT(*) FROM wechat_nonces WHERE nonce = 'old'").Scan(&n).Error; err != nil || n != 0 {
			t.Fatalf("expired pair still kept: %d %v", n, err)
		}
	})
}
