// Package alertfeed polls the external GTFS-realtime alert feeds that
// transit accounts subscribe to and turns their alerts into notices:
// new alerts become notices (published at once when the account says so),
// changed ones update their notice, and alerts that leave the feed expire
// theirs. A broken or slow feed is recorded for staff to see; it never
// stops the poller and never deletes a notice.
package alertfeed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/outbound"
	"github.com/plazahq/plaza/redact"
)

// maxFeedBytes bounds a feed's size; real alert feeds are far smaller.
const maxFeedBytes = 10 << 20

// Defaults of Options.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultUpdateInterval   = 15 * time.Minute
	DefaultNewAlertsPerHour = 20
)

// recordTimeout bounds the write of a poll's outcome, which must happen
// even when the poll's own context has ended.
const recordTimeout = 10 * time.Second

// Options tune the poller; zero values take the defaults.
type Options struct {
	// Client fetches the feeds: outbound's client for addresses staff
	// type, which follows redirects and checks every hop; nil gets one
	// that reaches public addresses only.
	Client *http.Client
	// Timeout bounds one fetch, so a feed that hangs holds one poll job
	// and nothing else.
	Timeout time.Duration
	// Now is the poller's clock, which alone decides when a feed is due,
	// when a held change may go out and when the cap's hour ends.
	Now func() time.Time
	// UpdateInterval is the least time between two updates of one alert
	// sent to followers; changes in between are held and the latest goes
	// out when it has passed.
	UpdateInterval time.Duration
	// NewAlertsPerHour caps the notices one feed creates per hour; new
	// alerts beyond it wait for the next hour.
	NewAlertsPerHour int
}

// Accounts is what the poller reads of the accounts' domain: the account
// a feed belongs to.
type Accounts interface {
	AccountByID(ctx context.Context, id int64) (*models.Account, error)
}

// Orgs is what the poller needs of the organizations' domain: a member
// to act for the organization when no person does.
type Orgs interface {
	SystemMember(ctx context.Context, orgID int64) (*models.Member, error)
}

// Poller polls the feeds.
type Poller struct {
	// accounts and orgs give the account and the system member that act
	// on it;
	// notices creates, updates and expires the notices alerts become;
	// feeds keeps each feed's state and what became of its alerts.
	accounts Accounts
	orgs     Orgs
	notices  *notice.Service
	feeds    *alertsource.Service
	log      *slog.Logger
	opts     Options
}

// New builds a poller.
func New(accounts Accounts, orgs Orgs, notices *notice.Service, feeds *alertsource.Service, log *slog.Logger, o Options) *Poller {
	o.Timeout = cmp.Or(o.Timeout, DefaultTimeout)
	if o.Client == nil {
		o.Client = outbound.NewClient(nil)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.UpdateInterval = cmp.Or(o.UpdateInterval, DefaultUpdateInterval)
	o.NewAlertsPerHour = cmp.Or(o.NewAlertsPerHour, DefaultNewAlertsPerHour)
	return &Poller{accounts: accounts, orgs: orgs, notices: notices, feeds: feeds, log: log, opts: o}
}

func (p *Poller) now() time.Time { return p.opts.Now().UTC() }

// QueueDue claims the feeds that are due and queues a poll job for each;
// it returns how many it queued.
func (p *Poller) QueueDue(ctx context.Context) (int, error) {
	ids, err := p.feeds.ClaimDue(ctx, p.now())
	return len(ids), err
}

// PollFeed polls the feed with id, if it still exists and is enabled. The
// feed's own failures are recorded on it and logged; only the database's
// are returned.
func (p *Poller) PollFeed(ctx context.Context, id int64) error {
	f, err := p.feeds.ByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil // removed since the poll was queued
	}
	if err != nil {
		return err
	}
	if !f.Enabled {
		return nil
	}
	if err := p.Poll(ctx, f); err != nil {
		var db *dbError
		if errors.As(err, &db) {
			return err
		}
		// The feed records the short reason staff see; the log has the
		// transport's or the parser's own words.
		p.log.Warn("alert feed", "feed", f.ID, "url", redact.String(f.URL), "err", err, "detail", redact.String(detail(err)))
	}
	return nil
}

// fetchError is a failure to get a feed: Error is the short reason
// recorded for staff (never the feed's body or a raw transport error,
// which may come from whatever internal service answered); the error it
// wraps is for the log.
type fetchError struct {
	reason string
	err    error
}

func (e *fetchError) Error() string { return e.reason }
func (e *fetchError) Unwrap() error { return e.err }

// detail is the underlying error of a fetch failure in err, if any.
func detail(err error) string {
	var fe *fetchError
	if errors.As(err, &fe) && fe.err != nil {
		return fe.err.Error()
	}
	return ""
}

// dbError marks a failure of Plaza's own storage, as opposed to a problem
// of the feed, which is the feed's business and only recorded.
type dbError struct{ err error }

func (e *dbError) Error() string { return e.err.Error() }
func (e *dbError) Unwrap() error { return e.err }

// Poll fetches one feed, applies it and sends the held changes whose time
// has come, recording the outcome on the feed.
func (p *Poller) Poll(ctx context.Context, f *alertsource.Feed) (err error) {
	run := &poll{Poller: p, feed: f, now: p.now(), rec: alertsource.Poll{ETag: f.ETag,
		NewAlertsSince: f.NewAlertsSince, NewAlertsCount: f.NewAlertsCount, NewAlertsHeldBack: f.NewAlertsHeldBack}}
	run.rec.At = run.now
	defer func() {
		// A feed is outside input: whatever it makes the parser do, the
		// poller keeps going.
		if r := recover(); r != nil {
			err = fmt.Errorf("feed crashed the importer: %v", r)
		}
		run.rec.Err = err
		run.rec.NextHeld = run.nextHeld()
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		if rerr := p.feeds.RecordPoll(wctx, f.ID, run.rec); rerr != nil {
			err = errors.Join(err, &dbError{rerr})
		}
	}()
	fctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	msg, etag, err := p.fetch(fctx, f)
	cancel()
	if lerr := run.load(ctx); lerr != nil {
		return errors.Join(err, lerr)
	}
	if err == nil && msg != nil {
		err = run.apply(ctx, msg)
		run.rec.ETag = etag
		if run.rec.NewAlertsHeldBack > 0 {
			// The alerts left out are not stored anywhere: the next poll
			// must get the whole feed again to take them in.
			run.rec.ETag = ""
		}
	}
	// Held changes go out when their time comes, whether or not the feed
	// changed, or even answered, this time.
	return errors.Join(err, run.flush(ctx))
}

func (p *Poller) fetch(ctx context.Context, f *alertsource.Feed) (*gtfs.FeedMessage, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("feed address: %w", err)
	}
	req.Header.Set("Accept", "application/x-protobuf, application/octet-stream")
	req.Header.Set("User-Agent", "Plaza-AlertFeed/1")
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	resp, err := p.opts.Client.Do(req)
	if err != nil {
		return nil, "", &fetchError{"feed unreachable: " + outbound.Reason(err), err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, f.ETag, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", &fetchError{"feed answered " + outbound.Status(resp.StatusCode), nil}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, "", &fetchError{"reading the feed: " + outbound.Reason(err), err}
	}
	if len(body) > maxFeedBytes {
		return nil, "", errors.New("feed is larger than 10 MB")
	}
	var msg gtfs.FeedMessage
	if err := proto.Unmarshal(body, &msg); err != nil {
		return nil, "", &fetchError{"not a GTFS-realtime feed", err}
	}
	if msg.GetHeader().GetGtfsRealtimeVersion() == "" {
		return nil, "", errors.New("not a GTFS-realtime feed: no header")
	}
	return &msg, resp.Header.Get("ETag"), nil
}

// poll is one poll of one feed.
type poll struct {
	*Poller
	feed  *alertsource.Feed
	now   time.Time
	rec   alertsource.Poll
	items map[string]*alertsource.Item
	// acc and m act for the feed's account, loaded when first needed.
	acc *models.Account
	m   *models.Member
}

func (r *poll) load(ctx context.Context) error {
	items, err := r.feeds.Items(ctx, r.feed.ID)
	if err != nil {
		return &dbError{err}
	}
	r.items = make(map[string]*alertsource.Item, len(items))
	for i := range items {
		r.items[items[i].AlertID] = &items[i]
	}
	return nil
}

// account is the feed's account, loaded once per poll: its languages
// decide which of an alert's translations are read.
func (r *poll) account(ctx context.Context) (*models.Account, error) {
	if r.acc != nil {
		return r.acc, nil
	}
	acc, err := r.accounts.AccountByID(ctx, r.feed.AccountID)
	if err != nil {
		return nil, &dbError{err}
	}
	r.acc = acc
	return acc, nil
}

// actor is the account and the system member that act on its notices,
// loaded only when a notice changes.
func (r *poll) actor(ctx context.Context) (*models.Member, *models.Account, error) {
	acc, err := r.account(ctx)
	if err != nil {
		return nil, nil, err
	}
	if r.m == nil {
		m, err := r.orgs.SystemMember(ctx, acc.OrganizationID)
		if err != nil {
			return nil, nil, &dbError{err}
		}
		r.m = m
	}
	return r.m, acc, nil
}

func (r *poll) save(ctx context.Context, it *alertsource.Item) error {
	r.items[it.AlertID] = it
	if err := r.feeds.SaveItem(ctx, *it); err != nil {
		return &dbError{err}
	}
	return nil
}

// maxProblems is how many problems of one poll are spelled out; the rest
// are counted.
const maxProblems = 3

// problems collects what went wrong with single alerts of a poll, which do
// not stop the others.
type problems struct {
	n    int
	list []string
}

func (ps *problems) add(alertID string, err error) {
	ps.n++
	if len(ps.list) < maxProblems {
		ps.list = append(ps.list, fmt.Sprintf("alert %q: %s", truncate(alertID, 40), truncate(err.Error(), 100)))
	}
}

func (ps *problems) err() error {
	if ps.n == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d alerts not imported: %s", ps.n, strings.Join(ps.list, "; "))
	if more := ps.n - len(ps.list); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return errors.New(msg)
}

// apply brings the account's notices in line with the feed.
func (r *poll) apply(ctx context.Context, msg *gtfs.FeedMessage) error {
	r.rec.NewAlertsHeldBack = 0
	present := map[string]bool{}
	var ps problems
	// Untagged texts are in the account's default language.
	acc, err := r.account(ctx)
	if err != nil {
		return err
	}
	for _, e := range msg.GetEntity() {
		a := e.GetAlert()
		if a == nil || e.GetId() == "" || e.GetIsDeleted() {
			continue
		}
		id := e.GetId()
		present[id] = true
		in := input(a, models.AccountLangs(acc))
		if in.ExpiresAt != nil && !in.ExpiresAt.After(r.now) {
			continue // already over
		}
		h := hash(in)
		it, seen := r.items[id]
		switch {
		case seen && it.ContentHash == h:
			if it.HeldHash != "" {
				// Back to what followers already have: nothing to send.
				it.ClearHeld()
				if err := r.save(ctx, it); err != nil {
					return err
				}
			}
			continue
		case seen && it.HeldHash == h:
			continue // the change already held
		}
		if !seen {
			it = &alertsource.Item{FeedID: r.feed.ID, AlertID: id}
		}
		if err := r.alert(ctx, it, in, h); err != nil {
			var db *dbError
			if errors.As(err, &db) {
				return err
			}
			ps.add(id, err)
		}
	}
	// A full dataset lists every alert in force: one that left it is over.
	if msg.GetHeader().GetIncrementality() == gtfs.FeedHeader_FULL_DATASET {
		for _, id := range slices.Sorted(maps.Keys(r.items)) {
			it := r.items[id]
			if present[id] || it.NoticeID == nil {
				continue
			}
			if it.HeldHash != "" {
				it.ClearHeld()
				if err := r.save(ctx, it); err != nil {
					return err
				}
			}
			m, acc, err := r.actor(ctx)
			if err != nil {
				return err
			}
			if err := r.notices.ExpireNotice(ctx, m, acc, *it.NoticeID); err != nil && !errors.Is(err, models.ErrNotFound) {
				ps.add(id, fmt.Errorf("expire: %w", err))
			}
		}
	}
	return ps.err()
}

// alert applies one new or changed alert: a live notice gets an update
// (sent to its followers) unless one went out less than the update
// interval ago, in which case the change is held; a draft is edited; an
// alert without a notice in force becomes a new one, within the hourly
// cap.
func (r *poll) alert(ctx context.Context, it *alertsource.Item, in notice.Input, h string) error {
	m, acc, err := r.actor(ctx)
	if err != nil {
		return err
	}
	var n *models.Notice
	if it.NoticeID != nil {
		n, err = r.notices.OrgNotice(ctx, m, acc, *it.NoticeID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			n = nil // its notice was deleted (a draft staff threw away): start again
		case err != nil:
			return &dbError{err}
		}
	}
	it.SeenAt = r.now
	switch {
	case n != nil && n.Live():
		if it.SentAt != nil && r.now.Before(it.SentAt.Add(r.opts.UpdateInterval)) {
			if err := it.Hold(in, h, r.now, it.SentAt.Add(r.opts.UpdateInterval)); err != nil {
				return err
			}
			return r.save(ctx, it)
		}
		return r.update(ctx, it, n, in, h)
	case n != nil && n.Editable():
		if _, err := r.notices.SaveNotice(ctx, m, acc, n.ID, in); err != nil {
			return err
		}
		if r.feed.AutoPublish {
			if _, _, err := r.notices.PublishNotice(ctx, m, acc, n.ID, in); err != nil {
				return err
			}
			it.SentAt = &r.now
		}
		it.ContentHash = h
		it.ClearHeld()
		return r.save(ctx, it)
	}
	// New, or its notice ended or expired and the alert came back changed:
	// a new notice, if the hour's cap allows.
	if r.capReached() {
		r.rec.NewAlertsHeldBack++
		return nil
	}
	n, err = r.notices.CreateNotice(ctx, m, acc, in)
	if err != nil {
		return err
	}
	r.rec.NewAlertsCount++
	it.NoticeID, it.ContentHash, it.SentAt = &n.ID, h, nil
	it.ClearHeld()
	if r.feed.AutoPublish {
		if _, _, err := r.notices.PublishNotice(ctx, m, acc, n.ID, in); err != nil {
			// Keep the draft and no hash: the next poll edits and
			// publishes it instead of making another.
			it.ContentHash = ""
			return errors.Join(err, r.save(ctx, it))
		}
		it.SentAt = &r.now
	}
	return r.save(ctx, it)
}

// update sends in as an update of the live notice n.
func (r *poll) update(ctx context.Context, it *alertsource.Item, n *models.Notice, in notice.Input, h string) error {
	m, acc, err := r.actor(ctx)
	if err != nil {
		return err
	}
	if _, _, err := r.notices.UpdateNotice(ctx, m, acc, n.ID, in); err != nil {
		return err
	}
	it.ContentHash, it.SentAt = h, &r.now
	it.ClearHeld()
	return r.save(ctx, it)
}

// capReached says whether the feed has created as many notices as it may
// this hour; an hour starts with the first new alert after the last one
// ended.
func (r *poll) capReached() bool {
	if r.rec.NewAlertsSince == nil || !r.now.Before(r.rec.NewAlertsSince.Add(alertsource.NewAlertsWindow)) {
		r.rec.NewAlertsSince, r.rec.NewAlertsCount = &r.now, 0
	}
	return r.rec.NewAlertsCount >= r.opts.NewAlertsPerHour
}

// flush sends the held changes whose time has come, each as one update of
// its notice carrying the latest text.
func (r *poll) flush(ctx context.Context) error {
	var ps problems
	for _, id := range slices.Sorted(maps.Keys(r.items)) {
		it := r.items[id]
		if it.HeldHash == "" || it.HeldUntil == nil || r.now.Before(*it.HeldUntil) {
			continue
		}
		if err := r.release(ctx, it); err != nil {
			var db *dbError
			if errors.As(err, &db) {
				return err
			}
			ps.add(id, err)
		}
	}
	return ps.err()
}

func (r *poll) release(ctx context.Context, it *alertsource.Item) error {
	in, err := it.Held()
	if err != nil {
		return err
	}
	var n *models.Notice
	if it.NoticeID != nil && (in.ExpiresAt == nil || in.ExpiresAt.After(r.now)) {
		m, acc, err := r.actor(ctx)
		if err != nil {
			return err
		}
		n, err = r.notices.OrgNotice(ctx, m, acc, *it.NoticeID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return &dbError{err}
		}
	}
	if n == nil || !n.Live() {
		// Its notice ended, went or expired while the change waited:
		// there is nothing left to update. A change that still matters
		// comes back with the feed and is taken as a new alert.
		it.ClearHeld()
		return r.save(ctx, it)
	}
	return r.update(ctx, it, n, in, it.HeldHash)
}

// nextHeld is when the earliest held change may go out.
func (r *poll) nextHeld() *time.Time {
	var next *time.Time
	for _, it := range r.items {
		if it.HeldHash != "" && it.HeldUntil != nil && (next == nil || it.HeldUntil.Before(*next)) {
			next = it.HeldUntil
		}
	}
	return next
}
