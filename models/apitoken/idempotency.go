package apitoken

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
// Status 0 means the first request with the key is still running.
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Response    string
}

// ErrIdempotencyReused is returned when a key comes back with a different
// request.
var ErrIdempotencyReused = errors.New("idempotency key reused with a different request")

const (
	// IdempotencyLease is how long a claimed key stays "in progress"
	// before a retry of the same request may take it over: an instance
	// that crashed (or lost its database) mid-request never finishes or
	// releases its claim, and without a lease every retry would be
	// refused forever. API requests take well under a second, so a
	// minute is far beyond a live request.
	IdempotencyLease = time.Minute
	// IdempotencyKeyLife is how long a key and its stored response are
	// kept: clients retry within minutes, and a day covers a retry after
	// an outage. An older key is new again, and housekeeping deletes it.
	IdempotencyKeyLife = 24 * time.Hour
)

// ClaimIdempotencyKey reserves (token, key) for this request. It returns
// nil when the caller now owns the key and must run the request, then
// call FinishIdempotencyKey (or ReleaseIdempotencyKey if it failed);
// otherwise the response stored by the first request (Status 0 while that
// one is still running). Reserving before running is what keeps two
// identical requests racing each other from both publishing.
//
// The caller also owns a key past IdempotencyKeyLife, whatever it held,
// and a claim of the same request left in progress for longer than
// IdempotencyLease. One upsert decides, so of two retries racing for a
// stale claim only one takes it over.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, tokenID int64, key, requestHash string) (*IdempotentResponse, error) {
	now := s.core.Now()
	res := s.core.Conn(ctx).Exec(`INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at)
		VALUES (?, ?, ?, 0, '', ?)
		ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 0, response = '',
			created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ?
			OR (idempotency_keys.status = 0 AND idempotency_keys.request_hash = excluded.request_hash
				AND idempotency_keys.created_at < ?)`,
		tokenID, key, requestHash, now, now.Add(-IdempotencyKeyLife), now.Add(-IdempotencyLease))
	if res.Error != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var r IdempotentResponse
	if err := s.core.Conn(ctx).Table("idempotency_keys").Select("request_hash, status, response").
		Where("token_id = ? AND key = ?", tokenID, key).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if r.RequestHash != requestHash {
		return nil, ErrIdempotencyReused
	}
	return &r, nil
}

// DeleteExpiredIdempotencyKeys removes keys older than IdempotencyKeyLife,
// for housekeeping; ClaimIdempotencyKey already treats them as new.
func (s *Service) DeleteExpiredIdempotencyKeys(ctx context.Context) (int64, error) {
	res := s.core.Conn(ctx).Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, s.core.Now().Add(-IdempotencyKeyLife))
	if res.Error != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// FinishIdempotencyKey stores the response of a claimed key.
func (s *Service) FinishIdempotencyKey(ctx context.Context, tokenID int64, key string, status int, body string) error {
	err := s.core.Conn(ctx).Exec(`UPDATE idempotency_keys SET status = ?, response = ? WHERE token_id = ? AND key = ?`,
		status, body, tokenID, key).Error
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed on our
// side, so the client's retry runs it again.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, tokenID int64, key string) error {
	err := s.core.Conn(ctx).Exec(`DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND status = 0`, tokenID, key).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
