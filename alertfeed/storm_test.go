package alertfeed_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/alertfeed"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
)

// feedFixture is an account with a follower and an auto-publishing feed
// served by src, polled by a poller on a clock the test moves.
type feedFixture struct {
	a      *apptest.App
	fx     *apptest.Fixtures
	src    *feedServer
	clk    *clock
	poller *alertfeed.Poller
	owner  *models.Member
}

func newFeedFixture(t *testing.T, dbURL string, o alertfeed.Options) *feedFixture {
	t.Helper()
	a := start(t, dbURL)
	fx := apptest.Seed(t, a)
	ctx := context.Background()
	owner := fx.Member(models.RoleOwner)
	if _, err := a.Followers.SeedFollower(ctx, fx.Account.ID, models.ChannelEmail, "rider@example.org", "", "en", nil, 0, ""); err != nil {
		t.Fatal(err)
	}
	src := &feedServer{}
	srv := httptest.NewServer(src)
	t.Cleanup(srv.Close)
	if err := a.AlertSources.Save(ctx, owner, fx.Account, alertsource.Input{URL: srv.URL, AutoPublish: true, Interval: "60"}); err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	o.Now = clk.Now
	if o.Client == nil {
		o.Client = loopback(t)
	}
	return &feedFixture{a: a, fx: fx, src: src, clk: clk, poller: alertfeed.New(a.Accounts, a.Orgs, a.Notices, a.AlertSources, slog.New(slog.DiscardHandler), o), owner: owner}
}

func (ff *feedFixture) feed(t *testing.T) *alertsource.Feed {
	t.Helper()
	f, err := ff.a.AlertSources.Of(context.Background(), ff.owner, ff.fx.Account)
	if err != nil || f == nil {
		t.Fatalf("feed: %v", err)
	}
	return f
}

func (ff *feedFixture) poll(t *testing.T) {
	t.Helper()
	if err := ff.poller.Poll(context.Background(), ff.feed(t)); err != nil {
		t.Fatalf("poll at %s: %v", ff.clk.Now().Format(time.TimeOnly), err)
	}
}

// broadcasts counts the account's broadcasts of a kind.
func (ff *feedFixture) broadcasts(kind string) int64 {
	var n int64
	ff.a.Store.DB().Model(&models.Broadcast{}).Where("account_id = ? AND kind = ?", ff.fx.Account.ID, kind).Count(&n)
	return n
}

func (ff *feedFixture) notices(t *testing.T) []models.Notice {
	t.Helper()
	var list []models.Notice
	if err := ff.a.Store.DB().Where("account_id = ?", ff.fx.Account.ID).Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	return list
}

// page is the account's delivery settings page as its owner sees it.
func (ff *feedFixture) page(t *testing.T) string {
	t.Helper()
	c := ff.a.Client(t)
	c.Login(ff.fx.ByRole[models.RoleOwner].Email, apptest.Password)
	r := c.Get(fmt.Sprintf("/studio/orgs/%d/accounts/metro/delivery", ff.fx.Org.ID))
	if r.Status != http.StatusOK {
		t.Fatalf("delivery page: %s", r.String())
	}
	return r.Body
}

// TestAChangingAlertIsNotABroadcastPerPoll is the storm of the security
// review (finding 9): a feed whose alert text changes on every poll. Its
// changes are held and go out as one update per interval, carrying the
// latest text, even when the feed has stopped changing by then.
func TestAChangingAlertIsNotABroadcastPerPoll(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ff := newFeedFixture(t, dbURL, alertfeed.Options{})
		interval := alertfeed.DefaultUpdateInterval
		published := ff.clk.Now()
		ff.src.set("", alert("A", "Line 12 delayed (poll 0)", "Signal fault.", "12"))
		ff.poll(t)
		if ff.broadcasts(models.KindPublish) != 1 || ff.broadcasts(models.KindUpdate) != 0 {
			t.Fatalf("first poll: %d publications, %d updates", ff.broadcasts(models.KindPublish), ff.broadcasts(models.KindUpdate))
		}

		// The feed's own turn is far away (a feed polled once a day).
		ff.a.Store.DB().Exec(`UPDATE alert_feeds SET next_poll_at = ?`, ff.clk.Now().Add(24*time.Hour))

		// Ten polls within the interval, each with new text: nothing goes
		// out, and the latest text is the one held.
		var firstHeld time.Time
		for i := 1; i <= 10; i++ {
			ff.clk.Add(time.Minute)
			if i == 1 {
				firstHeld = ff.clk.Now()
			}
			ff.src.set("", alert("A", fmt.Sprintf("Line 12 delayed (poll %d)", i), "Signal fault.", "12"))
			ff.poll(t)
		}
		if n := ff.broadcasts(models.KindUpdate); n != 0 {
			t.Fatalf("%d updates sent within the interval", n)
		}
		ns := ff.notices(t)
		if len(ns) != 1 || ns[0].Revision != 1 || ns[0].Translations.Get("en", "title") != "Line 12 delayed (poll 0)" {
			t.Fatalf("the notice changed while its changes were held: %+v", ns)
		}
		held, err := ff.a.AlertSources.HeldChanges(context.Background(), ff.owner, ff.fx.Account)
		if err != nil || len(held) != 1 {
			t.Fatalf("held changes: %+v, %v", held, err)
		}
		h := held[0]
		if h.AlertID != "A" || h.Latest.Translations.Get("en", "title") != "Line 12 delayed (poll 10)" || h.Title.Title("en") != "Line 12 delayed (poll 0)" ||
			!h.Since.Equal(firstHeld) || !h.Until.Equal(published.Add(interval)) || h.NoticeID == nil || *h.NoticeID != ns[0].ID {
			t.Fatalf("held change: %+v (first held %s, published %s)", h, firstHeld, published)
		}
		// The feed's next poll is brought forward to when the change may
		// go out: the scan flushes it even for a feed polled once a day.
		if f := ff.feed(t); !f.NextPollAt.Equal(h.Until) {
			t.Fatalf("next poll %s; want the held change's time %s", f.NextPollAt, h.Until)
		}
		// Staff see the held change, since when and when it goes out.
		body := ff.page(t)
		for _, want := range []string{"Changes held back: 1", "Line 12 delayed (poll 10)", "Line 12 delayed (poll 0)",
			"<code class=\"small\">A</code>", "at the first poll from"} {
			if !strings.Contains(body, want) {
				t.Fatalf("the delivery page does not show %q:\n%s", want, body)
			}
		}

		// The feed stops changing; once the interval has passed, the next
		// poll sends one update with the latest text, though the feed
		// itself answers "not modified".
		fresh := ff.src.fresh
		ff.clk.Add(interval - 10*time.Minute)
		ff.poll(t)
		if ff.src.fresh != fresh {
			t.Fatal("the feed was sent again although it did not change")
		}
		if n := ff.broadcasts(models.KindUpdate); n != 1 {
			t.Fatalf("%d updates once the interval passed; want 1", n)
		}
		ns = ff.notices(t)
		if len(ns) != 1 || ns[0].Revision != 2 || ns[0].Translations.Get("en", "title") != "Line 12 delayed (poll 10)" {
			t.Fatalf("after the interval: %+v", ns)
		}
		if held, _ := ff.a.AlertSources.HeldChanges(context.Background(), ff.owner, ff.fx.Account); len(held) != 0 {
			t.Fatalf("still held after going out: %+v", held)
		}
		if strings.Contains(ff.page(t), "Changes held back") {
			t.Fatal("the page still shows held changes")
		}
		// Polls without changes send nothing more.
		ff.clk.Add(interval)
		ff.poll(t)
		if n := ff.broadcasts(models.KindUpdate); n != 1 {
			t.Fatalf("%d updates without a change", n)
		}

		// A change held, then taken back before its time: nothing is sent.
		ff.src.set("", alert("A", "Line 12 delayed (poll 10)", "Signal fault, fixed soon.", "12"))
		ff.poll(t) // more than an interval since the last update: goes out
		if n := ff.broadcasts(models.KindUpdate); n != 2 {
			t.Fatalf("%d updates; a change after a quiet interval goes out at once", n)
		}
		ff.src.set("", alert("A", "Line 12 delayed (poll 10)", "Signal fault.", "12"))
		ff.clk.Add(time.Minute)
		ff.poll(t) // too soon: held
		if held, _ := ff.a.AlertSources.HeldChanges(context.Background(), ff.owner, ff.fx.Account); len(held) != 1 {
			t.Fatalf("held: %+v", held)
		}
		ff.src.set("", alert("A", "Line 12 delayed (poll 10)", "Signal fault, fixed soon.", "12"))
		ff.clk.Add(time.Minute)
		ff.poll(t)
		ff.clk.Add(interval)
		ff.poll(t)
		if n := ff.broadcasts(models.KindUpdate); n != 2 {
			t.Fatalf("%d updates; a change taken back before its time must not go out", n)
		}

		// An alert that leaves the feed drops its held change with it.
		ff.src.set("", alert("A", "Line 12 delayed (poll 11)", "Signal fault.", "12"))
		ff.poll(t) // goes out
		ff.src.set("", alert("A", "Line 12 delayed (poll 12)", "Signal fault.", "12"))
		ff.clk.Add(time.Minute)
		ff.poll(t) // held
		if held, _ := ff.a.AlertSources.HeldChanges(context.Background(), ff.owner, ff.fx.Account); len(held) != 1 {
			t.Fatalf("held: %+v", held)
		}
		ff.src.set("")
		ff.poll(t)
		ff.clk.Add(interval)
		ff.poll(t)
		if n := ff.broadcasts(models.KindUpdate); n != 3 {
			t.Fatalf("%d updates; want 3, and the held change of an alert that left the feed must not go out", n)
		}
		if ns := ff.notices(t); ns[0].Status != models.NoticeExpired {
			t.Fatalf("alert left the feed, its notice is %s", ns[0].Status)
		}
	})
}

// TestNewAlertsPerHourAreCapped: a feed that brings more new alerts than
// the hourly cap gets the cap's worth of notices; the rest wait for the
// next hour, and the studio says so.
func TestNewAlertsPerHourAreCapped(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ff := newFeedFixture(t, dbURL, alertfeed.Options{NewAlertsPerHour: 3})
		var alerts []*gtfs.FeedEntity
		for i := range 5 {
			alerts = append(alerts, alert(fmt.Sprintf("N%d", i), fmt.Sprintf("Stop %d closed", i), "Use the next one.", "7"))
		}
		ff.src.set("", alerts...)
		ff.poll(t)
		if n := len(ff.notices(t)); n != 3 || ff.broadcasts(models.KindPublish) != 3 {
			t.Fatalf("%d notices and %d publications from 5 new alerts with a cap of 3", n, ff.broadcasts(models.KindPublish))
		}
		f := ff.feed(t)
		if f.NewAlertsHeldBack != 2 || f.NewAlertsCount != 3 {
			t.Fatalf("feed after the cap: %+v", f)
		}
		if body := ff.page(t); !strings.Contains(body, "2 new alerts of this feed were not imported") ||
			!strings.Contains(body, "already created 3 notices this hour") {
			t.Fatalf("no warning on the delivery page:\n%s", body)
		}
		// Polls within the hour import nothing more and count the same
		// alerts once.
		for range 3 {
			ff.clk.Add(10 * time.Minute)
			ff.poll(t)
		}
		if n := len(ff.notices(t)); n != 3 || ff.feed(t).NewAlertsHeldBack != 2 {
			t.Fatalf("within the hour: %d notices, %d held back", n, ff.feed(t).NewAlertsHeldBack)
		}
		// The next hour takes them in, and the warning goes.
		ff.clk.Add(31 * time.Minute)
		ff.poll(t)
		if n := len(ff.notices(t)); n != 5 || ff.feed(t).NewAlertsHeldBack != 0 {
			t.Fatalf("next hour: %d notices, %d held back", n, ff.feed(t).NewAlertsHeldBack)
		}
		if strings.Contains(ff.page(t), "were not imported") {
			t.Fatal("the warning stayed after the alerts came in")
		}
	})
}

// TestFeedErrorsAreBounded: however many alerts fail and however long
// their ids, the error kept on the feed stays short and whole.
func TestFeedErrorsAreBounded(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		ff := newFeedFixture(t, dbURL, alertfeed.Options{})
		var bad []*gtfs.FeedEntity
		for i := range 40 {
			// No title in any language: not a notice.
			bad = append(bad, &gtfs.FeedEntity{Id: proto.String(fmt.Sprintf("%d-%s", i, strings.Repeat("警", 300))),
				Alert: &gtfs.Alert{Effect: gtfs.Alert_DETOUR.Enum()}})
		}
		ff.src.set("", bad...)
		if err := ff.poller.Poll(context.Background(), ff.feed(t)); err == nil {
			t.Fatal("no error for 40 alerts that are not notices")
		}
		msg := ff.feed(t).LastError
		if !strings.HasPrefix(msg, "40 alerts not imported: ") || !utf8.ValidString(msg) || utf8.RuneCountInString(msg) > 500 {
			t.Fatalf("stored error (%d characters): %q", utf8.RuneCountInString(msg), msg)
		}
		if strings.Count(msg, "alert \"") > 3 {
			t.Fatalf("every failure spelled out: %q", msg)
		}
	})
}
