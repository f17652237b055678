package broadcast

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// DigestSender sends one e-mail that gathers several notices; the e-mail
// channel implements it.
type DigestSender interface {
	SendDigest(ctx context.Context, to Recipient, period string, items []*Content) Result
}

type digestFollower struct {
	ID           int64
	AccountID    int64
	Address      string
	Name         string
	Language     string
	Digest       string
	DigestSentAt *time.Time
	SendRate     int
}

// dueDigest is the condition on followers f whose digest is due at
// (dayAgo, weekAgo): e-mail followers with held notices whose last digest
// is a period old (or who switched back to immediate delivery).
const dueDigest = `EXISTS (SELECT 1 FROM deliveries d WHERE d.follower_id = f.id AND d.digest AND d.status = 'held')
	AND f.channel = 'email' AND f.status = 'active'
	AND (f.digest_sent_at IS NULL OR (f.digest = 'daily' AND f.digest_sent_at <= ?) OR (f.digest = 'weekly' AND f.digest_sent_at <= ?)
		OR f.digest = 'immediate')`

func digestHorizons(now time.Time) (dayAgo, weekAgo time.Time) {
	return now.Add(-24 * time.Hour), now.Add(-7 * 24 * time.Hour)
}

// DueDigests lists up to limit followers whose digest is due.
func (e *Engine) DueDigests(ctx context.Context, limit int) ([]int64, error) {
	dayAgo, weekAgo := digestHorizons(e.opts.Now())
	var ids []int64
	err := e.store.DB().WithContext(ctx).Raw(`SELECT f.id FROM followers f WHERE `+dueDigest+` ORDER BY f.id LIMIT ?`,
		dayAgo, weekAgo, limit).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("due digests: %w", err)
	}
	return ids, nil
}

// DigestWorker sends one follower's digest.
type DigestWorker struct {
	river.WorkerDefaults[jobs.Digest]
	Engine *Engine
	Sender DigestSender
}

// Work sends the digest, or puts the job back for when the rate limits
// allow another message.
func (w *DigestWorker) Work(ctx context.Context, job *river.Job[jobs.Digest]) error {
	wait, err := w.Engine.SendDigest(ctx, w.Sender, job.Args.FollowerID)
	if err != nil {
		return err
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return nil
}

// SendDigest sends followerID's digest if it is due. A digest is a message
// like any other: it takes a token from the e-mail channel's bucket and
// from the account's; when either is empty nothing is sent and wait says
// when to try again. The follower is claimed by moving their
// digest_sent_at with a conditional update, so two instances never send
// the same digest; if the send fails the claim is given back, the notices
// stay held and the error makes the job retry.
func (e *Engine) SendDigest(ctx context.Context, sender DigestSender, followerID int64) (wait time.Duration, err error) {
	if sender == nil {
		return 0, nil
	}
	now := e.opts.Now()
	dayAgo, weekAgo := digestHorizons(now)
	var due []digestFollower
	if err := e.store.DB().WithContext(ctx).Raw(`SELECT f.id, f.account_id, f.address, f.name, f.language, f.digest, f.digest_sent_at,
		a.send_rate FROM followers f JOIN accounts a ON a.id = f.account_id WHERE f.id = ? AND `+dueDigest,
		followerID, dayAgo, weekAgo).Scan(&due).Error; err != nil {
		return 0, fmt.Errorf("digest of follower %d: %w", followerID, err)
	}
	if len(due) == 0 {
		return 0, nil
	}
	f := due[0]
	refund, wait, err := e.digestTokens(ctx, f, now)
	if err != nil || wait > 0 {
		return wait, err
	}
	used, err := e.digest(ctx, sender, f, now)
	if !used {
		if rerr := refund(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return 0, fmt.Errorf("digest of follower %d: %w", f.ID, err)
	}
	return 0, nil
}

// digestTokens takes one token from the e-mail channel's bucket and one
// from the account's. When one is empty it gives back the other and says
// how long to wait; otherwise refund gives both back, for a digest that
// was not sent after all.
func (e *Engine) digestTokens(ctx context.Context, f digestFollower, now time.Time) (refund func(context.Context) error, wait time.Duration, err error) {
	type bucket struct {
		key  string
		rate float64
	}
	buckets := []bucket{
		{"channel:" + models.ChannelEmail, e.opts.ChannelRates[models.ChannelEmail]},
		{"account:" + strconv.FormatInt(f.AccountID, 10), float64(f.SendRate)},
	}
	var taken []bucket
	refund = func(ctx context.Context) error {
		var errs []error
		for _, b := range taken {
			errs = append(errs, e.limiter.Refund(ctx, b.key, b.rate, 1))
		}
		return errors.Join(errs...)
	}
	for _, b := range buckets {
		granted, w, err := e.limiter.Take(ctx, b.key, b.rate, 1, now)
		if err == nil && granted == 1 {
			taken = append(taken, b)
			continue
		}
		if rerr := refund(context.WithoutCancel(ctx)); rerr != nil || err != nil {
			return nil, 0, errors.Join(err, rerr)
		}
		return nil, max(w, 50*time.Millisecond), nil
	}
	return refund, 0, nil
}

// digest claims, renders, sends and records one follower's digest, and
// reports whether a message was handed to the mail server (and so used
// its tokens).
func (e *Engine) digest(ctx context.Context, sender DigestSender, f digestFollower, now time.Time) (bool, error) {
	db := e.store.DB()
	claimed, err := follower.ClaimDigest(ctx, db, f.ID, f.DigestSentAt, now)
	if err != nil || !claimed {
		return false, err
	}
	release := func() error { return follower.ReleaseDigest(context.WithoutCancel(ctx), db, f.ID, f.DigestSentAt) }
	held, items, err := e.digestItems(ctx, f)
	if err != nil || len(items) == 0 {
		// Nothing went out: what is still held stays due.
		return false, errors.Join(err, release())
	}
	period := f.Digest
	if period == models.DigestImmediate {
		// They switched back to immediate delivery: what was held goes
		// out now, gathered in one message.
		period = models.DigestDaily
	}
	sctx, cancel := context.WithTimeout(ctx, e.opts.SendTimeout)
	res := sender.SendDigest(sctx, Recipient{FollowerID: f.ID, Channel: models.ChannelEmail, Address: f.Address,
		Name: f.Name, Language: f.Language}, period, items)
	cancel()
	if res.Outcome == Retry {
		return true, errors.Join(fmt.Errorf("send digest: %s", reasonOr(res.Reason, "temporary failure")), release())
	}
	// Record even if ctx ended meanwhile: the message went out, and the
	// ledger must say so, or it would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := e.recordDigest(rctx, f, held, res, now); err != nil {
		return true, err
	}
	return true, nil
}

// digestItems renders the follower's held notices.
func (e *Engine) digestItems(ctx context.Context, f digestFollower) ([]int64, []*Content, error) {
	var held []int64
	if err := e.store.DB().WithContext(ctx).Raw(`SELECT broadcast_id FROM deliveries WHERE follower_id = ? AND digest AND status = 'held' ORDER BY broadcast_id`, f.ID).
		Scan(&held).Error; err != nil {
		return nil, nil, fmt.Errorf("held notices: %w", err)
	}
	var items []*Content
	for _, b := range held {
		c, err := e.render.content(ctx, b, f.Language)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, c)
	}
	return held, items, nil
}

// recordDigest moves the digest's held deliveries to sent or failed, with
// the broadcasts' counters, and ends the follow when the mailbox is gone.
func (e *Engine) recordDigest(ctx context.Context, f digestFollower, held []int64, res Result, now time.Time) error {
	status, reason := DeliverySent, ""
	if res.Outcome == Failed {
		status, reason = DeliveryFailed, reasonOr(res.Reason, "failed")
	}
	err := e.store.DB().WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, b := range held {
			res := tx.Exec(`UPDATE deliveries SET status = ?, reason = ?, next_at = ?, attempts = attempts + 1
				WHERE broadcast_id = ? AND follower_id = ? AND status = 'held'`, status, reason, now, b, f.ID)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			col := "sent"
			if status == DeliveryFailed {
				col = "failed"
			}
			if err := tx.Exec(`UPDATE broadcasts SET held = held - 1, `+col+` = `+col+` + 1 WHERE id = ?`, b).Error; err != nil {
				return err
			}
		}
		if res.Bounce || res.Unsubscribe {
			end := models.StatusBounced
			if res.Unsubscribe {
				end = models.StatusUnsubscribed
			}
			return follower.EndFollows(ctx, tx, f.AccountID, []int64{f.ID}, end, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record digest: %w", err)
	}
	return nil
}
