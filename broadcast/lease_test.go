package broadcast_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// checkOnce fails unless every follower got exactly one message.
func (e *env) checkOnce(fs []*models.Follower) {
	e.t.Helper()
	dups := 0
	for _, f := range fs {
		switch n := len(e.ch.received(f.ID)); {
		case n == 0:
			e.t.Errorf("follower %d got nothing", f.ID)
		case n > 1:
			dups += n - 1
		}
	}
	if dups > 0 {
		e.t.Fatalf("%d messages sent twice to %d followers", dups, len(fs))
	}
}

// TestChannelSlowerThanTheLeaseSendsOnce: a receiver that needs longer
// for a batch, and even for one message, than the lease lasts. While the
// process lives, the worker renews its lease, so no other worker takes the
// deliveries over and nobody gets the notice twice. (Before leases were
// renewed, the review's probe sent 32 duplicates to 40 followers here.)
func TestChannelSlowerThanTheLeaseSendsOnce(t *testing.T) {
	for _, c := range []struct {
		name        string
		followers   int
		delay       time.Duration
		concurrency int
	}{
		{"a batch outlasts the lease", 40, 50 * time.Millisecond, 1},
		{"one message outlasts the lease", 6, 700 * time.Millisecond, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			apptest.Each(t, func(t *testing.T, dbURL string) {
				e := start(t, dbURL, func(o *app.Options) {
					o.Broadcast.Workers, o.Broadcast.BatchSize, o.Broadcast.Concurrency = 2, 40, c.concurrency
					o.Broadcast.Lease = 500 * time.Millisecond
				}, nil)
				e.ch.delay = c.delay
				fs := e.followers(c.followers)
				_, b := e.publish(general("Slow"))
				b = e.waitStatus(b.ID, models.BroadcastDone, 60*time.Second)
				if b.Sent != int64(c.followers) {
					t.Fatalf("broadcast = %+v", b)
				}
				e.checkOnce(fs)
				e.checkLedger(b.ID)
			})
		})
	}
}

// otherAccount makes an account of the fixtures' other organization with
// n webhook followers.
func (e *env) otherAccount(handle string, n int) (*models.Member, *models.Account, []*models.Follower) {
	e.t.Helper()
	m := &models.Member{User: e.fx.Outside, Org: e.fx.Other, Role: models.RoleOwner}
	a, err := e.app.Accounts.CreateAccount(e.ctx, m, models.AccountInput{Handle: handle, Name: handle, Category: "government",
		Languages: []string{"en", "zh-Hans"}})
	if err != nil {
		e.t.Fatal(err)
	}
	var fs []*models.Follower
	for i := range n {
		f, err := e.app.Followers.SeedFollower(e.ctx, a.ID, "webhook", fmt.Sprintf("+8522%06d", i), "", "en", nil, 0, "")
		if err != nil {
			e.t.Fatal(err)
		}
		fs = append(fs, f)
	}
	return m, a, fs
}

func (e *env) publishAs(m *models.Member, a *models.Account, in notice.Input) *models.Broadcast {
	e.t.Helper()
	n, err := e.app.Notices.CreateNotice(e.ctx, m, a, in)
	if err != nil {
		e.t.Fatalf("create notice: %v", err)
	}
	_, b, err := e.app.Notices.PublishNotice(e.ctx, m, a, n.ID, in)
	if err != nil {
		e.t.Fatalf("publish notice: %v", err)
	}
	return b
}

func extreme(title string) notice.Input {
	return notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", title, "body", "Move to higher ground now."),
		CapCategory: "Met", CapEvent: "Flood", Urgency: "Immediate", Severity: "Extreme", Certainty: "Observed", AreaDesc: "Riverside"}
}

// TestEmergencyOfAnotherAccountIsNotHeldUp: every ordinary worker is
// stuck on one account's receiver, which answers nothing until the test
// lets it, when another organization publishes an Extreme alert. The
// alert goes out through the workers kept for emergencies and is done
// while the stuck broadcast has not delivered a single message (a causal
// check: the old engine, with every worker stuck, never sent the alert),
// and once the receiver answers, nobody gets the slow notice twice.
func TestEmergencyOfAnotherAccountIsNotHeldUp(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) {
			o.Broadcast.Workers, o.Broadcast.BatchSize, o.Broadcast.Concurrency = 2, 50, 4
			o.Broadcast.Lease = time.Second
		}, nil)
		slowFollowers := e.followers(100)
		m, safety, urgentFollowers := e.otherAccount("citysafety", 25)
		gate := make(chan struct{})
		// A failure must not leave the senders hanging on the gate.
		open := sync.OnceFunc(func() { close(gate) })
		t.Cleanup(open)
		var stuck atomic.Int64
		e.ch.delayOf = func(msg *broadcast.Message) time.Duration {
			if msg.Content.AccountID == e.fx.Account.ID {
				stuck.Add(1)
				<-gate
			}
			return 0
		}
		_, slow := e.publish(general("Timetable change"))
		// Both ordinary workers hold a claim, all their slots waiting.
		if !apptest.EventuallyEvery(20*time.Second, 5*time.Millisecond, func() bool { return stuck.Load() >= 8 }) {
			t.Fatalf("only %d sends started", stuck.Load())
		}
		urgent := e.publishAs(m, safety, extreme("Flash flood"))
		if urgent.Priority != models.PriorityEmergency {
			t.Fatalf("extreme safety notice priority = %d", urgent.Priority)
		}
		u := e.waitStatus(urgent.ID, models.BroadcastDone, 30*time.Second)
		if s := e.broadcast(slow.ID); s.Status != models.BroadcastSending || s.Sent != 0 {
			t.Fatalf("the stuck broadcast moved before the emergency finished: %+v", s)
		}
		if u.Sent != 25 {
			t.Fatalf("emergency = %+v", u)
		}
		e.checkOnce(urgentFollowers)
		open()
		s := e.waitStatus(slow.ID, models.BroadcastDone, 60*time.Second)
		if s.Sent != 100 {
			t.Fatalf("slow broadcast = %+v", s)
		}
		e.checkOnce(slowFollowers)
		e.checkLedger(slow.ID)
	})
}

// TestAccountsTakeTurns: one account's long broadcast does not make
// another account's ordinary notice wait for it to finish: with a single
// worker, the accounts take turns.
func TestAccountsTakeTurns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		e := start(t, dbURL, func(o *app.Options) {
			o.Broadcast.Workers, o.Broadcast.BatchSize, o.Broadcast.Concurrency = 1, 10, 2
		}, nil)
		e.ch.delay = 5 * time.Millisecond
		e.followers(300)
		m, other, otherFollowers := e.otherAccount("ngo", 20)
		_, long := e.publish(general("Long"))
		e.waitStatus(long.ID, models.BroadcastSending, 10*time.Second)
		e.waitSent(20, 20*time.Second)
		short := e.publishAs(m, other, general("Short"))
		e.waitStatus(short.ID, models.BroadcastDone, 30*time.Second)
		if l := e.broadcast(long.ID); l.Status == models.BroadcastDone {
			t.Fatalf("the other account's notice waited for the long broadcast to finish: %+v", l)
		}
		e.checkOnce(otherFollowers)
		e.waitStatus(long.ID, models.BroadcastDone, 60*time.Second)
	})
}
