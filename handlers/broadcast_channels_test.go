package handlers_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/notice"
)

// TestBroadcastProgressPerChannel: the broadcast page, its polled
// fragment and the API's broadcast say how many deliveries each channel
// of the audience got, sent or failed, with the channels' names in the
// reader's language.
func TestBroadcastProgressPerChannel(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, _ := startSMS(t, dbURL)
		ctx := context.Background()
		a.StartWorkers(t)
		seed := func(channel, address string) {
			t.Helper()
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, channel, address, "", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 {
			seed(models.ChannelEmail, fmt.Sprintf("rider%d@example.org", i))
		}
		// The account has no webhook: those deliveries fail.
		for i := range 3 {
			seed(models.ChannelWebhook, fmt.Sprintf("+1555000%d", i))
		}
		for i := range 4 {
			seed(models.ChannelSMS, fmt.Sprintf("+8526123456%d", i))
		}
		b := publishAndWait(t, a, f, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted",
			"body", "Buses run via Park Road.")})
		if b.Sent != 6 || b.Failed != 3 {
			t.Fatalf("broadcast %+v", b)
		}
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/broadcasts/%d", f.Org.ID, b.ID)
		// The row of a channel: its name, then total, waiting, sent,
		// failed, given up, held and skipped.
		row := func(body, channel, name string, counts ...int) {
			t.Helper()
			re := `(?s)<tr data-channel="` + channel + `"><th scope="row"[^>]*>\s*` + regexp.QuoteMeta(name) + `\s*</th>`
			for _, n := range counts {
				re += `<td class="num"[^>]*>` + fmt.Sprint(n) + `</td>`
			}
			if !regexp.MustCompile(re).MatchString(body) {
				t.Fatalf("no row %s %v in:\n%s", channel, counts, body)
			}
		}
		for _, url := range []string{page, page + "/progress"} {
			r := c.Get(url)
			if r.Status != 200 || !strings.Contains(r.Body, "By channel") {
				t.Fatalf("%s: %s", url, r)
			}
			row(r.Body, "email", "E-mail", 2, 0, 2, 0, 0, 0, 0)
			row(r.Body, "webhook", "Webhook (SMS, apps)", 3, 0, 0, 3, 0, 0, 0)
			row(r.Body, "sms", "SMS", 4, 0, 4, 0, 0, 0, 0)
			if strings.Index(r.Body, `data-channel="webhook"`) > strings.Index(r.Body, `data-channel="sms"`) {
				t.Fatalf("SMS before the webhook: %s", r.Body)
			}
		}
		zh := sendWith(t, a, c, "GET", page+"/progress", nil, map[string]string{"Accept-Language": "zh-TW"})
		if !strings.Contains(zh.Body, "依管道") {
			t.Fatalf("in Traditional Chinese: %s", zh.Body)
		}
		row(zh.Body, "sms", "短訊", 4, 0, 4, 0, 0, 0, 0)

		_, token, err := a.APITokens.Create(ctx, f.Member(models.RoleOwner), "Ops", []string{apitoken.ScopeNoticesRead})
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, token)
		r := api.do("GET", fmt.Sprintf("/broadcasts/%d", b.ID), nil)
		chans, _ := r.json(t)["channels"].([]any)
		if r.Status != 200 || len(chans) != 3 {
			t.Fatalf("API broadcast: %d %s", r.Status, r.Body)
		}
		want := []string{`"channel":"email","total":2,"pending":0,"sent":2,"failed":0`, `"channel":"webhook","total":3,"pending":0,"sent":0,"failed":3`,
			`"channel":"sms","total":4,"pending":0,"sent":4,"failed":0`}
		for _, w := range want {
			if !strings.Contains(string(r.Body), w) {
				t.Fatalf("API broadcast lacks %s: %s", w, r.Body)
			}
		}
	})
}
