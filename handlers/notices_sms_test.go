package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	smscore "github.com/plazahq/plaza/sms"
)

// TestPublishConfirmSMSCost: with SMS followers in the audience, the
// publish confirmation shows, per language of theirs, the text exactly as
// the SMS channel then sends it, its encoding and segments, and the
// messages billed in all; without any it says nothing of SMS.
func TestPublishConfirmSMSCost(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL)
		ctx := context.Background()
		a.StartWorkers(t)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)
		body := "Buses run via Park Road until 6 pm while the bridge is repaired. Stops on Hill Street are closed; " +
			"use the temporary stop outside the library. Expect delays of 10 to 15 minutes."
		r := c.Post(base, url.Values{"kind": {"transit"}, "title.en": {"Line 12 diverted"}, "body.en": {body}, "action": {"publish"}})
		if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "/publish") {
			t.Fatalf("save: %s", r)
		}
		confirm := r.Location
		if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelEmail, "mail@example.org", "", "en", nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		if r = c.Get(confirm); r.Status != 200 || strings.Contains(r.Body, "Cost in SMS") {
			t.Fatalf("confirmation without SMS followers: %s", r)
		}
		for i, lang := range []string{"en", "en", "en", "zh-Hant"} {
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelSMS, fmt.Sprintf("+8529123456%d", i), "", lang, nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		r = c.Get(confirm)
		if r.Status != 200 || !strings.Contains(r.Body, "Cost in SMS") || !strings.Contains(r.Body, "encoded as GSM-7") ||
			!strings.Contains(r.Body, "encoded as UCS-2") || !strings.Contains(r.Body, "3 SMS followers × ") {
			t.Fatalf("confirmation: %s", r)
		}
		shown := r.Body
		if r = c.Post(confirm, nil); r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %s", r)
		}
		var n models.Notice
		if err := a.Store.DB().Where("account_id = ?", f.Account.ID).Order("id DESC").First(&n).Error; err != nil {
			t.Fatal(err)
		}
		if b := waitBroadcast(t, a, n.ID); b.Sent != 5 {
			t.Fatalf("broadcast: %+v", b)
		}
		sent := api.Sent()
		if len(sent) != 4 {
			t.Fatalf("sent %+v", sent)
		}
		var billed int
		segments := map[string]int{}
		for _, m := range sent {
			if !strings.Contains(shown, html.EscapeString(m.Body)) {
				t.Fatalf("sent %q, not shown on the confirmation: %s", m.Body, shown)
			}
			fit := smscore.Fit(m.Body)
			billed += fit.Segments
			segments[m.To] = fit.Segments
		}
		en, zh := segments["+85291234560"], segments["+85291234563"]
		for _, want := range []string{
			fmt.Sprintf("3 SMS followers × %d = %d messages billed", en, 3*en),
			fmt.Sprintf("1 SMS follower × %d = %d messages billed", zh, zh),
			fmt.Sprintf("In all: 4 SMS followers, %d messages billed", billed),
		} {
			if !strings.Contains(shown, want) {
				t.Fatalf("confirmation lacks %q: %s", want, shown)
			}
		}
	})
}
