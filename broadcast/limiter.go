package broadcast

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"
)

// Limiter is a token bucket per key (a channel, an account) kept in the
// database, so every instance draws from the same bucket: a chat API that
// allows 30 messages a second gets 30 in all, not 30 per instance. A bucket
// holds at most one second of tokens, and refills continuously.
type Limiter struct {
	db      *gorm.DB
	dialect database.Dialect
}

// NewLimiter builds a limiter on the store's database.
func NewLimiter(db *gorm.DB, dialect database.Dialect) *Limiter {
	return &Limiter{db: db, dialect: dialect}
}

type bucket struct {
	Key       string `gorm:"primaryKey"`
	Tokens    float64
	UpdatedAt time.Time
}

func (bucket) TableName() string { return "send_buckets" }

// Take grants up to want tokens from key's bucket, refilled at rate per
// second. When it grants fewer than want, wait says when the next token
// will be there.
func (l *Limiter) Take(ctx context.Context, key string, rate float64, want int, now time.Time) (int, time.Duration, error) {
	if rate <= 0 || want <= 0 {
		return want, 0, nil
	}
	burst := math.Max(rate, 1)
	var granted int
	var wait time.Duration
	err := l.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO send_buckets (key, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			key, burst, now).Error; err != nil {
			return err
		}
		var b bucket
		q := tx
		if l.dialect == database.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Where("key = ?", key).First(&b).Error; err != nil {
			return err
		}
		elapsed := now.Sub(b.UpdatedAt).Seconds()
		if elapsed < 0 {
			// Another instance's clock is ahead: refill nothing rather
			// than drain the bucket.
			elapsed = 0
		}
		tokens := math.Min(burst, b.Tokens+elapsed*rate)
		granted = min(want, int(math.Floor(tokens)))
		tokens -= float64(granted)
		if granted < want {
			wait = time.Duration((1 - (tokens - math.Floor(tokens))) / rate * float64(time.Second))
		}
		// The bucket's time never goes back: a worker whose clock reading
		// is older than the last Take's must not make the next Take
		// credit the same interval twice.
		at := now
		if b.UpdatedAt.After(at) {
			at = b.UpdatedAt
		}
		return tx.Exec(`UPDATE send_buckets SET tokens = ?, updated_at = ? WHERE key = ?`, tokens, at, key).Error
	})
	if err != nil {
		return 0, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return granted, wait, nil
}

// Refund returns tokens taken but not used.
func (l *Limiter) Refund(ctx context.Context, key string, rate float64, n int) error {
	if rate <= 0 || n <= 0 {
		return nil
	}
	err := l.db.WithContext(ctx).Exec(`UPDATE send_buckets SET tokens = tokens + ? WHERE key = ?`, n, key).Error
	if err != nil {
		return fmt.Errorf("refund rate limit %s: %w", key, err)
	}
	return nil
}
