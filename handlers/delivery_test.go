package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

func TestDeliverySettings(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		path := fmt.Sprintf("/studio/orgs/%d/accounts/metro/delivery", f.Org.ID)

		tests := []struct {
			name   string
			form   url.Values
			status int
			want   string
		}{
			{"enabled without an address", url.Values{"enabled": {"on"}, "url": {""}}, 422, "This field is required"},
			{"not a web address", url.Values{"enabled": {"on"}, "url": {"ftp://gw.example.org"}, "send_rate": {"abc"}}, 422, "https://"},
			{"negative rate", url.Values{"url": {"https://gw.example.org"}, "send_rate": {"-5"}}, 422, "whole number"},
			{"agency id on two lines", url.Values{"url": {"https://gw.example.org"}, "agency_id": {"MTA\nX"}}, 422, "on one line"},
			{"saved", url.Values{"enabled": {"on"}, "url": {"https://gw.example.org/hook"}, "send_rate": {"30"}, "agency_id": {"MTA"}}, 303, ""},
		}
		for _, tt := range tests {
			r := c.Post(path, tt.form)
			if r.Status != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Fatalf("%s: %d %s", tt.name, r.Status, r.String())
			}
			if tt.status == 422 && !strings.Contains(r.Body, tt.form.Get("url")) {
				t.Fatalf("%s: the address typed was lost", tt.name)
			}
		}
		// The signing secret is for owners' eyes only.
		if page := c.Get(path); page.Status != http.StatusOK || strings.Contains(page.Body, "whsec_") || !strings.Contains(page.Body, "Only owners see it") {
			t.Fatalf("settings page for an editor: %s", page.String())
		}
		owner := a.Client(t)
		owner.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		page := owner.Get(path)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "https://gw.example.org/hook") || !strings.Contains(page.Body, "whsec_") ||
			!strings.Contains(page.Body, "http://plaza.test/@metro/gtfs-rt/alerts") || !strings.Contains(page.Body, "http://plaza.test/@metro/alerts.geojson") {
			t.Fatalf("settings page: %s", page.String())
		}
		u, secret, err := a.Channels.WebhookEndpoint(t.Context(), f.Account.ID)
		if err != nil || u != "https://gw.example.org/hook" || !strings.Contains(page.Body, string(secret)) {
			t.Fatalf("endpoint = %q %q %v", u, secret, err)
		}
		// The secret is encrypted in the database.
		var stored string
		a.Store.DB().Raw(`SELECT secret FROM account_channels WHERE account_id = ? AND channel = 'webhook'`, f.Account.ID).Scan(&stored)
		if stored == "" || strings.Contains(stored, string(secret)) {
			t.Fatalf("stored secret = %q", stored)
		}
		acc, err := a.Accounts.AccountByID(t.Context(), f.Account.ID)
		if err != nil || acc.SendRate != 30 || acc.GTFSAgencyID != "MTA" {
			t.Fatalf("send rate = %d, %v", acc.SendRate, err)
		}
		// An editor cannot rotate it (no one but owners could read the new
		// one); an owner's rotation gives a new secret.
		if r := c.Post(path, url.Values{"enabled": {"on"}, "url": {u}, "send_rate": {"30"}, "rotate": {"on"}}); r.Status != 303 {
			t.Fatalf("editor's save: %s", r.String())
		}
		if _, again, _ := a.Channels.WebhookEndpoint(t.Context(), f.Account.ID); string(again) != string(secret) {
			t.Fatal("an editor rotated the secret")
		}
		if r := owner.Post(path, url.Values{"enabled": {"on"}, "url": {u}, "send_rate": {"30"}, "rotate": {"on"}}); r.Status != 303 {
			t.Fatalf("rotate: %s", r.String())
		}
		if _, again, _ := a.Channels.WebhookEndpoint(t.Context(), f.Account.ID); string(again) == string(secret) {
			t.Fatal("rotating kept the secret")
		}
	})
}
