package handlers_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
)

// Tests for follow-code scans: counting, follows, conversion and the daily chart.

func TestCodeScansFollowsAndConversion(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, trustLoopbackProxy)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		ed := f.Member(models.RoleEditor)
		code, err := a.FollowCodes.CreateFollowCode(ctx, ed, f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.FollowCodes.CreateFollowCode(ctx, ed, f.Account, followcode.FollowCodeInput{Name: "Quiet", Scene: "quiet"})
		if err != nil {
			t.Fatal(err)
		}
		for i, ua := range []string{
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
			"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
			"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0",
		} {
			// Five people: one client's scans of a code count once an hour.
			if st := codeGetAs(t, a, "/q/"+code.Code, ua, fmt.Sprintf("198.51.100.%d", i+1)); st != http.StatusOK {
				t.Fatalf("scan as %q: status %d", ua, st)
			}
		}
		var devices []string
		a.DB.Gorm.Model(&followcode.Scan{}).Where("code_id = ?", code.ID).Pluck("device", &devices)
		sort.Strings(devices)
		if strings.Join(devices, ",") != "bot,desktop,phone,phone,phone" {
			t.Fatalf("devices recorded = %v", devices)
		}
		cols, err := a.DB.Gorm.Migrator().ColumnTypes("scans")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if n := strings.ToLower(c.Name()); strings.Contains(n, "ip") || strings.Contains(n, "addr") || strings.Contains(n, "agent") {
				t.Fatalf("scans keep %q about the visitor", c.Name())
			}
		}

		// Two follows through the code are confirmed, one is still pending,
		// and one came without a code.
		follow := func(addr string, codeID *int64, confirm bool) {
			req := follower.FollowRequest{AccountID: f.Account.ID, Channel: models.ChannelEmail, Address: addr, CodeID: codeID}
			if codeID != nil {
				req.Scene = code.Scene
			}
			fl, err := a.Followers.RequestFollow(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if confirm {
				if _, err := a.Followers.ConfirmFollow(ctx, fl.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		follow("one@example.org", &code.ID, true)
		follow("two@example.org", &code.ID, true)
		follow("waiting@example.org", &code.ID, false)
		follow("direct@example.org", nil, true)

		list, err := a.FollowCodes.ListFollowCodes(ctx, f.Member(models.RoleViewer), f.Account)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range list {
			got[c.Scene] = fmt.Sprintf("%d/%d/%.2f", c.Scans, c.Follows, c.Conversion())
		}
		if got["stop-1042"] != "4/2/0.50" || got["quiet"] != "0/0/0.00" || len(got) != 2 {
			t.Fatalf("totals = %v; want stop-1042 4 scans (bot left out), 2 follows, 50%%", got)
		}

		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := c.Get(codeURL(f, code.ID, ""))
		if page.Status != http.StatusOK {
			t.Fatalf("code page: %s", page)
		}
		if s, fo, cv := codeStat(t, page.Body, "Scans"), codeStat(t, page.Body, "Follows"), codeStat(t, page.Body, "Conversion"); s != "4" || fo != "2" || cv != "50.0%" {
			t.Fatalf("page shows scans %s, follows %s, conversion %s", s, fo, cv)
		}
		for _, want := range []string{`data-device="phone">Phone: 3<`, `data-device="bot">Bots and link previews (not counted as scans): 1<`, `data-device="desktop">Computer: 1<`} {
			if !strings.Contains(page.Body, want) {
				t.Fatalf("device breakdown lacks %q: %s", want, page)
			}
		}
		listPage := c.Get(codesURL(f, ""))
		if !regexp.MustCompile(`>Stop 1042</a></td><td><code>stop-1042</code></td><td>Active</td><td class="num"[^>]*>4</td><td class="num"[^>]*>2</td><td class="num"[^>]*>50.0%</td>`).MatchString(listPage.Body) ||
			!regexp.MustCompile(`>Quiet</a></td><td><code>quiet</code></td><td>Active</td><td class="num"[^>]*>0</td><td class="num"[^>]*>0</td><td class="num"[^>]*>–</td>`).MatchString(listPage.Body) {
			t.Fatalf("list totals: %s", listPage)
		}
	})
}

// A scan counts once per client per code per hour: a script that opens a
// poster's link in a loop cannot inflate its numbers, and a client is its
// address as the trusted proxy reports it, an IPv6 client its /64. No
// address is kept, not even in the counters that expire.
func TestScansCountOncePerClient(t *testing.T) {
	repeat := func(n int, clients ...string) []string {
		var out []string
		for range n {
			out = append(out, clients...)
		}
		return out
	}
	tests := []struct {
		name    string
		clients []string
		want    int64
	}{
		{"one client 300 times", repeat(300, "203.0.113.7"), 1},
		{"two clients 150 times each", repeat(150, "203.0.113.7", "203.0.113.8"), 2},
		{"IPv6 addresses in one /64", []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::1"}, 1},
		{"IPv6 addresses in two /64s", []string{"2001:db8:1:2::1", "2001:db8:1:3::1"}, 2},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.StartWith(t, dbURL, trustLoopbackProxy)
		f := apptest.Seed(t, a)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, err := a.FollowCodes.CreateFollowCode(context.Background(), f.Member(models.RoleEditor), f.Account,
					followcode.FollowCodeInput{Name: tt.name, Scene: fmt.Sprintf("scene-%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				for _, client := range tt.clients {
					if st := codeGetAs(t, a, "/q/"+code.Code, "Mozilla/5.0 (iPhone) Mobile", client); st != http.StatusOK {
						t.Fatalf("scan from %s: status %d", client, st)
					}
				}
				if n := codeCount(t, a, &followcode.Scan{}, "code_id = ?", code.ID); n != tt.want {
					t.Fatalf("%d scans counted, want %d", n, tt.want)
				}
			})
		}
		var keys []string
		a.DB.Gorm.Model(&models.RateLimit{}).Pluck("key", &keys)
		for _, k := range keys {
			if strings.Contains(k, "203.0.113") || strings.Contains(k, "2001:db8") || strings.Contains(k, "127.0.0.1") {
				t.Errorf("rate-limit key %q holds a client address", k)
			}
		}
	})
}

// codeChartRow reads one day of the chart's table: scans and follows.
func codeChartRow(t *testing.T, body, label string) (string, string) {
	t.Helper()
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td>(\d+)</td><td>(\d+)</td>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row %q in the chart's table", label)
	}
	return m[1], m[2]
}

func TestCodeDailyChart(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		code, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, followcode.FollowCodeInput{Name: "Stop 1042", Scene: "stop-1042"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := a.FollowCodes.CreateFollowCode(ctx, f.Member(models.RoleOwner), f.Account, followcode.FollowCodeInput{Name: "Other", Scene: "other"})
		if err != nil {
			t.Fatal(err)
		}
		now := a.Store.Now()
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		threeAgo := today.AddDate(0, 0, -3)
		at := func(day time.Time, h, m int) time.Time {
			return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
		}
		scans := []followcode.Scan{
			{CodeID: code.ID, Device: "phone", CreatedAt: at(threeAgo, 0, 0)},
			{CodeID: code.ID, Device: "phone", CreatedAt: at(threeAgo, 12, 30)},
			{CodeID: code.ID, Device: "desktop", CreatedAt: at(threeAgo, 23, 59)},
			{CodeID: code.ID, Device: "bot", CreatedAt: at(threeAgo, 13, 0)},
			{CodeID: code.ID, Device: "phone", CreatedAt: at(today, 0, 1)},
			// Before the 30 days, and another code's: not on the chart.
			{CodeID: code.ID, Device: "phone", CreatedAt: at(today.AddDate(0, 0, -30), 23, 0)},
			{CodeID: other.ID, Device: "phone", CreatedAt: at(threeAgo, 10, 0)},
		}
		if err := a.DB.Gorm.Create(&scans).Error; err != nil {
			t.Fatal(err)
		}
		events := []models.FollowEvent{
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "follow", CreatedAt: at(threeAgo, 12, 45)},
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "unfollow", CreatedAt: at(threeAgo, 13, 0)},
			{AccountID: f.Account.ID, CodeID: &code.ID, Channel: "email", Kind: "follow", CreatedAt: at(today, 0, 2)},
			{AccountID: f.Account.ID, Channel: "email", Kind: "follow", CreatedAt: at(today, 0, 3)},
		}
		if err := a.DB.Gorm.Create(&events).Error; err != nil {
			t.Fatal(err)
		}

		days, err := a.FollowCodes.CodeDailyStats(ctx, code, 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 30 || !days[29].Day.Equal(today) || !days[0].Day.Equal(today.AddDate(0, 0, -29)) {
			t.Fatalf("days run from %v to %v (%d); want the 30 days to today", days[0].Day, days[len(days)-1].Day, len(days))
		}
		for i, d := range days {
			want := codeDayWant(i)
			if d.Scans != want[0] || d.Follows != want[1] {
				t.Fatalf("day %s: %d scans, %d follows; want %v", d.Day.Format("2006-01-02"), d.Scans, d.Follows, want)
			}
		}

		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := c.Get(codeURL(f, code.ID, ""))
		if s, fo := codeChartRow(t, page.Body, threeAgo.Format("2 Jan")); s != "3" || fo != "1" {
			t.Fatalf("three days ago in the table: %s scans, %s follows", s, fo)
		}
		if s, fo := codeChartRow(t, page.Body, today.Format("2 Jan")); s != "1" || fo != "1" {
			t.Fatalf("today in the table: %s scans, %s follows", s, fo)
		}
		if s, fo := codeChartRow(t, page.Body, today.AddDate(0, 0, -1).Format("2 Jan")); s != "0" || fo != "0" {
			t.Fatalf("an empty day in the table: %s scans, %s follows", s, fo)
		}
		for _, want := range []string{`role="img" aria-labelledby="code-chart-title code-chart-desc"`, "4 scans and 2 follows in all",
			"<title>" + threeAgo.Format("2 Jan") + ": Scans 3</title>", "<title>" + today.Format("2 Jan") + ": Follows 1</title>"} {
			if !strings.Contains(page.Body, want) {
				t.Fatalf("chart lacks %q: %s", want, page)
			}
		}
		// The chart is well-formed SVG.
		i, j := strings.Index(page.Body, "<svg"), strings.Index(page.Body, "</svg>")
		if i < 0 || j < i {
			t.Fatal("no chart")
		}
		if err := xml.Unmarshal([]byte(page.Body[i:j+len("</svg>")]), new(struct{})); err != nil {
			t.Fatalf("chart is not well-formed: %v", err)
		}
		// In Chinese, the days are written the Chinese way.
		c.Get("/lang/zh?next=/")
		zh := c.Get(codeURL(f, code.ID, ""))
		if s, _ := codeChartRow(t, zh.Body, fmt.Sprintf("%d月%d日", threeAgo.Month(), threeAgo.Day())); s != "3" {
			t.Fatalf("Chinese table: %s scans", s)
		}
	})
}

// codeDayWant is what the chart test expects on day i of 30: three scans (the
// bot left out) and a follow three days ago, one of each today.
func codeDayWant(i int) [2]int64 {
	switch i {
	case 26:
		return [2]int64{3, 1}
	case 29:
		return [2]int64{1, 1}
	}
	return [2]int64{0, 0}
}
