package alertfeed_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/alertfeed"
	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/outbound"
)

// feedServer is an operations system's alert feed: it serves whatever the
// test sets, with an ETag, or misbehaves on request.
type feedServer struct {
	mu    sync.Mutex
	body  []byte
	mode  string // "", "broken", "500", "slow"
	gets  int
	fresh int // answers with a body (not 304)
}

func (s *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, mode := s.body, s.mode
	s.gets++
	s.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "database down", http.StatusInternalServerError)
		return
	case "broken":
		w.Write([]byte("<html>this is not protobuf</html>"))
		return
	case "slow":
		time.Sleep(time.Second)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.mu.Lock()
	s.fresh++
	s.mu.Unlock()
	w.Write(body)
}

func (s *feedServer) set(mode string, alerts ...*gtfs.FeedEntity) {
	msg := &gtfs.FeedMessage{Header: &gtfs.FeedHeader{GtfsRealtimeVersion: proto.String("2.0"),
		Incrementality: gtfs.FeedHeader_FULL_DATASET.Enum(), Timestamp: proto.Uint64(uint64(time.Now().Unix()))}, Entity: alerts}
	b, _ := proto.Marshal(msg)
	s.mu.Lock()
	s.body, s.mode = b, mode
	s.mu.Unlock()
}

func text(en, zh string) *gtfs.TranslatedString {
	ts := &gtfs.TranslatedString{Translation: []*gtfs.TranslatedString_Translation{{Text: proto.String(en), Language: proto.String("en")}}}
	if zh != "" {
		ts.Translation = append(ts.Translation, &gtfs.TranslatedString_Translation{Text: proto.String(zh), Language: proto.String("zh-Hans")})
	}
	return ts
}

func alert(id, title, body string, routes ...string) *gtfs.FeedEntity {
	a := &gtfs.Alert{HeaderText: text(title, "中文："+title), DescriptionText: text(body, ""),
		Cause: gtfs.Alert_CONSTRUCTION.Enum(), Effect: gtfs.Alert_DETOUR.Enum(),
		// Fixed times, so the same alert built twice is the same alert.
		ActivePeriod: []*gtfs.TimeRange{{Start: proto.Uint64(uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())),
			End: proto.Uint64(uint64(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Unix()))}}}
	for _, r := range routes {
		a.InformedEntity = append(a.InformedEntity, &gtfs.EntitySelector{AgencyId: proto.String("MTA"), RouteId: proto.String(r)})
	}
	return &gtfs.FeedEntity{Id: proto.String(id), Alert: a}
}

// clock is the poller's clock in tests: it moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at the current second: PostgreSQL keeps microseconds,
// and times read back must equal the clock's.
func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// loopback is outbound's client with the operator's allowance for this
// machine's loopback, where the tests' feed servers listen.
func loopback(t testing.TB) *http.Client {
	t.Helper()
	p, err := outbound.ParsePolicy(outbound.Loopback)
	if err != nil {
		t.Fatal(err)
	}
	return outbound.NewClient(p)
}

// start runs Plaza with its own feed scan on a clock stopped in 2000, so
// the scan never finds the test's feeds due and only the test decides
// when a feed is polled. Poll jobs the test queues still run on the app's
// workers.
func start(t *testing.T, dbURL string) *apptest.App {
	stopped := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	a := apptest.StartOptions(t, dbURL, nil, func(o *app.Options) { o.Feeds.Now = func() time.Time { return stopped } })
	a.StartWorkers(t)
	return a
}

// pollJobs counts the poll jobs ever queued.
func pollJobs(t *testing.T, a *apptest.App) int64 {
	t.Helper()
	var n int64
	if err := a.Store.DB().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = ?`, jobs.PollFeed{}.Kind()).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPollingAFeed(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		if _, err := a.Followers.SeedFollower(ctx, fx.Account.ID, models.ChannelEmail, "rider@example.org", "", "en", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		src := &feedServer{}
		srv := httptest.NewServer(src)
		defer srv.Close()
		if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: srv.URL, AutoPublish: true, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: "ftp://x", Interval: "5"}); err == nil {
			t.Fatal("accepted a bad feed")
		}
		clk := newClock()
		poller := alertfeed.New(a.Accounts, a.Orgs, a.Notices, a.AlertSources, slog.New(slog.DiscardHandler),
			alertfeed.Options{Client: loopback(t), Timeout: 300 * time.Millisecond, Now: clk.Now})
		feed := func() *alertsource.Feed {
			f, err := a.AlertSources.Of(ctx, owner, fx.Account)
			if err != nil || f == nil {
				t.Fatalf("feed: %v", err)
			}
			return f
		}
		notices := func() map[string]models.Notice {
			var list []models.Notice
			a.Store.DB().Where("account_id = ?", fx.Account.ID).Order("id").Find(&list)
			out := map[string]models.Notice{}
			for _, n := range list {
				out[n.Title("en")] = n
			}
			return out
		}
		broadcasts := func() int64 {
			var n int64
			a.Store.DB().Model(&models.Broadcast{}).Where("account_id = ?", fx.Account.ID).Count(&n)
			return n
		}

		// New alerts become published notices.
		src.set("", alert("A", "Line 12 detour", "Via Bridge St.", "12"), alert("B", "Stop S1 closed", "Use S2.", "7"))
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		ns := notices()
		d := ns["Line 12 detour"]
		if len(ns) != 2 || d.Status != models.NoticePublished || d.Title("zh-Hans") != "中文：Line 12 detour" || d.Routes != "12" ||
			d.Effect != "DETOUR" || d.Cause != "CONSTRUCTION" || d.ExpiresAt == nil || broadcasts() != 2 {
			t.Fatalf("after the first poll: %+v (%d broadcasts)", ns, broadcasts())
		}
		// The same feed again changes nothing (and is not even sent again).
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		if len(notices()) != 2 || broadcasts() != 2 || src.fresh != 1 {
			t.Fatalf("unchanged feed: %d notices, %d broadcasts, %d full answers", len(notices()), broadcasts(), src.fresh)
		}
		// Changed, removed and new alerts (after the update interval, so
		// the change goes out at once).
		clk.Add(alertfeed.DefaultUpdateInterval)
		src.set("", alert("A", "Line 12 detour", "Via Bridge St until 18:00.", "12"), alert("C", "Tram strike", "No trams.", "T1"))
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		ns = notices()
		if ns["Line 12 detour"].Revision != 2 || ns["Line 12 detour"].Translations.Get("en", "body") != "Via Bridge St until 18:00." ||
			ns["Stop S1 closed"].Status != models.NoticeExpired || ns["Tram strike"].Status != models.NoticePublished || len(ns) != 3 ||
			broadcasts() != 4 {
			t.Fatalf("after changes: %+v (%d broadcasts)", ns, broadcasts())
		}

		// Misbehaving feeds are reported, in a few words that never carry
		// what the feed's server said, and change nothing.
		for mode, want := range map[string]string{"broken": "not a GTFS-realtime feed", "500": "feed answered HTTP 500",
			"slow": "feed unreachable: timed out"} {
			src.set(mode)
			began := time.Now()
			err := poller.Poll(ctx, feed())
			if err == nil {
				t.Fatalf("%s feed: no error", mode)
			}
			if time.Since(began) > 2*time.Second {
				t.Fatalf("%s feed held the poller for %v", mode, time.Since(began))
			}
			if f := feed(); f.LastError != want {
				t.Fatalf("%s feed: error %q recorded, want %q", mode, f.LastError, want)
			}
			if got := notices(); len(got) != 3 || got["Tram strike"].Status != models.NoticePublished {
				t.Fatalf("%s feed changed the notices: %+v", mode, got)
			}
		}
		// Back to health: the error is cleared.
		src.set("", alert("A", "Line 12 detour", "Via Bridge St until 18:00.", "12"), alert("C", "Tram strike", "No trams.", "T1"))
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		if f := feed(); f.LastError != "" || f.LastOKAt == nil {
			t.Fatalf("after recovery: %+v", f)
		}

		// Without auto-publishing, new alerts wait as drafts.
		if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: srv.URL, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		src.set("", alert("A", "Line 12 detour", "Via Bridge St until 18:00.", "12"), alert("C", "Tram strike", "No trams.", "T1"),
			alert("D", "Lift out of order", "Station lift at Pier.", "12"))
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		if n := notices()["Lift out of order"]; n.Status != models.NoticeDraft {
			t.Fatalf("new alert without auto-publish: %s", n.Status)
		}

		// Due feeds are claimed once per interval, whatever the number of
		// scans (three here): one poll job is queued, and the app's
		// workers poll the feed once.
		src.mu.Lock()
		before := src.gets
		src.mu.Unlock()
		clk.Add(time.Hour)
		a.Store.DB().Exec(`UPDATE alert_feeds SET next_poll_at = ?`, clk.Now().Add(-time.Second))
		var wg sync.WaitGroup
		var claimed atomic.Int64
		for range 3 {
			wg.Go(func() {
				n, err := poller.QueueDue(ctx)
				if err != nil {
					t.Error(err)
				}
				claimed.Add(int64(n))
			})
		}
		wg.Wait()
		if n := claimed.Load(); n != 1 {
			t.Fatalf("three scans claimed the due feed %d times", n)
		}
		if n := pollJobs(t, a); n != 1 {
			t.Fatalf("%d poll jobs queued for one due feed", n)
		}
		apptest.WaitFor(t, 30*time.Second, "the queued poll", func() bool {
			src.mu.Lock()
			defer src.mu.Unlock()
			return src.gets > before
		})
		if n, _ := poller.QueueDue(ctx); n != 0 {
			t.Fatalf("polled again before its interval: %d", n)
		}
		var audits int64
		a.Store.DB().Raw(`SELECT COUNT(*) FROM audit_log WHERE action = 'notice.publish' AND user_id IS NULL`).Scan(&audits)
		if audits != 3 {
			t.Fatalf("system publications in the audit log: %d", audits)
		}
		if !strings.Contains(feed().URL, "127.0.0.1") {
			t.Fatal("feed url lost")
		}
	})
}

// TestRedirectsAreCheckedPerHop: a feed may move (a redirect is followed),
// but every hop is dialled through the guard, so a feed on an allowed
// address cannot send the poller on to an internal one.
func TestRedirectsAreCheckedPerHop(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		ln, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Skipf("no second loopback address: %v", err)
		}
		src := &feedServer{}
		src.set("", alert("R", "Moved feed", "Served after a redirect.", "9"))
		moved := httptest.NewUnstartedServer(src)
		moved.Listener = ln
		moved.Start()
		defer moved.Close()
		srv := httptest.NewServer(http.RedirectHandler(moved.URL+"/alerts.pb", http.StatusFound))
		defer srv.Close()
		if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: srv.URL, AutoPublish: true, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		poll := func(allow string) *alertsource.Feed {
			p, err := outbound.ParsePolicy(allow)
			if err != nil {
				t.Fatal(err)
			}
			f, err := a.AlertSources.Of(ctx, owner, fx.Account)
			if err != nil {
				t.Fatal(err)
			}
			alertfeed.New(a.Accounts, a.Orgs, a.Notices, a.AlertSources, slog.New(slog.DiscardHandler), alertfeed.Options{Client: outbound.NewClient(p)}).Poll(ctx, f)
			if f, err = a.AlertSources.Of(ctx, owner, fx.Account); err != nil {
				t.Fatal(err)
			}
			return f
		}
		gets := func() int {
			src.mu.Lock()
			defer src.mu.Unlock()
			return src.gets
		}
		// Only the first server is allowed: the redirect is refused.
		if f := poll("127.0.0.1/32"); f.LastError != "feed unreachable: address not allowed" || gets() != 0 {
			t.Fatalf("redirect to 127.0.0.2: error %q, %d requests arrived", f.LastError, gets())
		}
		// Both allowed: the moved feed is read.
		if f := poll("127.0.0.0/8"); f.LastError != "" || gets() != 1 {
			t.Fatalf("allowed redirect: error %q, %d requests arrived", f.LastError, gets())
		}
	})
}
