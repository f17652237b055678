package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
)

// Options tune the engine. Zero values take the defaults.
type Options struct {
	// Workers is how many batches this instance sends at once.
	Workers int
	// BatchSize is how many deliveries a worker claims at a time: at most
	// this many can be sent twice if the process dies mid-batch.
	BatchSize int
	// Concurrency is how many messages of one batch are in flight at once.
	Concurrency int
	// Lease is how long a claimed batch belongs to its worker.
	Lease time.Duration
	// Poll is how often idle workers look for new broadcasts.
	Poll time.Duration
	// MaxAttempts is how many times a delivery is tried before it is dead.
	MaxAttempts int
	// Backoff is the first retry's delay; each retry doubles it, up to
	// MaxBackoff, with jitter.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// SendTimeout bounds one message.
	SendTimeout time.Duration
	// ChannelRates caps messages per second per channel across instances.
	ChannelRates map[string]float64
	// BaseURL starts the links to notice pages.
	BaseURL string
	// Location formats times in messages.
	Location *time.Location
	// Now is the clock (nil: the wall clock).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.Backoff <= 0 {
		o.Backoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
}

// Engine materializes broadcasts and sends their deliveries.
type Engine struct {
	store    *models.Store
	ledger   *ledger
	limiter  *Limiter
	render   *renderer
	channels map[string]Channel
	log      *slog.Logger
	opts     Options
	// wake tells idle workers of this instance that a broadcast opened.
	wake chan struct{}
	// handled counts deliveries this instance finished, for metrics.
	handled atomic.Int64
}

// New builds an engine sending through channels.
func New(store *models.Store, channels []Channel, log *slog.Logger, opts Options) *Engine {
	opts.defaults()
	byName := map[string]Channel{}
	for _, c := range channels {
		byName[c.Name()] = c
	}
	db := store.DB()
	return &Engine{
		store:    store,
		ledger:   &ledger{db: db, dialect: store.Dialect()},
		limiter:  NewLimiter(db, store.Dialect()),
		render:   &renderer{db: db, baseURL: opts.BaseURL, loc: opts.Location},
		channels: byName,
		log:      log,
		opts:     opts,
		wake:     make(chan struct{}, 1),
	}
}

// Handled is how many deliveries this instance has finished (any outcome).
func (e *Engine) Handled() int64 { return e.handled.Load() }

// Materialize writes a broadcast's deliveries and wakes the workers.
func (e *Engine) Materialize(ctx context.Context, id int64) error {
	start := time.Now()
	b, err := e.ledger.materialize(ctx, id, e.opts.Now)
	if err != nil {
		return err
	}
	if b.Status == models.BroadcastSending {
		e.log.Info("broadcast materialized", "broadcast", b.ID, "deliveries", b.Total, "held", b.Held,
			"emergency", b.Emergency(), "took", time.Since(start).Round(time.Millisecond))
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// MaterializeWorker runs Materialize for the job that publishing queued.
type MaterializeWorker struct {
	river.WorkerDefaults[jobs.Materialize]
	Engine *Engine
}

// Work materializes the job's broadcast.
func (w *MaterializeWorker) Work(ctx context.Context, job *river.Job[jobs.Materialize]) error {
	return w.Engine.Materialize(ctx, job.Args.BroadcastID)
}

// Timeout allows a million-row INSERT ... SELECT on a slow disk.
func (w *MaterializeWorker) Timeout(*river.Job[jobs.Materialize]) time.Duration {
	return 10 * time.Minute
}

// Run sends deliveries until ctx ends, then finishes and records the
// batches in flight (their sends are bounded by SendTimeout) and returns.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range e.opts.Workers {
		wg.Go(func() { e.worker(ctx, i) })
	}
	wg.Wait()
}

// worker repeatedly picks the most urgent broadcast with work and sends
// one batch of it. Picking again after every batch is what lets an
// emergency broadcast overtake ordinary ones already under way.
func (e *Engine) worker(ctx context.Context, n int) {
	cursors := map[int64]int64{}
	notBefore := map[int64]time.Time{}
	for ctx.Err() == nil {
		did, err := e.step(ctx, cursors, notBefore)
		if err != nil && ctx.Err() == nil {
			e.log.Error("broadcast worker", "worker", n, "err", err)
		}
		if did && err == nil {
			continue
		}
		wait := e.opts.Poll
		if err != nil {
			wait = max(wait, time.Second)
		}
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-time.After(wait):
		}
	}
}

// step sends one batch of the first broadcast that has one ready. It
// reports whether it sent anything.
func (e *Engine) step(ctx context.Context, cursors map[int64]int64, notBefore map[int64]time.Time) (bool, error) {
	list, err := e.ledger.activeBroadcasts(ctx)
	if err != nil {
		return false, err
	}
	now := e.opts.Now()
	live := map[int64]bool{}
	for _, b := range list {
		live[b.ID] = true
	}
	for id := range cursors {
		if !live[id] {
			delete(cursors, id)
			delete(notBefore, id)
		}
	}
	for _, b := range list {
		if t, ok := notBefore[b.ID]; ok && now.Before(t) {
			continue
		}
		n, wait, err := e.batch(ctx, b, cursors)
		if err != nil {
			return false, fmt.Errorf("broadcast %d: %w", b.ID, err)
		}
		if n > 0 {
			return true, nil
		}
		// Nothing ready now (retries later, rate limit, or the other
		// workers hold the rest): look again after a while.
		notBefore[b.ID] = now.Add(max(wait, e.opts.Poll))
	}
	return false, nil
}

// batch claims, sends and records up to BatchSize deliveries of b. It
// returns how many it handled, or when to come back.
func (e *Engine) batch(ctx context.Context, b active, cursors map[int64]int64) (int, time.Duration, error) {
	now := e.opts.Now()
	want := e.opts.BatchSize
	accountKey := "account:" + strconv.FormatInt(b.AccountID, 10)
	rate := float64(b.SendRate)
	if rate > 0 {
		granted, wait, err := e.limiter.Take(ctx, accountKey, rate, want, now)
		if err != nil {
			return 0, 0, err
		}
		if granted == 0 {
			return 0, wait, nil
		}
		want = granted
	}
	claims, err := e.ledger.claim(ctx, b.ID, cursors[b.ID], want, now, now.Add(e.opts.Lease))
	if err == nil && len(claims) == 0 && cursors[b.ID] > 0 {
		// The cursor reached the end: start over, for retries now due
		// and batches abandoned by a crashed worker.
		cursors[b.ID] = 0
		claims, err = e.ledger.claim(ctx, b.ID, 0, want, now, now.Add(e.opts.Lease))
	}
	if rate > 0 && want > len(claims) {
		if rerr := e.limiter.Refund(ctx, accountKey, rate, want-len(claims)); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return 0, 0, err
	}
	if len(claims) == 0 {
		// Possibly finished by a worker whose last batch was all
		// skipped; the counters decide.
		return 0, 0, nil
	}
	cursors[b.ID] = claims[len(claims)-1].FollowerID
	// A claimed batch is finished even when shutdown begins (each send is
	// bounded by SendTimeout): interrupting sends that may already have
	// reached the follower would only send them twice after the restart.
	outs, err := e.send(context.WithoutCancel(ctx), b, claims)
	if err != nil {
		return 0, 0, err
	}
	// Record even if ctx was cancelled meanwhile: the messages went out,
	// and the ledger must say so, or they would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := e.ledger.record(rctx, b.ID, b.AccountID, outs, e.opts.Now()); err != nil {
		return 0, 0, err
	}
	e.handled.Add(int64(len(outs)))
	return len(outs), 0, nil
}

// send sends a claimed batch and returns each delivery's outcome.
func (e *Engine) send(ctx context.Context, b active, claims []claimed) ([]outcome, error) {
	now := e.opts.Now()
	outs := make([]outcome, len(claims))
	var todo []int
	perChannel := map[string][]int{}
	for i, c := range claims {
		outs[i].followerID = c.FollowerID
		switch {
		case c.Status == "":
			outs[i].status, outs[i].reason = models.DeliverySkipped, "follower erased"
		case c.Status != models.StatusActive:
			outs[i].status, outs[i].reason = models.DeliverySkipped, "no longer follows ("+c.Status+")"
		case e.channels[c.Channel] == nil:
			outs[i].status, outs[i].reason = models.DeliveryFailed, "no "+c.Channel+" channel on this Plaza"
		default:
			perChannel[c.Channel] = append(perChannel[c.Channel], i)
		}
	}
	// Channel limits are shared by every instance: what the bucket does
	// not grant now goes back to the queue, unsent and not counted as an
	// attempt, for when the bucket has refilled.
	for ch, idx := range perChannel {
		rate := e.opts.ChannelRates[ch]
		granted, wait, err := e.limiter.Take(ctx, "channel:"+ch, rate, len(idx), now)
		if err != nil {
			return nil, err
		}
		for k, i := range idx {
			if k < granted {
				todo = append(todo, i)
				continue
			}
			outs[i] = outcome{followerID: claims[i].FollowerID, status: models.DeliveryQueued,
				next: now.Add(max(wait, 50*time.Millisecond)), release: true}
		}
	}
	// A channel that takes batches gets its share of the batch in one
	// call; the others get one message at a time.
	batches := map[string][]int{}
	single := todo[:0:0]
	for _, i := range todo {
		if _, ok := e.channels[claims[i].Channel].(BatchChannel); ok {
			batches[claims[i].Channel] = append(batches[claims[i].Channel], i)
		} else {
			single = append(single, i)
		}
	}
	for ch, idx := range batches {
		e.deliverBatch(ctx, b, e.channels[ch].(BatchChannel), claims, idx, outs)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, len(single)) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(single) {
					return
				}
				i := single[k]
				outs[i] = e.deliver(ctx, b, &claims[i])
			}
		})
	}
	wg.Wait()
	return outs, nil
}

func (e *Engine) message(b active, c *claimed, content *Content) *Message {
	return &Message{
		Content:    content,
		To:         Recipient{FollowerID: c.FollowerID, Channel: c.Channel, Address: c.Address, Name: c.Name, Language: c.Language},
		Attempt:    c.Attempts,
		DeliveryID: strconv.FormatInt(b.ID, 10) + "-" + strconv.FormatInt(c.FollowerID, 10),
	}
}

// deliverBatch sends the claims at idx through a batch channel in one call
// and records each outcome in outs.
func (e *Engine) deliverBatch(ctx context.Context, b active, ch BatchChannel, claims []claimed, idx []int, outs []outcome) {
	var msgs []*Message
	var sent []int
	for _, i := range idx {
		c := &claims[i]
		content, err := e.render.content(ctx, b.ID, c.Language)
		if err != nil {
			outs[i] = e.retry(outcome{followerID: c.FollowerID}, c.Attempts, "render: "+err.Error(), 0)
			continue
		}
		msgs = append(msgs, e.message(b, c, content))
		sent = append(sent, i)
	}
	if len(msgs) == 0 {
		return
	}
	// A batch is many messages: it gets the time of a few.
	sctx, cancel := context.WithTimeout(ctx, 4*e.opts.SendTimeout)
	defer cancel()
	results := ch.SendBatch(sctx, msgs)
	for k, i := range sent {
		res := RetryResult("the channel gave no result for this message", 0)
		if k < len(results) {
			res = results[k]
		}
		outs[i] = e.settle(ctx, &claims[i], res)
	}
}

// deliver sends one message and turns the channel's result into the
// delivery's next state.
func (e *Engine) deliver(ctx context.Context, b active, c *claimed) outcome {
	o := outcome{followerID: c.FollowerID}
	content, err := e.render.content(ctx, b.ID, c.Language)
	if err != nil {
		return e.retry(o, c.Attempts, "render: "+err.Error(), 0)
	}
	sctx, cancel := context.WithTimeout(ctx, e.opts.SendTimeout)
	defer cancel()
	return e.settle(ctx, c, e.channels[c.Channel].Send(sctx, e.message(b, c, content)))
}

// settle turns a channel's result into the delivery's next state.
func (e *Engine) settle(ctx context.Context, c *claimed, res Result) outcome {
	o := outcome{followerID: c.FollowerID}
	switch res.Outcome {
	case Sent:
		o.status = models.DeliverySent
	case Failed:
		o.status, o.reason = models.DeliveryFailed, reasonOr(res.Reason, "failed")
		switch {
		case res.Unsubscribe:
			o.endFollow = models.StatusUnsubscribed
		case res.Bounce:
			o.endFollow = models.StatusBounced
		}
	default:
		if errors.Is(ctx.Err(), context.Canceled) {
			// Shutting down: the message was interrupted, not refused.
			o.status, o.next, o.release = models.DeliveryQueued, e.opts.Now(), true
			return o
		}
		return e.retry(o, c.Attempts, reasonOr(res.Reason, "temporary failure"), res.RetryAfter)
	}
	return o
}

func reasonOr(r, def string) string {
	if r == "" {
		return def
	}
	if len(r) > 300 {
		r = r[:300]
	}
	return r
}

// retry schedules another attempt with exponential backoff and jitter, or
// gives up after the last attempt.
func (e *Engine) retry(o outcome, attempts int, reason string, after time.Duration) outcome {
	o.reason = reason
	if attempts >= e.opts.MaxAttempts {
		o.status = models.DeliveryDead
		return o
	}
	d := e.opts.Backoff << min(attempts-1, 20)
	d = min(d, e.opts.MaxBackoff)
	// Equal jitter: half fixed, half random, so a thousand deliveries
	// that failed together do not come back together.
	d = d/2 + rand.N(d/2+1)
	o.status, o.next = models.DeliveryQueued, e.opts.Now().Add(max(d, after))
	return o
}
