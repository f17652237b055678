package broadcast_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/follower"
)

// blackhole is an SMTP server that accepts connections and never says a
// word, as a mail server that has died behind a working TCP stack does.
type blackhole struct {
	ln       net.Listener
	accepted atomic.Int32
	// hungUp counts connections the client gave up on: their job is no
	// longer stuck.
	hungUp atomic.Int32
	mu     sync.Mutex
	conns  []net.Conn
}

func newBlackhole(t *testing.T) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.accepted.Add(1)
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
			go func() {
				// Read until the client hangs up; answer nothing.
				buf := make([]byte, 512)
				for {
					if _, err := c.Read(buf); err != nil {
						if !errors.Is(err, net.ErrClosed) {
							b.hungUp.Add(1)
						}
						return
					}
				}
			}()
		}
	}()
	return b
}

func (b *blackhole) url() string { return "smtp://" + b.ln.Addr().String() }

// release closes everything, so the stuck jobs fail at once instead of at
// their timeout.
func (b *blackhole) release() {
	b.ln.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		c.Close()
	}
}

// hangingFeed is an alert feed that never answers until released.
type hangingFeed struct {
	srv      *httptest.Server
	entered  atomic.Int32
	returned atomic.Int32
	released chan struct{}
}

func newHangingFeed() *hangingFeed {
	h := &hangingFeed{released: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.entered.Add(1)
		defer h.returned.Add(1)
		select {
		case <-h.released:
		case <-r.Context().Done():
		}
		http.Error(w, "released", http.StatusServiceUnavailable)
	}))
	return h
}

func (h *hangingFeed) release() {
	close(h.released)
	h.srv.Close()
}

// TestScheduledNoticePublishesWhileSMTPAndFeedHang: with every mail
// worker stuck on an SMTP server that never answers and the alert feed
// poll stuck on a feed that never answers, a scheduled notice is still
// published and delivered. The check is causal: both stay stuck until the
// test releases them, after the notice went out.
func TestScheduledNoticePublishesWhileSMTPAndFeedHang(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		hole := newBlackhole(t)
		feed := newHangingFeed()
		e := start(t, dbURL, nil, func(c *config.Config) { c.SMTPURL = hole.url() })
		// Registered after the app: runs before it stops, so its jobs end.
		t.Cleanup(func() { hole.release(); feed.release() })
		e.followers(3)

		// More follow requests by e-mail than there are mail workers: the
		// mail queue is jammed.
		const mailWorkers = 4
		for i := range mailWorkers + 1 {
			_, err := e.app.Followers.RequestFollow(e.ctx, follower.FollowRequest{AccountID: e.fx.Account.ID,
				Channel: models.ChannelEmail, Address: fmt.Sprintf("reader%d@example.org", i), Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := e.app.AlertSources.Save(e.ctx, e.owner(), e.fx.Account, alertsource.Input{URL: feed.srv.URL, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		apptest.WaitFor(t, 20*time.Second, "every mail worker connected to the blackhole", func() bool { return hole.accepted.Load() >= mailWorkers })
		apptest.WaitFor(t, 20*time.Second, "the feed poll reached the feed", func() bool { return feed.entered.Load() >= 1 })

		in := general("On time")
		// Kept to the second: at least a second ahead.
		at := time.Now().Add(2 * time.Second)
		in.PublishAt = &at
		n, err := e.app.Notices.CreateNotice(e.ctx, e.owner(), e.fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, b, err := e.app.Notices.PublishNotice(e.ctx, e.owner(), e.fx.Account, n.ID, in); err != nil || b != nil {
			t.Fatalf("schedule: %v, broadcast %v", err, b)
		}
		apptest.WaitFor(t, 20*time.Second, "the scheduled notice published and delivered", func() bool {
			bs, err := e.app.BroadcastService.ForNotice(e.ctx, n.ID)
			return err == nil && len(bs) == 1 && bs[0].Status == models.BroadcastDone && bs[0].Sent == 3
		})

		// Still stuck: no mail connection was given up, every mail worker
		// is still running its job, and the feed has not answered.
		if h := hole.hungUp.Load(); h != 0 {
			t.Fatalf("%d SMTP connections ended before the blackhole was released", h)
		}
		var running int64
		if err := e.app.DB.Gorm.Table("river_job").Where("kind = 'follower_mail' AND state = 'running'").Count(&running).Error; err != nil {
			t.Fatal(err)
		}
		if running != mailWorkers {
			t.Fatalf("%d follower mail jobs running, want all %d mail workers stuck", running, mailWorkers)
		}
		if r := feed.returned.Load(); r != 0 {
			t.Fatalf("the feed answered %d polls before it was released", r)
		}
	})
}
