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
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/notice"
	smscore "github.com/plazahq/plaza/sms"
)

const (
	testSMSSID   = "AC0123456789abcdef0123456789abcdef"
	testSMSToken = "sms-auth-token-1"
)

// startSMS is Plaza with a fake SMS provider set up for the fixture
// account (in Hong Kong), its workers running.
// startSMS starts the app with SMS set up for the fixture account, extra
// being more settings (key, value, ...).
func startSMS(t *testing.T, dbURL string, extra ...string) (*apptest.App, *apptest.Fixtures, *smstest.API) {
	t.Helper()
	api := smstest.NewAPI(testSMSSID, testSMSToken)
	t.Cleanup(api.Close)
	a := apptest.Start(t, dbURL)
	f := apptest.Seed(t, a)
	if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelSMS, settings(true, append([]string{
		sms.FieldBase, api.URL, sms.FieldSID, testSMSSID, sms.FieldToken, testSMSToken, sms.FieldFrom, "2123 4567", sms.FieldRegion, "HK"}, extra...)...)); err != nil {
		t.Fatal(err)
	}
	return a, f, api
}

func TestSMSBroadcast(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL)
		ctx := context.Background()
		a.StartWorkers(t)
		numbers := []string{"+85291234561", "+85291234562", "+85291234563", "+85291234564"}
		for i, n := range numbers {
			lang := "en"
			if i == 3 {
				lang = "zh-Hant"
			}
			if _, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelSMS, n, "", lang, nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		// The first send is throttled (and retried after Retry-After),
		// the next refused for good with the provider's code.
		api.Throttle(1, 1)
		api.Refuse(http.StatusBadRequest, 21211)
		b := publishAndWait(t, a, f, notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted",
			"body", "Buses run via Park Road until 6 pm.")})
		if b.Sent != 3 || b.Failed != 1 {
			t.Fatalf("broadcast: %+v", b)
		}
		if n := countRows(t, a, "deliveries", "broadcast_id = ? AND status = 'failed' AND reason = ?", b.ID, "SMS provider error 21211: HTTP 400"); n != 1 {
			t.Fatalf("%d deliveries failed with the provider's code", n)
		}
		sent := api.Sent()
		if len(sent) != 3 {
			t.Fatalf("sent %+v", sent)
		}
		// The sends drew on the account's own SMS bucket (its number's
		// rate); how a bucket paces sends is the limiter's, tested with a
		// stepped clock in package broadcast, not with this wall clock.
		if n := countRows(t, a, "send_buckets", "key = ?", fmt.Sprintf("channel:sms:%d", f.Account.ID)); n != 1 {
			t.Fatalf("the account's SMS bucket was not used (%d rows)", n)
		}
		for _, m := range sent {
			if m.From != "+85221234567" || !strings.HasPrefix(m.StatusCallback, fmt.Sprintf("http://plaza.test/bridge/sms/metro/status?d=%d-", b.ID)) ||
				!strings.HasPrefix(m.Body, "Line 12 diverted") || smscore.Fit(m.Body).Segments > sms.MaxSegments {
				t.Fatalf("message %+v", m)
			}
			stop := "Reply STOP to unsubscribe"
			if m.To == "+85291234564" {
				stop = "回覆 STOP 退訂"
			}
			if !strings.HasSuffix(m.Body, stop) {
				t.Fatalf("message to %s without its opt-out: %q", m.To, m.Body)
			}
		}

		// Receipts: the signed callback is taken; unsigned, forged or for
		// an account without SMS are refused.
		post := func(cb smstest.Callback) int {
			t.Helper()
			status, err := cb.Post(a.URL)
			if err != nil {
				t.Fatal(err)
			}
			return status
		}
		if s := post(api.Callback(sent[0], sms.StatusDelivered, 0)); s != http.StatusNoContent {
			t.Fatalf("signed receipt: %d", s)
		}
		if s := post(api.Callback(sent[1], sms.StatusUndelivered, 30003)); s != http.StatusNoContent {
			t.Fatalf("signed failure receipt: %d", s)
		}
		// The undelivered one now counts as failed, with the code.
		if n := countRows(t, a, "deliveries", "broadcast_id = ? AND status = 'failed' AND reason = ?", b.ID,
			"not delivered: SMS provider error 30003"); n != 1 {
			t.Fatalf("%d deliveries failed by receipt", n)
		}
		if b = waitBroadcast(t, a, b.NoticeID); b.Sent != 2 || b.Failed != 2 {
			t.Fatalf("after the receipt: %+v", b)
		}
		// The same receipt again changes nothing.
		if s := post(api.Callback(sent[1], sms.StatusUndelivered, 30003)); s != http.StatusNoContent {
			t.Fatalf("repeated receipt: %d", s)
		}
		unsigned := api.Callback(sent[0], sms.StatusUndelivered, 30005)
		unsigned.Signature = ""
		if s := post(unsigned); s != http.StatusForbidden {
			t.Fatalf("unsigned receipt: %d", s)
		}
		forged := smstest.StatusCallback("another-token", sent[0].StatusCallback, sent[0], sms.StatusFailed, 30005)
		if s := post(forged); s != http.StatusForbidden {
			t.Fatalf("forged receipt: %d", s)
		}
		// Signed for another URL than the one Plaza gave.
		moved := smstest.StatusCallback(testSMSToken, "http://plaza.test/bridge/sms/other/status", sent[0], sms.StatusFailed, 30005)
		if s, err := moved.PostURL(a.URL + "/bridge/sms/metro/status" + strings.TrimPrefix(sent[0].StatusCallback, "http://plaza.test/bridge/sms/metro/status")); err != nil || s != http.StatusForbidden {
			t.Fatalf("receipt signed for another URL: %d", s)
		}
		nobody := smstest.StatusCallback(testSMSToken, strings.Replace(sent[0].StatusCallback, "/metro/", "/nobody/", 1), sent[0], sms.StatusFailed, 30005)
		if s := post(nobody); s != http.StatusNotFound {
			t.Fatalf("receipt for an unknown account: %d", s)
		}
		if b = waitBroadcast(t, a, b.NoticeID); b.Sent != 2 || b.Failed != 2 {
			t.Fatalf("refused receipts changed the broadcast: %+v", b)
		}
	})
}

func TestSMSChannelSettings(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, _ := startSMS(t, dbURL)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		s, err := a.Channels.For(ctx, owner, f.Account, models.ChannelSMS, sms.SettingsSchema)
		if err != nil {
			t.Fatal(err)
		}
		if s.Get(sms.FieldFrom) != "+85221234567" || s.Get(sms.FieldRate) != "1" || s.Get(sms.FieldToken) != "" {
			t.Fatalf("settings shown: %+v", s.Values)
		}
		if n := countRows(t, a, "account_channels", "config LIKE ? OR secret LIKE ?", "%"+testSMSToken+"%", "%"+testSMSToken+"%"); n != 0 {
			t.Fatal("the auth token is stored in clear")
		}
		stored, err := a.Channels.Of(ctx, f.Account.ID, models.ChannelSMS)
		if err != nil || stored.Get(sms.FieldToken) != testSMSToken {
			t.Fatalf("sealed token: %v", err)
		}
		ch := a.Registry.Get(models.ChannelSMS)
		if who, err := ch.TestConnection(ctx, stored); err != nil || !strings.Contains(who, "+85221234567") {
			t.Fatalf("test connection: %q %v", who, err)
		}
		// The chat page draws the form from the schema: the token is
		// never shown, and saving without retyping it keeps it.
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		page := fmt.Sprintf("/studio/orgs/%d/accounts/metro/chat", f.Org.ID)
		if r := c.Get(page); r.Status != 200 || !strings.Contains(r.Body, "Account SID") || !strings.Contains(r.Body, "+85221234567") ||
			strings.Contains(r.Body, testSMSToken) {
			t.Fatalf("chat page: %s", r)
		}
		form := url.Values{"enabled": {"on"}, sms.FieldBase: {s.Get(sms.FieldBase)}, sms.FieldSID: {testSMSSID}, sms.FieldFrom: {"+852 2123 4568"},
			sms.FieldRegion: {"HK"}, sms.FieldRate: {"2"}}
		if r := c.Post(page+"/sms", form); r.Status != http.StatusSeeOther {
			t.Fatalf("save through the form: %s", r)
		}
		a.Channels.Forget()
		if s, err := a.Channels.Of(ctx, f.Account.ID, models.ChannelSMS); err != nil || s.Get(sms.FieldToken) != testSMSToken ||
			s.Get(sms.FieldFrom) != "+85221234568" || s.Get(sms.FieldRate) != "2" {
			t.Fatalf("saved through the form: %v %v", s, err)
		}
		form.Set(sms.FieldFrom, "12")
		if r := c.Post(page+"/sms", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the sender number with its country code") {
			t.Fatalf("bad sender number through the form: %s", r)
		}
		err = saveChat(ctx, a, owner, f.Account, models.ChannelSMS, settings(true, sms.FieldSID, testSMSSID, sms.FieldFrom, "12", sms.FieldRegion, "HK"))
		if v, ok := models.AsValidation(err); !ok || v.Fields[sms.FieldFrom] != "chat.err_sms_from" {
			t.Fatalf("invalid sender number: %v", err)
		}
	})
}

func TestSMSFollowersAPI(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, _ := startSMS(t, dbURL)
		_, tok, err := a.APITokens.Create(context.Background(), f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, tok)
		tests := []struct {
			address string
			status  int
			want    string
		}{
			{"9123 4567", http.StatusCreated, "+85291234567"}, // read in the account's region (HK)
			{"+852 9123-4567", http.StatusOK, "+85291234567"}, // the same number
			{"00852 9123 4568", http.StatusCreated, "+85291234568"},
			{"+44 7911 123456", http.StatusCreated, "+447911123456"},
			{"12", http.StatusUnprocessableEntity, "This number cannot receive text messages"},
			{"call me", http.StatusUnprocessableEntity, "This is not a phone number"},
			{"", http.StatusUnprocessableEntity, "Enter a mobile number"},
		}
		for _, tt := range tests {
			r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "sms", "address": tt.address})
			if r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
				t.Fatalf("%q: %d %s", tt.address, r.Status, r.Body)
			}
		}
		if n := countRows(t, a, "followers", "account_id = ? AND channel = 'sms'", f.Account.ID); n != 3 {
			t.Fatalf("%d SMS followers", n)
		}
	})
}
