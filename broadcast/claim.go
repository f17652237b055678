package broadcast

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
)

// claimRun sends one claim: the deliveries a worker took with one token.
//
// Three rules keep every follower at one message while the process lives,
// however slow the receiver, and bound the duplicates when it dies:
//   - the worker renews the claim's lease while it sends (heartbeat), and
//     stops starting sends as soon as a renewal shows another worker took
//     some of its deliveries over, or the broadcast was cancelled;
//   - a message holds one of Concurrency slots from before it is sent until
//     its outcome is recorded, and outcomes are recorded in small groups as
//     they come (group commit), so at any moment at most Concurrency
//     messages of a worker are sent but not recorded: after kill -9, only
//     those can be sent again;
//   - an outcome is only written to a delivery still queued, so whichever
//     of two workers records first (the one whose lease ran out, or the
//     one that took over) is the outcome, counted once.
//
// The claim itself is one row of delivery_claims (ledger.claim), released
// once every delivery is recorded or given back.
type claimRun struct {
	e       *Engine
	b       active
	token   int64
	claims  []claimed
	started time.Time

	// open is how many claimed rows are neither recorded nor given back
	// (counting those being written).
	open atomic.Int64
	// halted says why sends must stop ("" while they may go on).
	halted atomic.Pointer[string]
	// handled counts outcomes recorded other than give-backs.
	handled atomic.Int64
}

// maxGroup bounds one recording (rows in one transaction).
const maxGroup = 2000

// halt stops the claim's new sends, for the first reason given.
func (r *claimRun) halt(why string) {
	r.halted.CompareAndSwap(nil, &why)
}

func (r *claimRun) stopped() bool { return r.halted.Load() != nil }

// send sends the claim and returns how many outcomes it recorded. ctx ends
// at shutdown: it only stops new sends from starting.
func (r *claimRun) send(ctx context.Context) (int, error) {
	e := r.e
	// Database work of a claim goes on through shutdown: what was sent
	// must be recorded, and what was not must be given back.
	dbctx := context.WithoutCancel(ctx)
	r.open.Store(int64(len(r.claims)))
	var failed atomic.Pointer[error]
	record := func(outs []outcome) {
		if err := e.rec.record(r, outs); err != nil {
			failed.CompareAndSwap(nil, &err)
			r.halt("cannot record: " + err.Error())
		}
	}
	beat := make(chan struct{})
	var beats sync.WaitGroup
	beats.Go(func() { r.heartbeat(dbctx, beat) })
	defer func() {
		close(beat)
		beats.Wait()
	}()

	now := e.opts.Now()
	var first []outcome
	perChannel := map[string][]*claimed{}
	for i := range r.claims {
		c := &r.claims[i]
		switch {
		case c.Status == "":
			first = append(first, outcome{followerID: c.FollowerID, status: DeliverySkipped, reason: "follower erased"})
		case c.Status != models.StatusActive:
			first = append(first, outcome{followerID: c.FollowerID, status: DeliverySkipped, reason: fmt.Sprintf("no longer follows (%s)", c.Status)})
		case e.channels[c.Channel] == nil:
			first = append(first, outcome{followerID: c.FollowerID, status: DeliveryFailed, reason: fmt.Sprintf("no %s channel on this Plaza", c.Channel)})
		default:
			perChannel[c.Channel] = append(perChannel[c.Channel], c)
		}
	}
	// Channel limits are shared by every instance: what the bucket does
	// not grant now goes back to the queue, unsent and not counted as an
	// attempt, for when the bucket has refilled.
	var units [][]*claimed
	for ch, cs := range perChannel {
		granted, wait := e.take(dbctx, ch, r.b.AccountID, len(cs), now)
		for _, c := range cs[granted:] {
			first = append(first, outcome{followerID: c.FollowerID, status: DeliveryQueued,
				next: now.Add(max(wait, 50*time.Millisecond)), release: true})
		}
		cs = cs[:granted]
		// Sent in random order: the claim's rows lie on a few pages in
		// follower order, and the outcomes recorded together (what the
		// slots had in flight) must spread over those pages for their
		// updates to be HOT: each page has room for the new versions of
		// only a fraction of its rows until the old ones are pruned (see
		// migration 00027).
		rand.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
		if _, ok := e.channels[ch].(BatchChannel); ok {
			// A channel that takes batches gets up to Concurrency
			// messages a call, so they count against the same bound.
			for len(cs) > 0 {
				n := min(len(cs), e.opts.Concurrency)
				units = append(units, cs[:n])
				cs = cs[n:]
			}
			continue
		}
		for _, c := range cs {
			units = append(units, []*claimed{c})
		}
	}
	record(first)

	// Concurrency senders take the units in order. A unit's messages hold
	// slots from before they are sent until their outcomes are recorded
	// (a chunk for a batch channel holds several).
	slots := semaphore.NewWeighted(int64(e.opts.Concurrency))
	var mu sync.Mutex
	next := 0
	var back []outcome
	giveBack := func(u []*claimed) {
		for _, c := range u {
			back = append(back, outcome{followerID: c.FollowerID, status: DeliveryQueued, next: e.opts.Now(), release: true})
		}
	}
	take := func() []*claimed {
		mu.Lock()
		defer mu.Unlock()
		if next == len(units) || r.stopped() || ctx.Err() != nil || time.Since(r.started) > e.opts.Turn {
			return nil
		}
		next++
		return units[next-1]
	}
	var sends sync.WaitGroup
	for range min(e.opts.Concurrency, len(units)) {
		sends.Go(func() {
			for u := take(); u != nil; u = take() {
				w := int64(len(u))
				if err := slots.Acquire(ctx, w); err != nil || r.stopped() {
					if err == nil {
						slots.Release(w)
					}
					mu.Lock()
					giveBack(u)
					mu.Unlock()
					return
				}
				record(r.deliver(dbctx, u))
				slots.Release(w)
			}
		})
	}
	sends.Wait()
	// What was not started goes back to the queue for the next worker
	// (this one included), not counted as an attempt.
	for _, u := range units[next:] {
		giveBack(u)
	}
	record(back)
	if failed.Load() == nil {
		// Otherwise the claim holds its range until the lease runs out,
		// as it would after a crash.
		if err := e.ledger.release(dbctx, r.b.ID, r.token, e.opts.Now()); err != nil {
			e.log.Warn("release broadcast claim", "broadcast", r.b.ID, "err", err)
		}
	}
	if why := r.halted.Load(); why != nil && *why != "cancelled" {
		e.log.Warn("broadcast claim stopped", "broadcast", r.b.ID, "why", *why, "unsent", len(back))
	}
	var err error
	if p := failed.Load(); p != nil {
		err = *p
	}
	return int(r.handled.Load()), err
}

// deliver sends one unit: a message, or a chunk for a batch channel.
func (r *claimRun) deliver(ctx context.Context, u []*claimed) []outcome {
	if ch, ok := r.e.channels[u[0].Channel].(BatchChannel); ok {
		return r.e.deliverBatch(ctx, r.b, ch, u)
	}
	return []outcome{r.e.deliver(ctx, r.b, u[0])}
}

// heartbeat renews the claim's lease until stop is closed, and halts the
// claim when the lease had run out (this process stalled: another worker
// may take its deliveries over) or the broadcast was cancelled.
func (r *claimRun) heartbeat(ctx context.Context, stop <-chan struct{}) {
	e := r.e
	t := time.NewTicker(e.opts.renewEvery())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		renewed, status, err := e.ledger.renew(ctx, r.b.ID, r.token, e.opts.Now(), e.opts.Now().Add(e.opts.Lease))
		if err != nil {
			// The next tick tries again; the lease has room for it.
			e.log.Warn("renew broadcast claim", "broadcast", r.b.ID, "err", err)
			continue
		}
		switch {
		case status == models.BroadcastCancelled:
			r.halt("cancelled")
		case !renewed:
			r.halt(fmt.Sprintf("lease lost: %d deliveries not recorded may be taken over", r.open.Load()))
		}
	}
}

// recorder writes the outcomes of every claim this instance sends, as they
// come: each sender hands its outcomes over and waits; whatever arrived
// meanwhile, from any worker, goes in the same transaction (group commit).
// So a fast receiver costs one transaction per many messages, the workers
// of an instance never queue on each other for the broadcast's counters,
// and a slow receiver never waits for a whole batch.
type recorder struct {
	e    *Engine
	reqs chan recordReq
}

// recordWriters is how many transactions of outcomes an instance has
// under way at once. One: measured against three on PostgreSQL, parallel
// writers only queued on the broadcast's counters and cut the groups
// smaller, and on SQLite there is one writer anyway.
const recordWriters = 1

type recordReq struct {
	run  *claimRun
	outs []outcome
	err  chan error
}

func newRecorder(e *Engine) *recorder {
	return &recorder{e: e, reqs: make(chan recordReq, 256)}
}

// record hands run's outcomes over and returns once they are written, or
// could not be (then the rows wait for their lease to run out).
func (rc *recorder) record(run *claimRun, outs []outcome) error {
	if len(outs) == 0 {
		return nil
	}
	// Counted as recorded before the write commits, so that a renewal
	// running meanwhile never finds fewer rows than the claim says it
	// holds; a failed write puts them back.
	run.open.Add(-int64(len(outs)))
	req := recordReq{run: run, outs: outs, err: make(chan error, 1)}
	rc.reqs <- req
	err := <-req.err
	if err != nil {
		run.open.Add(int64(len(outs)))
		return err
	}
	var n int64
	for _, o := range outs {
		if !o.release {
			n++
		}
	}
	run.handled.Add(n)
	return nil
}

// loop writes until the requests channel is closed.
func (rc *recorder) loop() {
	// On PostgreSQL each writer has a connection of its own.
	var fast *pgWriter
	if rc.e.ledger.dialect == database.Postgres {
		if db, err := rc.e.ledger.db.DB(); err == nil {
			fast = &pgWriter{db: db}
			defer fast.close()
		}
	}
	for req := range rc.reqs {
		group := []recordReq{req}
		n := len(req.outs)
	more:
		for n < maxGroup {
			select {
			case q, ok := <-rc.reqs:
				if !ok {
					break more
				}
				group = append(group, q)
				n += len(q.outs)
			default:
				break more
			}
		}
		err := rc.write(fast, group)
		for _, q := range group {
			q.err <- err
		}
	}
}

// write records a group, retrying a failed transaction for a while: the
// messages went out, and until the ledger says so they would be sent again
// once the lease runs out.
func (rc *recorder) write(fast *pgWriter, group []recordReq) error {
	e := rc.e
	// One entry per claim, so a claim's outcomes of one kind are one
	// statement however many senders handed them over.
	var list []claimOutcomes
	at := map[*claimRun]int{}
	for _, q := range group {
		i, ok := at[q.run]
		if !ok {
			i = len(list)
			at[q.run] = i
			list = append(list, claimOutcomes{broadcast: q.run.b.ID, account: q.run.b.AccountID, token: q.run.token})
		}
		list[i].outs = append(list[i].outs, q.outs...)
	}
	// Recording goes on through shutdown: what was sent must be written.
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	wait := 50 * time.Millisecond
	for {
		err := e.ledger.record(ctx, fast, list, e.opts.Now())
		if err == nil {
			return nil
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("record outcomes: %w", err)
		}
		e.log.Warn("record deliveries, trying again", "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// take grants up to want sends on channel ch for the account: from the
// account's own bucket when the channel has a limit per account
// (AccountRater: an SMS number's messages per second), then from the
// channel's; what the channel's bucket refuses goes back to the
// account's. wait says when to try the rest.
func (e *Engine) take(ctx context.Context, ch string, accountID int64, want int, now time.Time) (int, time.Duration) {
	granted, wait := want, time.Duration(0)
	var accountKey string
	var accountRate float64
	if ar, ok := e.channels[ch].(AccountRater); ok {
		accountKey, accountRate = AccountKey(ch, accountID), ar.AccountRate(ctx, accountID)
		g, w, err := e.limiter.Take(ctx, accountKey, accountRate, want, now)
		if err != nil {
			e.log.Warn("account rate limit", "channel", ch, "account", accountID, "err", err)
			return 0, 0
		}
		granted, wait = g, w
	}
	g, w, err := e.limiter.Take(ctx, "channel:"+ch, e.opts.ChannelRates[ch], granted, now)
	if err != nil {
		g = 0
		e.log.Warn("channel rate limit", "channel", ch, "err", err)
	}
	if g < granted && accountKey != "" {
		if err := e.limiter.Refund(ctx, accountKey, accountRate, granted-g); err != nil {
			e.log.Warn("account rate limit refund", "channel", ch, "account", accountID, "err", err)
		}
	}
	return g, max(wait, w)
}
