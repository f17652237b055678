package channel

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// With is the service bound to tx, for a caller that claims a nonce in
// the transaction of its own work (the router, with its message).
func (s *Service) With(tx models.Core) *Service {
	c := *s
	c.core = tx
	return &c
}

// ClaimWeChatNonce records that a WeChat callback to account with the
// given timestamp and nonce was taken, until expires (the end of the
// timestamp window). It returns false when the pair was taken before: a
// replay of a signed URL, by WeChat's protocol never a new message. The
// table is shared by every instance, so a replay to another instance is
// caught too. The router claims it in the transaction that handles the
// message (With), so a message that fails gives it back with the
// rollback. Expired pairs are removed by housekeeping
// (DeleteExpiredWeChatNonces), not on every message.
func (s *Service) ClaimWeChatNonce(ctx context.Context, accountID, ts int64, nonce string, expires time.Time) (bool, error) {
	res := s.core.Conn(ctx).Exec(`INSERT INTO wechat_nonces (account_id, ts, nonce, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, ts, nonce) DO NOTHING`, accountID, ts, nonce, expires.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("claim WeChat nonce: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// DeleteExpiredWeChatNonces forgets the pairs whose window has ended: a
// replay of one fails the timestamp check anyway.
func (s *Service) DeleteExpiredWeChatNonces(ctx context.Context) (int64, error) {
	res := s.core.Conn(ctx).Exec("DELETE FROM wechat_nonces WHERE expires_at < ?", s.core.Now())
	if res.Error != nil {
		return 0, fmt.Errorf("forget expired WeChat nonces: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ClaimWeChatNonceIn is ClaimWeChatNonce in the transaction tx.
func (s *Service) ClaimWeChatNonceIn(ctx context.Context, tx models.Core, accountID, ts int64, nonce string, expires time.Time) (bool, error) {
	return s.With(tx).ClaimWeChatNonce(ctx, accountID, ts, nonce, expires)
}
