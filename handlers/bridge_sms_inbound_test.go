package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/sms"
	"github.com/plazahq/plaza/bridge/sms/smstest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
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
		// A rate that keeps the many replies here from waiting on each
		// other; TestSMSRepliesWithinRate tests the pacing.
		a, f, api := startSMS(t, dbURL, sms.FieldRate, "100")
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
		// The carriers' other stop words (CANCEL, STOPALL, END) and the
		// FCC's (REVOKE, OPT OUT); UNSTOP follows again as START does.
		for _, w := range []string{"CANCEL", "stopall", "End", "Revoke", "opt out", "OPT-OUT"} {
			c.one(c.text(w), "no more messages")
			if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from); fl.Status != models.StatusUnsubscribed {
				t.Fatalf("after %s: %s", w, fl.Status)
			}
			c.one(c.text("UNSTOP"), "You now follow Metro")
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
		a, f, api := startSMS(t, dbURL)
		page := paths.PublicFollow("metro")
		status, body := getPage(t, a, page, "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile")
		if status != http.StatusOK {
			t.Fatalf("follow page: %d", status)
		}
		expect(t, body, "By text message", "Text START to +852 2123 4567.", `href="sms:+85221234567?body=START"`, "Reply STOP")
		if _, body := getPage(t, a, page, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"); !strings.Contains(body, `href="sms:+85221234567&amp;body=START"`) {
			t.Fatalf("iOS link: %s", body)
		}
		// The account's keyword replaces START, in the link too.
		saveSMSKeyword(t, a, f, api, "地铁")
		if _, body := getPage(t, a, page, "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"); !strings.Contains(body, "Text 地铁 to +852 2123 4567.") ||
			!strings.Contains(body, `href="sms:+85221234567?body=%E5%9C%B0%E9%93%81"`) || !strings.Contains(body, "Texting 地铁 is your consent") {
			t.Fatalf("follow page with a keyword: %s", body)
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

// saveSMSKeyword sets the fixture account's SMS follow word (the other
// settings as startSMS saved them).
func saveSMSKeyword(t *testing.T, a *apptest.App, f *apptest.Fixtures, api *smstest.API, keyword string) {
	t.Helper()
	if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelSMS, settings(true,
		sms.FieldBase, api.URL, sms.FieldSID, testSMSSID, sms.FieldToken, testSMSToken, sms.FieldFrom, "2123 4567", sms.FieldRegion, "HK",
		sms.FieldRate, "100", sms.FieldKeyword, keyword)); err != nil {
		t.Fatal(err)
	}
	a.Channels.Forget()
}

// TestSMSInboundConversations walks one person through everything a text
// can do, in English and in Chinese: following by the account's keyword
// and by START (关注), HELP (帮助), a keyword reply, the guided feedback
// conversation, a free text for the inbox, STOP (退订) confirmed once,
// and following again after it.
func TestSMSInboundConversations(t *testing.T) {
	type step struct {
		send string
		// want are parts of the one reply expected; none: no reply.
		want []string
		// status is the follower's status after the step, when set.
		status string
	}
	tests := []struct {
		name, keyword, from, lang string
		steps                     []step
	}{
		{"English", "Metro", "+85291230101", "en", []step{
			{"METRO", []string{"You now follow Metro"}, models.StatusActive},
			{"START", []string{"You already follow Metro"}, models.StatusActive},
			{"help", []string{"Metro", "STOP", "FEEDBACK"}, ""},
			{"How much is the fare?", []string{"A single ride is 2 dollars."}, ""},
			{"FEEDBACK", []string{"What do you think of “Harbour Bridge”"}, ""},
			{"1", []string{"Your comment"}, ""},
			{"More trees, please.", []string{"You are about to send: Support", "More trees, please.", "YES"}, ""},
			{"yes", []string{"Thank you, your answer was received"}, ""},
			{"The lift at Central is broken", []string{"passed to the staff of Metro"}, ""},
			{"STOP", []string{"You will get no more messages from Metro"}, models.StatusUnsubscribed},
			{"STOP", nil, models.StatusUnsubscribed},
			{"help", nil, models.StatusUnsubscribed},
			{"START", []string{"You now follow Metro"}, models.StatusActive},
		}},
		{"Chinese", "地铁", "+85291230102", "zh-Hans", []step{
			{"地铁", []string{"您已关注地铁"}, models.StatusActive},
			{"关注", []string{"您已经关注了地铁"}, models.StatusActive},
			{"帮助", []string{"退订", "反馈"}, ""},
			{"票价多少？", []string{"单程车费 2 元。"}, ""},
			{"反馈", []string{"您对“海港大桥”的看法"}, ""},
			{"2", []string{"请输入您的意见"}, ""},
			{"跳过", []string{"您将提交", "反对", "确认"}, ""},
			{"确认", []string{"谢谢，已收到您的意见"}, ""},
			{"中环站的电梯坏了", []string{"转交地铁的工作人员"}, ""},
			{"退订", []string{"您将不再收到地铁的消息"}, models.StatusUnsubscribed},
			{"退订", nil, models.StatusUnsubscribed},
			{"帮助", nil, models.StatusUnsubscribed},
			{"关注", []string{"您已关注地铁"}, models.StatusActive},
		}},
	}
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL, sms.FieldRate, "100")
		ctx := context.Background()
		for _, k := range []models.ChatKeyword{
			{Keyword: "fare", Match: models.MatchContains, Translations: models.Translations{"en": {"reply": "A single ride is 2 dollars."}}},
			{Keyword: "票价", Match: models.MatchContains, Translations: models.Translations{"en": {"reply": "A single ride is 2 dollars."},
				"zh-Hans": {"reply": "单程车费 2 元。"}}},
		} {
			if err := a.Chats.AddChatKeyword(ctx, f.Member(models.RoleEditor), f.Account, k); err != nil {
				t.Fatal(err)
			}
		}
		p := openProject(t, a, f, "")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				saveSMSKeyword(t, a, f, api, tt.keyword)
				c := &smsChat{t: t, a: a, api: api, from: tt.from}
				for i, st := range tt.steps {
					replies := c.text(st.send)
					if st.want == nil {
						if len(replies) != 0 {
							t.Fatalf("step %d %q answered: %q", i, st.send, replies)
						}
					} else {
						c.one(replies, st.want...)
					}
					if st.status != "" {
						if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, tt.from); fl == nil || fl.Status != st.status {
							t.Fatalf("step %d %q: follower %+v, want %s", i, st.send, fl, st.status)
						}
					}
				}
				fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, tt.from)
				if fl.Language != tt.lang || fl.Source != "sms" {
					t.Fatalf("follower %+v, want language %s", fl, tt.lang)
				}
				if n := countRows(t, a, "feedback", "project_id = ? AND follower_id = ?", p.ID, fl.ID); n != 1 {
					t.Fatalf("%d feedback from the conversation", n)
				}
				if n := countRows(t, a, "chat_messages", "channel = 'sms' AND address = ? AND handled_by = 'inbox' AND direction = 'in'", tt.from); n != 1 {
					t.Fatalf("%d messages in the inbox", n)
				}
			})
		}
	})
}

// TestSMSStopFromStranger: a number that never followed texts STOP. It
// is confirmed once and recorded as stopped, so that neither the API nor
// anything else makes it a follower until it texts START itself.
func TestSMSStopFromStranger(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL, sms.FieldRate, "100")
		ctx := context.Background()
		for _, tt := range []struct{ from, stop, confirm string }{
			{"+85291230201", "STOP", "You will get no more messages from Metro"},
			{"+85291230202", "退订", "您将不再收到地铁的消息"},
		} {
			c := &smsChat{t: t, a: a, api: api, from: tt.from}
			c.one(c.text(tt.stop), tt.confirm)
			fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, tt.from)
			if fl == nil || fl.Status != models.StatusUnsubscribed || fl.Source != "sms" || fl.UnsubscribedAt == nil {
				t.Fatalf("after %s from a stranger: %+v", tt.stop, fl)
			}
			if n := countRows(t, a, "follow_events", "follower_id = ?", fl.ID); n != 0 {
				t.Fatalf("%d follow events for someone who never followed", n)
			}
			for _, again := range []string{tt.stop, "STOP", "help"} {
				if r := c.text(again); len(r) != 0 {
					t.Fatalf("%q after %s answered: %q", again, tt.stop, r)
				}
			}
			// The API adding the number finds it stopped.
			got, created, err := a.Followers.APIAddFollower(ctx, f.Member(models.RoleOwner), f.Account,
				follower.Input{Channel: models.ChannelSMS, Address: strings.TrimPrefix(tt.from, "+852")})
			if err != nil || created || got.ID != fl.ID || got.Status != models.StatusUnsubscribed {
				t.Fatalf("API add after STOP: %+v created %v, %v", got, created, err)
			}
		}
		// (n: message ids of its own, not a retry of the first STOP's.)
		c := &smsChat{t: t, a: a, api: api, from: "+85291230201", n: 10}
		c.one(c.text("START"), "You now follow Metro")
		if fl := chatFollower(t, a, f.Account.ID, models.ChannelSMS, c.from); fl.Status != models.StatusActive {
			t.Fatalf("after START: %+v", fl)
		}
	})
}

// TestSMSRepliesWithinRate: the replies to texts and from the inbox draw
// on the account's number's bucket, the one its notices draw on. At one
// message in 1,000 seconds the bucket holds one: the first reply takes
// it, the next would wait far longer than a reply may and is not sent.
func TestSMSRepliesWithinRate(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a, f, api := startSMS(t, dbURL, sms.FieldRate, "0.001")
		key := broadcast.AccountKey(models.ChannelSMS, f.Account.ID)
		tokens := func() float64 {
			t.Helper()
			var v []float64
			if err := a.DB.Gorm.Raw("SELECT tokens FROM send_buckets WHERE key = ?", key).Scan(&v).Error; err != nil || len(v) != 1 {
				t.Fatalf("bucket %s: %v %v", key, v, err)
			}
			return v[0]
		}
		c := &smsChat{t: t, a: a, api: api, from: "+85291230301"}
		c.one(c.text("START"), "You now follow Metro")
		if got := tokens(); got >= 0.5 {
			t.Fatalf("the reply took no token: %v left", got)
		}
		if r := c.text("help"); len(r) != 0 {
			t.Fatalf("a reply past the account's rate was sent: %q", r)
		}
		if n := countRows(t, a, "chat_messages", "channel = 'sms' AND address = ? AND body = 'help'", c.from); n != 1 {
			t.Fatalf("the message was not taken (%d)", n)
		}
		// Staff replying from the inbox are told why, and keep their text.
		var conv models.Conversation
		if err := a.DB.Gorm.Table("chat_conversations").Where("account_id = ? AND channel = 'sms' AND address = ?", f.Account.ID, c.from).First(&conv).Error; err != nil {
			t.Fatal(err)
		}
		web := a.Client(t)
		web.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		before := len(api.Sent())
		if r := web.Post(paths.Conversation(f.Org.ID, "metro", conv.ID)+"/reply", url.Values{"text": {"We are on it."}}); r.Status != http.StatusBadGateway ||
			!strings.Contains(r.Body, "messages per second") || !strings.Contains(r.Body, "We are on it.") {
			t.Fatalf("staff reply past the rate: %s", r)
		}
		if len(api.Sent()) != before {
			t.Fatal("a staff reply past the account's rate was sent")
		}

		// At 20 a second a drained bucket has a token again within a
		// moment: the reply waits for it and goes. (How long it waited is
		// the limiter's arithmetic, tested with it; the bucket, at most 20
		// tokens, has one fewer than it could hold.)
		if err := saveChat(context.Background(), a, f.Member(models.RoleOwner), f.Account, models.ChannelSMS, settings(true,
			sms.FieldBase, api.URL, sms.FieldSID, testSMSSID, sms.FieldToken, testSMSToken, sms.FieldFrom, "2123 4567", sms.FieldRegion, "HK",
			sms.FieldRate, "20")); err != nil {
			t.Fatal(err)
		}
		a.Channels.Forget()
		if err := a.DB.Gorm.Exec("UPDATE send_buckets SET tokens = 0, updated_at = ? WHERE key = ?", time.Now(), key).Error; err != nil {
			t.Fatal(err)
		}
		c.one(c.text("help"), "Metro", "STOP")
		if got := tokens(); got > 19 {
			t.Fatalf("the reply took no token: %v left", got)
		}
	})
}
