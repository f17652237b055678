package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RateLimit is a fixed-window counter kept in the database, so the limit
// holds across every instance that shares it.
type RateLimit struct {
	Key       string `gorm:"primaryKey"`
	Hits      int
	WindowEnd time.Time
}

// Hit counts one event for key and reports whether the key is still within
// limit events per window, and when the window ends. It is the Core's, so
// a domain package counts inside its own transaction (Store has it too).
func (s Core) Hit(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Time, error) {
	rl, err := s.count(ctx, key, window)
	if err != nil {
		return false, time.Time{}, err
	}
	return rl.Hits <= limit, rl.WindowEnd, nil
}

// count adds one to key's counter, starting a new window if the last one
// has ended, and returns the counter.
func (s Core) count(ctx context.Context, key string, window time.Duration) (RateLimit, error) {
	rows, err := s.countKeys(ctx, window, map[string]int{key: 1})
	if err != nil {
		return RateLimit{}, err
	}
	return rows[key], nil
}

// Backoff is a lock that grows with repeated failures: the first Free
// failures cost nothing; the next locks the key for Base, and each one
// after that doubles the lock, up to Max. The count is forgotten Forget
// after the last lock ends.
type Backoff struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// lock is how long the failures-th failure locks the key.
func (b Backoff) lock(failures int) time.Duration {
	if failures < b.Free {
		return 0
	}
	d := b.Base
	for i := b.Free; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Fail counts a failure for key and returns until when key is now locked
// (not after now when the failure was still free).
//
// The counter is a rate_limits row whose window ends Forget after the
// lock does, so the lock is the window's end less Forget, and the row is
// cleaned up with the other expired counters.
func (s *Store) Fail(ctx context.Context, key string, b Backoff) (time.Time, error) {
	rl, err := s.count(ctx, key, b.Forget)
	if err != nil {
		return time.Time{}, err
	}
	until := s.Now().Add(b.lock(rl.Hits))
	// Only ever extends: of two failures at once, the later lock wins.
	err = s.conn(ctx).Model(&RateLimit{}).Where("key = ? AND window_end < ?", key, until.Add(b.Forget)).
		Update("window_end", until.Add(b.Forget)).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return until, nil
}

// LockedUntil reports whether earlier failures lock key now, and until
// when.
func (s *Store) LockedUntil(ctx context.Context, key string, b Backoff) (bool, time.Time, error) {
	var rl RateLimit
	now := s.Now()
	err := s.conn(ctx).Where("key = ? AND window_end > ?", key, now).Limit(1).Find(&rl).Error
	if err != nil {
		return false, time.Time{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if rl.Key == "" || rl.Hits < b.Free {
		return false, time.Time{}, nil
	}
	until := rl.WindowEnd.Add(-b.Forget)
	return until.After(now), until, nil
}

// Blocked reports whether key has used up limit events in its current
// window, without counting a new one.
func (s Core) Blocked(ctx context.Context, key string, limit int) (bool, time.Time, error) {
	var rl RateLimit
	err := s.Conn(ctx).Where("key = ? AND window_end > ?", key, s.Now()).Limit(1).Find(&rl).Error
	if err != nil {
		return false, time.Time{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return rl.Key != "" && rl.Hits >= limit, rl.WindowEnd, nil
}

// ResetLimit forgets the count for key (after a successful login).
func (s *Store) ResetLimit(ctx context.Context, key string) error {
	if err := s.conn(ctx).Where("key = ?", key).Delete(&RateLimit{}).Error; err != nil {
		return fmt.Errorf("reset rate limit %s: %w", key, err)
	}
	return nil
}

// DeleteExpiredLimits removes counters whose window has ended.
func (s *Store) DeleteExpiredLimits(ctx context.Context) (int64, error) {
	res := s.conn(ctx).Where("window_end <= ?", s.Now()).Delete(&RateLimit{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired rate limits: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// TakeLimits is TakeLimit for many events at once, in one statement: one
// event of each of subjects (a subject may come more than once; each
// counts, in order) against l. It returns, for each, a *LimitError or nil.
// Group commits of web answers use it (project.Service), so that a batch
// of answers costs one round trip for its clients' counts, not one each.
func (s Core) TakeLimits(ctx context.Context, l Limit, subjects []string) ([]error, error) {
	counts, err := s.countMany(ctx, l, subjects)
	if err != nil {
		return nil, err
	}
	out := make([]error, len(subjects))
	seen := make(map[string]int, len(counts))
	for i, sub := range subjects {
		rl := counts[sub]
		seen[sub]++
		// The counter holds every event of the batch; this one is the
		// seen'th of them.
		if rl.Hits-rl.batch+seen[sub] > l.Max {
			out[i] = &LimitError{Limit: l, Until: rl.WindowEnd}
		}
	}
	return out, nil
}

// counted is a counter after a batch's events, with how many of them
// were the batch's.
type counted struct {
	RateLimit
	batch int
}

// countMany adds each subject's events to its counter against l and
// returns the counters by subject, with how many events were the batch's.
func (s Core) countMany(ctx context.Context, l Limit, subjects []string) (map[string]counted, error) {
	if len(subjects) == 0 {
		return nil, nil
	}
	n := make(map[string]int, len(subjects))
	for _, sub := range subjects {
		n[l.Key+":"+sub]++
	}
	rows, err := s.countKeys(ctx, l.Window, n)
	if err != nil {
		return nil, err
	}
	out := make(map[string]counted, len(rows))
	for key, rl := range rows {
		out[strings.TrimPrefix(key, l.Key+":")] = counted{RateLimit: rl, batch: n[key]}
	}
	return out, nil
}

// countKeys adds n[key] events to each key's counter in one statement,
// which resets a window that has ended or counts into the current one
// and returns the counters, so concurrent hits from several instances
// never lose a count. The keys go in sorted order, so two instances
// counting overlapping keys at once lock them in the same order and
// cannot deadlock.
func (s Core) countKeys(ctx context.Context, window time.Duration, n map[string]int) (map[string]RateLimit, error) {
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := s.Now()
	end := now.Add(window)
	st := s.Statement().SQL("INSERT INTO rate_limits (key, hits, window_end) VALUES ")
	for i, k := range keys {
		if i > 0 {
			st.SQL(", ")
		}
		st.SQL("(").Args(k, n[k], end).SQL(")")
	}
	st.SQL(` ON CONFLICT (key) DO UPDATE SET
		hits = CASE WHEN rate_limits.window_end <= `).Arg(now).SQL(` THEN excluded.hits ELSE rate_limits.hits + excluded.hits END,
		window_end = CASE WHEN rate_limits.window_end <= `).Arg(now).SQL(` THEN excluded.window_end ELSE rate_limits.window_end END
		RETURNING key, hits, window_end`)
	out := make(map[string]RateLimit, len(keys))
	err := s.QueryEach(ctx, st, func(scan func(...any) error) error {
		var rl RateLimit
		if err := scan(&rl.Key, &rl.Hits, &rl.WindowEnd); err != nil {
			return err
		}
		out[rl.Key] = rl
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rate limits %s: %w", strings.Join(keys[:min(len(keys), 3)], ", "), err)
	}
	if len(out) != len(keys) {
		return nil, fmt.Errorf("rate limits: %d counters came back for %d keys", len(out), len(keys))
	}
	return out, nil
}
