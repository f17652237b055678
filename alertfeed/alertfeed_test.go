package alertfeed_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/alertfeed"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
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
		ActivePeriod: []*gtfs.TimeRange{{Start: proto.Uint64(uint64(time.Now().Add(-time.Hour).Unix())),
			End: proto.Uint64(uint64(time.Now().Add(48 * time.Hour).Unix()))}}}
	for _, r := range routes {
		a.InformedEntity = append(a.InformedEntity, &gtfs.EntitySelector{AgencyId: proto.String("MTA"), RouteId: proto.String(r)})
	}
	return &gtfs.FeedEntity{Id: proto.String(id), Alert: a}
}

func TestPollingAFeed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		if _, err := a.Store.SeedFollower(ctx, fx.Account.ID, models.ChannelEmail, "rider@example.org", "", "en", nil, nil); err != nil {
			t.Fatal(err)
		}
		src := &feedServer{}
		srv := httptest.NewServer(src)
		defer srv.Close()
		if err := a.Store.SaveAlertFeed(ctx, owner, fx.Account, models.AlertFeedInput{URL: srv.URL, AutoPublish: true, Interval: "60"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Store.SaveAlertFeed(ctx, owner, fx.Account, models.AlertFeedInput{URL: "ftp://x", Interval: "5"}); err == nil {
			t.Fatal("accepted a bad feed")
		}
		// The app's own scheduler would poll the new feed at once; this
		// test polls by hand, so it marks the feed as just polled.
		a.Store.DB().Exec(`UPDATE alert_feeds SET last_polled_at = ?`, time.Now().UTC())
		poller := alertfeed.New(a.Store, &http.Client{Timeout: 300 * time.Millisecond}, slog.New(slog.DiscardHandler))
		feed := func() *models.AlertFeed {
			f, err := a.Store.AlertFeedOf(ctx, owner, fx.Account)
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
				out[n.TitleEn] = n
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
		if len(ns) != 2 || d.Status != models.NoticePublished || d.TitleZh != "中文：Line 12 detour" || d.Routes != "12" ||
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
		// Changed, removed and new alerts.
		src.set("", alert("A", "Line 12 detour", "Via Bridge St until 18:00.", "12"), alert("C", "Tram strike", "No trams.", "T1"))
		if err := poller.Poll(ctx, feed()); err != nil {
			t.Fatal(err)
		}
		ns = notices()
		if ns["Line 12 detour"].Revision != 2 || ns["Line 12 detour"].BodyEn != "Via Bridge St until 18:00." ||
			ns["Stop S1 closed"].Status != models.NoticeExpired || ns["Tram strike"].Status != models.NoticePublished || len(ns) != 3 ||
			broadcasts() != 4 {
			t.Fatalf("after changes: %+v (%d broadcasts)", ns, broadcasts())
		}

		// Misbehaving feeds are reported and change nothing.
		for _, mode := range []string{"broken", "500", "slow"} {
			src.set(mode)
			began := time.Now()
			err := poller.Poll(ctx, feed())
			if err == nil {
				t.Fatalf("%s feed: no error", mode)
			}
			if time.Since(began) > 2*time.Second {
				t.Fatalf("%s feed held the poller for %v", mode, time.Since(began))
			}
			if f := feed(); f.LastError == "" {
				t.Fatalf("%s feed: error not recorded", mode)
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
		if err := a.Store.SaveAlertFeed(ctx, owner, fx.Account, models.AlertFeedInput{URL: srv.URL, Interval: "60"}); err != nil {
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
		// schedulers (three here, and the app's own).
		src.mu.Lock()
		before := src.gets
		src.mu.Unlock()
		a.Store.DB().Exec(`UPDATE alert_feeds SET last_polled_at = NULL`)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if _, err := poller.PollDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond)
		src.mu.Lock()
		polls := src.gets - before
		src.mu.Unlock()
		if polls != 1 {
			t.Fatalf("a due feed was fetched %d times", polls)
		}
		if n, _ := poller.PollDue(ctx); n != 0 {
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
