package handlers_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// waitBroadcast polls until the notice's newest broadcast is done.
func waitBroadcast(t *testing.T, a *apptest.App, noticeID int64) models.Broadcast {
	t.Helper()
	var bs []models.Broadcast
	if !apptest.Eventually(20*time.Second, func() bool {
		var err error
		if bs, err = a.BroadcastService.ForNotice(context.Background(), noticeID); err != nil {
			t.Fatal(err)
		}
		return len(bs) > 0 && (bs[0].Status == models.BroadcastDone || bs[0].Status == models.BroadcastCancelled)
	}) {
		t.Fatalf("broadcast of notice %d not done: %+v", noticeID, bs)
	}
	return bs[0]
}

func newestNotice(t *testing.T, a *apptest.App) *models.Notice {
	t.Helper()
	var n models.Notice
	if err := a.Store.DB().Order("id DESC").First(&n).Error; err != nil {
		t.Fatal(err)
	}
	return &n
}

func TestNoticeEditorAndPublishing(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		for i := range 3 {
			lang := "en"
			if i == 2 {
				lang = "zh-Hans"
			}
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, fmt.Sprintf("f%d@example.org", i), "", lang, nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)

		if r := c.Get(base); r.Status != 200 || !strings.Contains(r.Body, "No notices yet") {
			t.Fatalf("empty list: %s", r)
		}
		// Bad input comes back with messages and everything typed.
		bad := url.Values{"kind": {"safety"}, "title.en": {"Typhoon <signal> 8"}, "body.en": {"Stay **in**."},
			"effective_at": {"tomorrow"}, "severity": {"Catastrophic"}, "routes": {"12"}, "action": {"save"}}
		r := c.Post(base, bad)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Typhoon &lt;signal&gt; 8") ||
			!strings.Contains(r.Body, "Enter a date and time") || !strings.Contains(r.Body, "Stay **in**.") {
			t.Fatalf("bad input: %s", r)
		}
		// The no-JavaScript preview renders the Markdown, sanitized.
		r = c.Post(base, url.Values{"kind": {"general"}, "body.en": {"Hello **there** <script>alert(1)</script>"}, "action": {"preview"}})
		if r.Status != 200 || !strings.Contains(r.Body, "<strong>there</strong>") || strings.Contains(r.Body, "<script>alert") {
			t.Fatalf("preview: %s", r)
		}
		if r := c.Post(base+"/preview?lang=zh-Hans", url.Values{"body.zh-Hans": {"**台风** <img src=x onerror=alert(1)>"}}); r.Status != 200 ||
			!strings.Contains(r.Body, "<strong>台风</strong>") || strings.Contains(r.Body, "onerror") {
			t.Fatalf("htmx preview: %d %s", r.Status, r.Body)
		}

		// A safety warning, saved then reviewed and published.
		good := url.Values{"kind": {"safety"}, "title.en": {"Typhoon signal 8"}, "body.en": {"Stay **indoors**."},
			"title.zh-Hans": {"八号风球"}, "body.zh-Hans": {"请留在室内。"}, "cap_category": {"Met"}, "cap_event": {"Typhoon"},
			"urgency": {"Immediate"}, "severity": {"Severe"}, "certainty": {"Observed"}, "area_desc": {"Whole city"},
			"expires_at": {time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04")}, "action": {"publish"}}
		r = c.Post(base, good)
		n := newestNotice(t, a)
		if r.Status != http.StatusSeeOther || r.Location != fmt.Sprintf("%s/%d/publish", base, n.ID) || n.Status != models.NoticeDraft {
			t.Fatalf("save and review: %s (%s)", r, n.Status)
		}
		r = c.Get(r.Location)
		if r.Status != 200 || !strings.Contains(r.Body, "Publish to 3 followers") || !strings.Contains(r.Body, "goes ahead of every other broadcast") {
			t.Fatalf("confirmation: %s", r)
		}
		r = c.Post(fmt.Sprintf("%s/%d/publish", base, n.ID), nil)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "/broadcasts/") {
			t.Fatalf("publish: %s", r)
		}
		progressURL := r.Location
		b := waitBroadcast(t, a, n.ID)
		if b.Sent != 3 {
			t.Fatalf("broadcast %+v", b)
		}
		page := c.Get(progressURL)
		if page.Status != 200 || !strings.Contains(page.Body, "Finished") || !strings.Contains(page.Body, `<progress max="100" value="100"`) ||
			!strings.Contains(page.Body, "No failures") {
			t.Fatalf("progress page: %s", page)
		}
		if frag := c.Get(progressURL + "/progress"); frag.Status != 200 || strings.Contains(frag.Body, "hx-trigger") || strings.Contains(frag.Body, "<html") {
			t.Fatalf("finished fragment keeps polling or is a whole page: %s", frag.Body)
		}
		// A stale editor tab cannot change a published notice behind the
		// followers' backs: it is told to send an update instead.
		stale := url.Values{}
		for k, v := range good {
			stale[k] = v
		}
		stale.Set("action", "save")
		if r := c.Post(fmt.Sprintf("%s/%d", base, n.ID), stale); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "send an update instead") {
			t.Fatalf("saving a published notice: %s", r)
		}
		// Published: its page offers update, all-clear and cancel.
		detail := c.Get(fmt.Sprintf("%s/%d", base, n.ID))
		if !strings.Contains(detail.Body, "Send an update") || !strings.Contains(detail.Body, "Give the all-clear") {
			t.Fatalf("notice page: %s", detail)
		}
		// An update goes out marked as such.
		up := url.Values{}
		for k, v := range good {
			up[k] = v
		}
		up.Set("body.en", "Stay indoors until 18:00.")
		up.Set("action", "update")
		if r := c.Post(fmt.Sprintf("%s/%d/update", base, n.ID), up); r.Status != http.StatusSeeOther {
			t.Fatalf("update: %s", r)
		}
		if b := waitBroadcast(t, a, n.ID); b.Kind != models.KindUpdate || b.Sent != 3 {
			t.Fatalf("update broadcast %+v", b)
		}
		// The all-clear asks first, then tells everyone.
		if r := c.Get(fmt.Sprintf("%s/%d/end?how=all_clear", base, n.ID)); r.Status != 200 || !strings.Contains(r.Body, "Send the all-clear to 3 followers") {
			t.Fatalf("all-clear confirmation: %s", r)
		}
		if r := c.Get(fmt.Sprintf("%s/%d/end?how=explode", base, n.ID)); r.Status != 404 {
			t.Fatalf("unknown ending: %s", r)
		}
		if r := c.Post(fmt.Sprintf("%s/%d/end", base, n.ID), url.Values{"how": {"all_clear"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("all-clear: %s", r)
		}
		if b := waitBroadcast(t, a, n.ID); b.Kind != models.KindAllClear {
			t.Fatalf("all-clear broadcast %+v", b)
		}
		if r := c.Get(base + "?status=cancelled"); !strings.Contains(r.Body, "Typhoon signal 8") {
			t.Fatalf("filtered list: %s", r)
		}
		if r := c.Get(base + "?status=draft&q=typhoon"); !strings.Contains(r.Body, "No notice matches") {
			t.Fatalf("filtered list without match: %s", r)
		}

		// Scheduling from the form, then back to a draft.
		sched := url.Values{"kind": {"general"}, "title.en": {"Library closed Monday"}, "body.en": {"For repairs."},
			"publish_at": {time.Now().Add(72 * time.Hour).UTC().Format("2006-01-02T15:04")}, "action": {"publish"}}
		r = c.Post(base, sched)
		s := newestNotice(t, a)
		if r := c.Get(r.Location); !strings.Contains(r.Body, "It will publish itself at") {
			t.Fatalf("schedule confirmation: %s", r)
		}
		if r := c.Post(fmt.Sprintf("%s/%d/publish", base, s.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("schedule: %s", r)
		}
		if s = newestNotice(t, a); s.Status != models.NoticeScheduled {
			t.Fatalf("status %s", s.Status)
		}
		if r := c.Post(fmt.Sprintf("%s/%d/unschedule", base, s.ID), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("unschedule: %s", r)
		}
		if r := c.Post(fmt.Sprintf("%s/%d/delete", base, s.ID), nil); r.Status != http.StatusSeeOther || r.Location != base {
			t.Fatalf("delete draft: %s", r)
		}
		if r := c.Get(fmt.Sprintf("%s/%d", base, s.ID)); r.Status != 404 {
			t.Fatalf("deleted draft: %s", r)
		}
		for _, bad := range []string{"/abc", "/99999999999999999999", "/-1", "/0"} {
			if r := c.Get(base + bad); r.Status != 404 {
				t.Fatalf("GET %s: %d", bad, r.Status)
			}
		}
	})
}

func TestBroadcastFailuresRetryAndCancelPages(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		// Webhook followers of an account without a webhook: every
		// delivery fails with a reason staff can act on.
		for i := range 30 {
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprintf("+1555%04d", i), "", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Water off", "body", "Tuesday 9–12.")}
		n, _ := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		_, b, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		waitBroadcast(t, a, n.ID)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/broadcasts/%d", f.Org.ID, b.ID)
		r := c.Get(page)
		if r.Status != 200 || !strings.Contains(r.Body, "webhook not configured for this account") || !strings.Contains(r.Body, "+15550000") ||
			!strings.Contains(r.Body, "Retry 30 failed") || !strings.Contains(r.Body, `rel="next"`) {
			t.Fatalf("failures page: %s", r)
		}
		// In Chinese the reason is in Chinese too (it is stored in English,
		// which the API returns).
		if r := sendWith(t, a, c, "GET", page, nil, map[string]string{"Accept-Language": "zh-CN"}); !strings.Contains(r.Body, "此账号未设置 Webhook") ||
			strings.Contains(r.Body, "webhook not configured for this account") {
			t.Fatalf("failures page in Chinese: %s", r)
		}
		if r := c.Get(page + "?page=2"); !strings.Contains(r.Body, "+15550029") {
			t.Fatalf("second page of failures: %s", r)
		}
		// Retrying queues them again; still without a webhook, they fail
		// again with the same reason.
		if r := c.Post(page+"/retry", nil); r.Status != http.StatusSeeOther || r.Location != page {
			t.Fatalf("retry: %s", r)
		}
		if got := waitBroadcast(t, a, n.ID); got.Failed != 30 || got.Total != 30 {
			t.Fatalf("after retry: %+v", got)
		}
		if r := c.Get(page + "/cancel"); r.Status != 200 || !strings.Contains(r.Body, "already finished") {
			t.Fatalf("cancel a finished broadcast: %s", r)
		}
		if r := c.Post(page+"/cancel", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("cancel finished: %s", r)
		}
		// Other organizations' broadcasts do not exist for this owner.
		if r := c.Get(fmt.Sprintf("/studio/orgs/%d/accounts/metro/broadcasts/%d", f.Other.ID, b.ID)); r.Status != 404 {
			t.Fatalf("other org: %d", r.Status)
		}
	})
}

func TestPublicNoticePages(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		publish := func(in notice.Input) *models.Notice {
			n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
			if err != nil {
				t.Fatal(err)
			}
			n, _, err = a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		alert := publish(notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Flood warning", "body", "Move to **higher** ground.").With("zh-Hans", "title", "洪水警告", "body", "请转移到**高处**。"),
			CapCategory: "Met", CapEvent: "Flood", Urgency: "Immediate",
			Severity: "Extreme", Certainty: "Observed", AreaDesc: "Riverside"})
		transit := publish(notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 detour", "body", "Via Bridge St."),
			Routes: "12", Stops: "1042", Cause: "CONSTRUCTION", Effect: "DETOUR"})
		general := publish(notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "New timetable", "body", "From June.")})
		draft, _ := a.Notices.CreateNotice(ctx, boss, f.Account, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Secret draft")})
		if _, _, err := a.Notices.EndNotice(ctx, boss, f.Account, general.ID, models.EndCancel); err != nil {
			t.Fatal(err)
		}
		c := a.Client(t)
		tests := []struct {
			name, path, lang string
			status           int
			want, not        []string
		}{
			{"home page leads with the alerts in force", "/", "", 200,
				[]string{"Alerts in force", "Flood warning", "All alerts in force"}, []string{"New timetable"}},
			{"account page lists notices", "/@metro", "", 200,
				[]string{"Flood warning", "Line 12 detour", `type="application/atom+xml"`}, []string{"Secret draft"}},
			{"notice in English", fmt.Sprintf("/@metro/notices/%d", alert.ID), "", 200,
				[]string{"Flood warning", "<strong>higher</strong>", "Riverside", "Extreme", `hreflang="zh-Hans" lang="zh-Hans" dir="ltr">简体中文</a>`,
					`<link rel="alternate" hreflang="zh-Hans" href="/@metro/notices/`}, []string{"is not available in"}},
			{"notice in Chinese by link", fmt.Sprintf("/@metro/notices/%d?lang=zh", alert.ID), "", 200,
				[]string{"洪水警告", "<strong>高处</strong>", `hreflang="en" lang="en" dir="ltr">English</a>`}, nil},
			{"notice in Chinese by browser", fmt.Sprintf("/@metro/notices/%d", alert.ID), "zh-CN,zh;q=0.9", 200,
				[]string{"洪水警告", "极端"}, nil},
			{"English-only notice for a Chinese reader", fmt.Sprintf("/@metro/notices/%d", transit.ID), "zh-CN", 200,
				// ...and says so, in the page's language.
				[]string{"Line 12 detour", "绕行", "施工", "1042", "此内容没有简体中文版本，以下为English版本。"}, nil},
			{"cancelled notice says so", fmt.Sprintf("/@metro/notices/%d", general.ID), "", 200,
				[]string{"This notice has been cancelled."}, nil},
			{"drafts are not public", fmt.Sprintf("/@metro/notices/%d", draft.ID), "", 404, nil, nil},
			{"another account's path", fmt.Sprintf("/@nobody/notices/%d", alert.ID), "", 404, nil, nil},
			{"bad id", "/@metro/notices/abc", "", 404, nil, nil},
			{"list", "/@metro/notices", "", 200, []string{"Flood warning", "New timetable", "Cancelled"}, []string{"Secret draft"}},
			{"list past the end", "/@metro/notices?page=9", "", 200, []string{"first page"}, nil},
			{"account alerts: emergency first", "/@metro/alerts", "", 200, []string{"Flood warning", "Line 12 detour"}, []string{"New timetable"}},
			{"city alerts", "/alerts", "", 200, []string{"Flood warning", "@metro"}, []string{"New timetable", "Secret draft"}},
		}
		for _, tt := range tests {
			req, _ := http.NewRequest("GET", a.URL+tt.path, nil)
			if tt.lang != "" {
				req.Header.Set("Accept-Language", tt.lang)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s: status %d", tt.name, resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: missing %q", tt.name, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(body, w) {
					t.Errorf("%s: shows %q", tt.name, w)
				}
			}
		}
		if i := strings.Index(c.Get("/@metro/alerts").Body, "Flood warning"); i < 0 || i > strings.Index(c.Get("/@metro/alerts").Body, "Line 12 detour") {
			t.Error("the extreme alert is not first")
		}

		// The Atom feed.
		feed := c.Get("/@metro/notices.atom")
		if feed.Status != 200 || !strings.HasPrefix(feed.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("feed: %d %s", feed.Status, feed.Header.Get("Content-Type"))
		}
		var doc struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			ID      string   `xml:"id"`
			Entries []struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Content struct {
					Type string `xml:"type,attr"`
					Body string `xml:",chardata"`
				} `xml:"content"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(feed.Body), &doc); err != nil {
			t.Fatalf("feed is not Atom: %v\n%s", err, feed.Body)
		}
		if len(doc.Entries) != 3 || doc.Entries[0].Content.Type != "html" || !strings.Contains(feed.Body, "&lt;strong&gt;higher&lt;/strong&gt;") ||
			strings.Contains(feed.Body, "Secret draft") || doc.ID != "http://plaza.test/@metro/notices" {
			t.Fatalf("feed entries: %+v", doc)
		}
		req, _ := http.NewRequest("GET", a.URL+"/@metro/notices.atom", nil)
		req.Header.Set("If-None-Match", feed.Header.Get("ETag"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusNotModified {
			t.Fatalf("conditional feed: %v %v", err, resp)
		}
		resp.Body.Close()
	})
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
