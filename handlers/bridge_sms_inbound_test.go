package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/paths"
)

// smsChat texts the fixture account's number as the provider would
// deliver them, and reads what reached the fake provider since.
type smsChat struct {
	t    *testing.T
	a    *apptest.App
	api  *smstest.API
	from string
	n    int
}

const smsHook = "http://plaza.test/bridge/sms/metro"

// text sends body from the chat's number, signed, and returns the
// replies the provider was asked to send to that number meanwhile.
func (c *smsChat) text(body string) []string {
	c.t.Helper()
	c.n++
	return c.post(smstest.Incoming(testSMSToken, smsHook, fmt.Sprintf("SM%s%d", strings.TrimPrefix(c.from, "+"), c.n), c.from, "+85221234567", body), http.StatusOK)
}

func (c *smsChat) post(cb smstest.Callback, status int) []string {
	c.t.Helper()
	before := len(c.api.Sent())
	got, err := cb.Post(c.a.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	if got != status {
		c.t.Fatalf("%q: status %d, want %d", cb.Form.Get("Body"), got, status)
	}
	var out []string
	for _, m := range c.api.Sent()[before:] {
		if m.From != "+85221234567" {
			c.t.Fatalf("reply from %q", m.From)
		}
		out = append(out, m.To+": "+m.Body)
	}
	return out
}

// one expects exactly one reply, to the chat's number, containing want.
func (c *smsChat) one(replies []string, want ...string) {
	c.t.Helper()
	if len(replies) != 1 || !strings.HasPrefix(replies[0], c.from+": ") {
		c.t.Fatalf("replies %q, want one to %s", replies, c.from)
	}
	expect(c.t, replies[0], want...)
}

func TestSMSInbound(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL)
		ctx := context.Background()
		c := &smsChat{t: t, a: a, api: api, from: "+85291230001"}

		// Refused before anything is read or stored: unsigned, forged,
		// an account without SMS.
		unsigned := smstest.Incoming("", smsHook, "SMx1", "+85291230001", "+85221234567", "START")
		if r := c.post(unsigned, http.StatusForbidden); len(r) != 0 {
			t.Fatalf("unsigned answered: %q", r)
		}
		if r := c.post(smstest.Incoming("another-token", smsHook, "SMx2", "+85291230001", "+85221234567", "START"), http.StatusForbidden); len(r) != 0 {
			t.Fatalf("forged answered: %q", r)
		}
		if r := c.post(smstest.Incoming(testSMSToken, "http://plaza.test/bridge/sms/nobody", "SMx3", "+85291230001", "+85221234567", "START"), http.StatusNotFound); len(r) != 0 {
			t.Fatalf("unknown account answered: %q", r)
		}
		if n := countRows(t, a, "chat_messages", "1 = 1"); n != 0 {
			t.Fatalf("refused webhooks stored %d messages", n)
		}

		// START follows (source sms, consent time) and welcomes, the reply
		// through the API.
		res, err := http.Post(a.URL+"/bridge/sms/metro", "application/x-www-form-urlencoded", strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("empty webhook: %d", res.StatusCode)
		}
		c.one(c.text("START"), "You now follow Metro", "STOP")
		fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from)
		if fl == nil || fl.Status != models.StatusActive || fl.Source != "sms" || fl.ConsentAt == nil || fl.Language != "en" {
			t.Fatalf("follower from START: %+v", fl)
		}
		// The provider retries a webhook it got no answer to: once only.
		if r := c.post(smstest.Incoming(testSMSToken, smsHook, "SM852912300011", c.from, "+85221234567", "START"), http.StatusOK); len(r) != 0 {
			t.Fatalf("retried webhook answered again: %q", r)
		}

		// HELP names STOP; a keyword reply; anything else reaches the inbox.
		c.one(c.text("help"), "Metro", "STOP")
		if err := a.Chats.AddChatKeyword(ctx, f.Member(models.RoleEditor), f.Account,
			models.ChatKeyword{Keyword: "Fare", Match: models.MatchContains, Translations: models.Translations{"en": {"reply": "A single ride is 2 dollars."}}}); err != nil {
			t.Fatal(err)
		}
		c.one(c.text("what is the fare?"), "A single ride is 2 dollars.")
		c.one(c.text("The lift at Central is broken"), "passed to the staff of Metro")
		if n := countRows(t, a, "chat_messages", "channel = 'sms' AND address = ? AND body = ? AND handled_by = 'inbox'", c.from, "The lift at Central is broken"); n != 1 {
			t.Fatalf("%d messages in the inbox", n)
		}

		// STOP in the middle of a feedback conversation: honoured first,
		// confirmed once; a second STOP, and anything after, get nothing.
		openProject(t, a, f, "")
		c.one(c.text("FEEDBACK"), "What do you think of")
		c.one(c.text("Stop."), "You will get no more messages from Metro. Reply START to follow again.")
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after STOP: %s", fl.Status)
		}
		for _, again := range []string{"STOP", "QUIT", "help", "1", "hello?"} {
			if r := c.text(again); len(r) != 0 {
				t.Fatalf("%q after STOP answered: %q", again, r)
			}
		}
		// Nor may staff reply from the inbox.
		var conv models.Conversation
		if err := a.DB.Gorm.Table("chat_conversations").Where("account_id = ? AND channel = 'sms' AND address = ?", f.Account.ID, c.from).First(&conv).Error; err != nil {
			t.Fatal(err)
		}
		web := a.Client(t)
		web.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		before := len(api.Sent())
		if r := web.Post(paths.Conversation(f.Org.ID, "metro", conv.ID)+"/reply", url.Values{"text": {"Are you sure?"}}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "texted STOP") {
			t.Fatalf("staff reply after STOP: %s", r)
		}
		if len(api.Sent()) != before {
			t.Fatal("a staff reply reached a number that sent STOP")
		}
		// START again follows again, and staff may answer.
		c.one(c.text("start"), "You now follow Metro")
		if r := web.Post(paths.Conversation(f.Org.ID, "metro", conv.ID)+"/reply", url.Values{"text": {"Welcome back."}}); r.Status != http.StatusSeeOther ||
			len(api.Sent()) != before+2 || api.Sent()[before+1].Body != "Welcome back." {
			t.Fatalf("staff reply after START: %s", r)
		}
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from); fl.Status != models.StatusActive {
			t.Fatalf("after START: %s", fl.Status)
		}
		// The carriers' other stop words: CANCEL, STOPALL, END.
		for _, w := range []string{"CANCEL", "stopall", "End"} {
			c.one(c.text(w), "no more messages")
			if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from); fl.Status != models.StatusUnsubscribed {
				t.Fatalf("after %s: %s", w, fl.Status)
			}
			c.one(c.text("START"), "You now follow Metro")
		}

		// 关注, from a number written as locals do: followed in Chinese.
		zh := &smsChat{t: t, a: a, api: api, from: "+85291230002"}
		r := zh.post(smstest.Incoming(testSMSToken, smsHook, "SMzh1", "9123 0002", "+85221234567", "关注"), http.StatusOK)
		zh.one(r, "您已关注")
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, zh.from); fl == nil || fl.Status != models.StatusActive || !strings.HasPrefix(fl.Language, "zh") {
			t.Fatalf("follower from 关注: %+v", fl)
		}
		zh.one(zh.text("退订"), "您将不再收到")
		if r := zh.text("退订"); len(r) != 0 {
			t.Fatalf("second 退订 answered: %q", r)
		}

		// A sender that is no phone number: taken, nobody answered.
		stored := countRows(t, a, "chat_messages", "1 = 1")
		if r := c.post(smstest.Incoming(testSMSToken, smsHook, "SMalpha", "METROBUS", "+85221234567", "START"), http.StatusOK); len(r) != 0 {
			t.Fatalf("alphanumeric sender answered: %q", r)
		}
		if n := countRows(t, a, "chat_messages", "1 = 1"); n != stored {
			t.Fatalf("a message from no number stored")
		}
		if n := countRows(t, a, "followers", "channel = 'sms' AND address NOT LIKE '+%'"); n != 0 {
			t.Fatalf("%d followers without a number", n)
		}
	})
}

// getPage fetches path as a browser with userAgent would.
func getPage(t *testing.T, a *apptest.App, path, userAgent string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("User-Agent", userAgent)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSMSFollowPage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, _ := startSMS(t, dbURL)
		page := paths.PublicFollow("metro")
		status, body := getPage(t, a, page, "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile")
		if status != http.StatusOK {
			t.Fatalf("follow page: %d", status)
		}
		expect(t, body, "By text message", "Text START to +852 2123 4567.", `href="sms:+85221234567?body=START"`, "Reply STOP")
		if _, body := getPage(t, a, page, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"); !strings.Contains(body, `href="sms:+85221234567&amp;body=START"`) {
			t.Fatalf("iOS link: %s", body)
		}
		// SMS turned off: no panel.
		if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelSMS, settings(false,
			sms.FieldSID, testSMSSID, sms.FieldFrom, "+85221234567", sms.FieldRegion, "HK")); err != nil {
			t.Fatal(err)
		}
		a.Channels.Forget()
		if _, body := getPage(t, a, page, "Mozilla/5.0"); strings.Contains(body, "By text message") || strings.Contains(body, "sms:") {
			t.Fatalf("panel without SMS enabled")
		}
	})
}
