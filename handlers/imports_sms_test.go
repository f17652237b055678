package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/models"
)

// TestImportSMSUpload: staff of an account with SMS choose the channel at
// upload; numbers are read in the account's region, the preview says
// which channel and why rows are refused, and the imported followers are
// on SMS, in the export too. An account without SMS is not offered it.
func TestImportSMSUpload(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		data := []byte(csvHeader +
			"9123 0001,Ann,en,donor,2024-01-01\n" +
			"+852 9123 0001,Ann again,en,,2024-01-01\n" +
			"call me,Bo,en,,2024-01-01\n")

		form := c.Get(importsURL(f) + "/new")
		mustContain(t, form, `name="channel" value="email" checked`, `name="channel" value="sms"`, "the address column holds mobile numbers")
		r := c.UploadForm(importsURL(f), "file", "phones.csv", data, url.Values{"channel": {"sms"}})
		if r.Status != http.StatusSeeOther || !importURLRE.MatchString(r.Location) {
			t.Fatalf("SMS upload: %s", r)
		}
		preview := c.Get(r.Location)
		mustContain(t, preview, "Followers on: SMS", "+85291230001", "Same address as line 2",
			"This is not a phone number")
		if r := c.Post(r.Location+"/apply", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("apply: %s", r)
		}
		fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, "+85291230001")
		if fl == nil || fl.Status != models.StatusActive || fl.Source != "import" || fl.Name != "Ann" {
			t.Fatalf("imported follower: %+v", fl)
		}
		if n := countRows(t, a, "followers", "account_id = ? AND source = 'import'", f.Account.ID); n != 1 {
			t.Fatalf("%d imported followers", n)
		}
		if exp := c.Get(fmt.Sprintf("/studio/orgs/%d/accounts/metro/followers/export.csv", f.Org.ID)); exp.Status != http.StatusOK ||
			!strings.Contains(exp.Body, "+85291230001,Ann,sms,active,en,donor") {
			t.Fatalf("export: %s", exp.Body)
		}
		// E-mail stays the default: a file of numbers uploaded without
		// choosing is read as e-mail addresses.
		r = c.Upload(importsURL(f), "file", "phones.csv", data)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("default upload: %s", r)
		}
		mustContain(t, c.Get(r.Location), "Followers on: E-mail", "Not a valid e-mail address.")
		// With SMS turned off: no choice offered, and a forged choice is
		// refused with the form back.
		if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelSMS, settings(false,
			sms.FieldBase, api.URL, sms.FieldSID, testSMSSID, sms.FieldToken, testSMSToken, sms.FieldFrom, "+85221234567", sms.FieldRegion, "HK")); err != nil {
			t.Fatal(err)
		}
		a.Channels.Forget()
		if r := c.Get(importsURL(f) + "/new"); r.Status != http.StatusOK || strings.Contains(r.Body, `name="channel"`) {
			t.Fatalf("form without SMS: %s", r)
		}
		r = c.UploadForm(importsURL(f), "file", "phones.csv", data, url.Values{"channel": {"sms"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("SMS import without SMS: %s", r)
		}
		mustContain(t, r, "SMS is not set up for this account")

	})
}
