package broadcast

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
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
	// Targets works out the audience of broadcasts limited to an area.
	Targets Targets
	// Workers is how many batches this instance sends at once.
	Workers int
	// EmergencyWorkers are kept for emergency broadcasts only, on top of
	// Workers, so an emergency starts at once even while every ordinary
	// worker waits on a slow receiver.
	EmergencyWorkers int
	// AccountShare is how many of this instance's ordinary workers one
	// account may hold while another account has work waiting.
	AccountShare int
	// BatchSize is the most deliveries a worker claims at a time.
	BatchSize int
	// SplitAudience is the audience from which PostgreSQL writes a
	// broadcast's deliveries in several transactions at once.
	SplitAudience int
	// Concurrency is how many messages of one batch are in flight at once.
	// A message counts as in flight until its outcome is recorded, so a
	// process killed at any moment sends at most this many per worker
	// twice.
	Concurrency int
	// Lease is how long a claim lasts without renewal. The worker renews
	// it while it sends; after a crash another worker takes the claimed
	// deliveries over once it has run out.
	Lease time.Duration
	// Turn is how long a worker keeps starting sends from one claim before
	// it gives back what it has not started and picks again, so a slow
	// receiver cannot keep a worker from other accounts for long.
	Turn time.Duration
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
	// PartitionWidth is how many broadcast ids one partition of the
	// ledger covers on PostgreSQL (0: partitionWidth). Tests make it small.
	PartitionWidth int
	// Now is the clock (nil: the wall clock).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.EmergencyWorkers <= 0 {
		o.EmergencyWorkers = 2
	}
	if o.AccountShare <= 0 {
		o.AccountShare = max(1, o.Workers-1)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.SplitAudience <= 0 {
		o.SplitAudience = 100_000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Turn <= 0 {
		o.Turn = 5 * time.Second
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
	if o.PartitionWidth <= 0 {
		o.PartitionWidth = partitionWidth
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
}

// renewEvery is how often a worker renews the lease of the claim it is
// sending: often enough that two renewals can fail before the lease runs
// out, and often enough to notice a cancellation within a couple of
// seconds.
func (o *Options) renewEvery() time.Duration {
	return min(o.Lease/3, 2*time.Second)
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
	// wake tells idle ordinary workers of this instance that a broadcast
	// opened; wakeEmergency tells the emergency workers.
	wake          chan struct{}
	wakeEmergency chan struct{}
	// handled counts deliveries this instance finished, for metrics.
	handled atomic.Int64
	// rec writes the outcomes of every worker of this instance.
	rec *recorder

	// mu guards the fairness bookkeeping of this instance's workers.
	mu sync.Mutex
	// busy is how many workers hold a claim of each account.
	busy map[int64]int
	// turns numbers the turns given to each account, so the account
	// served longest ago goes first (round robin).
	turns  map[int64]int64
	turnNo int64
	// pace is how many deliveries of each broadcast the last turn got
	// through, to size the next claim to what the receiver takes.
	pace map[int64]int
	// cursor is the highest follower id this instance's workers have
	// claimed of each broadcast: the next claim scans on from there, not
	// over the rows its sibling workers hold.
	cursor map[int64]int64
	// failures says when each reason's details were last logged.
	failures failureLog
}

// New builds an engine sending through channels.
func New(store *models.Store, channels []Channel, log *slog.Logger, opts Options) *Engine {
	opts.defaults()
	byName := map[string]Channel{}
	for _, c := range channels {
		byName[c.Name()] = c
	}
	db := store.DB()
	e := &Engine{
		store:         store,
		ledger:        &ledger{db: db, dialect: store.Dialect(), split: opts.SplitAudience, targets: opts.Targets},
		limiter:       NewLimiter(db, store.Dialect()),
		render:        &renderer{db: db, baseURL: opts.BaseURL, loc: opts.Location},
		channels:      byName,
		log:           log,
		opts:          opts,
		wake:          make(chan struct{}, 1),
		wakeEmergency: make(chan struct{}, 1),
		busy:          map[int64]int{},
		turns:         map[int64]int64{},
		pace:          map[int64]int{},
		cursor:        map[int64]int64{},
	}
	e.rec = newRecorder(e)
	return e
}

// Handled is how many deliveries this instance has finished (any outcome).
func (e *Engine) Handled() int64 { return e.handled.Load() }

// Wake tells this instance's idle workers to look for work now.
func (e *Engine) Wake() { e.signal(false) }

func (e *Engine) signal(emergency bool) {
	chans := []chan struct{}{e.wake}
	if emergency {
		chans = append(chans, e.wakeEmergency)
	}
	for _, ch := range chans {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Materialize writes a broadcast's deliveries and wakes the workers.
func (e *Engine) Materialize(ctx context.Context, id int64) error {
	start := time.Now()
	b, err := e.ledger.materialize(ctx, id, e.opts.Now)
	if err != nil {
		return err
	}
	if b.Status == models.BroadcastSending {
		took := time.Since(start)
		if err := e.ledger.analyze(ctx, b); err != nil {
			// Autovacuum analyzes it later; sending need not wait.
			e.log.Warn("analyze deliveries", "broadcast", b.ID, "err", err)
		}
		e.log.Info("broadcast materialized", "broadcast", b.ID, "deliveries", b.Total, "held", b.Held,
			"emergency", b.Emergency(), "took", took.Round(time.Millisecond),
			"analyze", (time.Since(start) - took).Round(time.Millisecond))
		e.signal(b.Emergency())
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

// Run sends deliveries until ctx ends, then stops starting sends, records
// the ones in flight (each bounded by SendTimeout), gives back the rest of
// each claim and returns.
func (e *Engine) Run(ctx context.Context) {
	var writers sync.WaitGroup
	for range recordWriters {
		writers.Go(e.rec.loop)
	}
	defer func() {
		close(e.rec.reqs)
		writers.Wait()
	}()
	var wg sync.WaitGroup
	for i := range e.opts.Workers {
		wg.Go(func() { e.worker(ctx, i, false) })
	}
	for i := range e.opts.EmergencyWorkers {
		wg.Go(func() { e.worker(ctx, e.opts.Workers+i, true) })
	}
	wg.Wait()
}

// worker repeatedly picks a broadcast with work and sends one claim of it.
// Picking again after every claim is what lets an emergency overtake
// ordinary broadcasts already under way, and one account's broadcast make
// room for another's.
func (e *Engine) worker(ctx context.Context, n int, emergency bool) {
	notBefore := map[int64]time.Time{}
	wake := e.wake
	if emergency {
		wake = e.wakeEmergency
	}
	for ctx.Err() == nil {
		did, err := e.step(ctx, emergency, notBefore)
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
		case <-wake:
		case <-time.After(wait):
		}
	}
}

// step sends one claim of the first broadcast, in the order of pick, that
// has deliveries ready. It reports whether it sent anything.
func (e *Engine) step(ctx context.Context, emergencyOnly bool, notBefore map[int64]time.Time) (bool, error) {
	list, err := e.ledger.activeBroadcasts(ctx, emergencyOnly)
	if err != nil {
		return false, err
	}
	now := e.opts.Now()
	live := map[int64]bool{}
	for _, b := range list {
		live[b.ID] = true
	}
	for id := range notBefore {
		if !live[id] {
			delete(notBefore, id)
		}
	}
	ready := list[:0:0]
	for _, b := range list {
		if t, ok := notBefore[b.ID]; !ok || !now.Before(t) {
			ready = append(ready, b)
		}
	}
	for _, b := range e.pick(ready, emergencyOnly) {
		n, wait, err := e.batch(ctx, b)
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

// pick orders the broadcasts a worker may take: emergencies first; then
// the accounts this instance's workers serve least at the moment, and of
// those the one served longest ago; an account that already holds its
// share of the workers waits while another account has work. Emergency
// workers take emergencies in order and ignore the share.
func (e *Engine) pick(list []active, emergencyOnly bool) []active {
	e.mu.Lock()
	defer e.mu.Unlock()
	accounts := map[int64]bool{}
	for _, b := range list {
		accounts[b.AccountID] = true
	}
	out := make([]active, 0, len(list))
	for _, b := range list {
		if !emergencyOnly && b.Priority < models.PriorityEmergency && len(accounts) > 1 && e.busy[b.AccountID] >= e.opts.AccountShare {
			continue
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(x, y active) int {
		if c := cmp.Compare(y.Priority, x.Priority); c != 0 || emergencyOnly {
			return c
		}
		if c := cmp.Compare(e.busy[x.AccountID], e.busy[y.AccountID]); c != 0 {
			return c
		}
		return cmp.Compare(e.turns[x.AccountID], e.turns[y.AccountID])
	})
	return out
}

// hold counts a worker's claim against its account until the returned
// function is called.
func (e *Engine) hold(accountID int64) func() {
	e.mu.Lock()
	e.busy[accountID]++
	e.turnNo++
	e.turns[accountID] = e.turnNo
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		if e.busy[accountID]--; e.busy[accountID] <= 0 {
			delete(e.busy, accountID)
		}
		e.mu.Unlock()
	}
}

// claimSize is how many deliveries of b to claim: the batch size, or for a
// broadcast whose receiver got through fewer in its last turn, about twice
// what it managed then, so a slow receiver's claims are not mostly given
// back unsent.
func (e *Engine) claimSize(b int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.pace[b]; ok {
		return min(e.opts.BatchSize, max(e.opts.Concurrency, 2*p))
	}
	return e.opts.BatchSize
}

func (e *Engine) setPace(b int64, n int, full bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if full {
		delete(e.pace, b)
	} else {
		e.pace[b] = n
	}
	if len(e.pace) > 1000 {
		clear(e.pace)
	}
}

// batch claims, sends and records up to BatchSize deliveries of b. It
// returns how many it handled, or when to come back.
func (e *Engine) batch(ctx context.Context, b active) (int, time.Duration, error) {
	now := e.opts.Now()
	want := e.claimSize(b.ID)
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
	token := newClaimToken()
	from := e.cursorOf(b.ID)
	claims, err := e.ledger.claim(ctx, b.ID, from, want, now, now.Add(e.opts.Lease), token)
	if err == nil && len(claims) == 0 && from > 0 {
		// The cursor reached the end: start over, for retries now due,
		// deliveries given back, and claims of a crashed worker.
		e.rewind(b.ID, from)
		claims, err = e.ledger.claim(ctx, b.ID, 0, want, now, now.Add(e.opts.Lease), token)
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
	e.advance(b.ID, claims[len(claims)-1].FollowerID)
	release := e.hold(b.AccountID)
	defer release()
	run := &claimRun{e: e, b: b, token: token, claims: claims, started: time.Now()}
	// A claim is sent with a context of its own: shutdown (ctx) only stops
	// new sends from starting. A send already under way finishes (bounded
	// by SendTimeout) and is recorded, since interrupting a message that
	// may have reached the follower would only send it twice later.
	handled, err := run.send(ctx)
	e.handled.Add(int64(handled))
	e.setPace(b.ID, handled, handled == len(claims))
	return handled, 0, err
}

// cursorOf is where the next claim of broadcast b starts.
func (e *Engine) cursorOf(b int64) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cursor[b]
}

// advance moves b's cursor on to last, unless another worker's claim has
// gone further.
func (e *Engine) advance(b, last int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.cursor) > 1000 {
		clear(e.cursor) // broadcasts long finished; a restart costs one scan
	}
	e.cursor[b] = max(e.cursor[b], last)
}

// rewind starts b's claims over from the beginning, once a claim from
// cursor found nothing after it (unless another worker moved it since).
func (e *Engine) rewind(b, from int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cursor[b] == from {
		delete(e.cursor, b)
	}
}

func newClaimToken() int64 {
	for {
		if t := rand.Int64(); t != 0 {
			return t
		}
	}
}

func (e *Engine) message(b active, c *claimed, content *Content) *Message {
	return &Message{
		Content:    content,
		To:         Recipient{FollowerID: c.FollowerID, Channel: c.Channel, Address: c.Address, Name: c.Name, Language: c.Language},
		Attempt:    c.Attempts,
		DeliveryID: strconv.FormatInt(b.ID, 10) + "-" + strconv.FormatInt(c.FollowerID, 10),
	}
}

// deliverBatch sends claims through a batch channel in one call and
// returns each one's outcome, in order.
func (e *Engine) deliverBatch(ctx context.Context, b active, ch BatchChannel, claims []*claimed) []outcome {
	outs := make([]outcome, len(claims))
	var msgs []*Message
	var sent []int
	for i, c := range claims {
		content, err := e.render.content(ctx, b.ID, c.Language)
		if err != nil {
			e.failures.note(e.log, b.ID, c.Channel, reasonRender, err)
			outs[i] = e.retry(outcome{followerID: c.FollowerID}, c.Attempts, reasonRender, 0)
			continue
		}
		msgs = append(msgs, e.message(b, c, content))
		sent = append(sent, i)
	}
	if len(msgs) == 0 {
		return outs
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
		outs[i] = e.settle(b.ID, claims[i], res)
	}
	return outs
}

// deliver sends one message and turns the channel's result into the
// delivery's next state.
func (e *Engine) deliver(ctx context.Context, b active, c *claimed) outcome {
	o := outcome{followerID: c.FollowerID}
	content, err := e.render.content(ctx, b.ID, c.Language)
	if err != nil {
		e.failures.note(e.log, b.ID, c.Channel, reasonRender, err)
		return e.retry(o, c.Attempts, reasonRender, 0)
	}
	sctx, cancel := context.WithTimeout(ctx, e.opts.SendTimeout)
	defer cancel()
	return e.settle(b.ID, c, e.channels[c.Channel].Send(sctx, e.message(b, c, content)))
}

// reasonRender is why a message that could not be put together was not
// sent; the error goes to the log.
const reasonRender = "the notice could not be rendered"

// settle turns a channel's result into the delivery's next state.
func (e *Engine) settle(broadcastID int64, c *claimed, res Result) outcome {
	o := outcome{followerID: c.FollowerID}
	if res.Outcome != Sent && res.Detail != nil {
		e.failures.note(e.log, broadcastID, c.Channel, res.Reason, res.Detail)
	}
	switch res.Outcome {
	case Sent:
		o.status = DeliverySent
	case Failed:
		o.status, o.reason = DeliveryFailed, reasonOr(res.Reason, "failed")
		switch {
		case res.Unsubscribe:
			o.endFollow = models.StatusUnsubscribed
		case res.Bounce:
			o.endFollow = models.StatusBounced
		}
	default:
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
		o.status = DeliveryDead
		return o
	}
	d := e.opts.Backoff << min(attempts-1, 20)
	d = min(d, e.opts.MaxBackoff)
	// Equal jitter: half fixed, half random, so a thousand deliveries
	// that failed together do not come back together.
	d = d/2 + rand.N(d/2+1)
	o.status, o.next = DeliveryQueued, e.opts.Now().Add(max(d, after))
	return o
}
