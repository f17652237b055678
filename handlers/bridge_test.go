package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/webhook"
	"github.com/plazahq/plaza/config"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/project"
)

// chat posts signed messages to an account's webhook endpoint, as an SMS
// gateway would, and reads the replies.
type chat struct {
	t      *testing.T
	a      *apptest.App
	secret []byte
	from   string
	n      int
}

type chatReply struct {
	status  int
	replies []string
	body    string
}

func (c *chat) post(body []byte, ts time.Time, sign func([]byte) string) chatReply {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.a.URL+"/bridge/webhook/metro", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Plaza-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("X-Plaza-Signature", sign(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := chatReply{status: res.StatusCode, body: string(b)}
	var parsed struct {
		Replies []struct{ Text string } `json:"replies"`
	}
	if json.Unmarshal(b, &parsed) == nil {
		for _, r := range parsed.Replies {
			out.replies = append(out.replies, r.Text)
		}
	}
	return out
}

func (c *chat) signed(body []byte) chatReply {
	c.t.Helper()
	now := time.Now()
	return c.post(body, now, func(b []byte) string { return webhook.Sign(c.secret, now, b) })
}

// say sends one message with a fresh id and returns the replies joined.
func (c *chat) say(text string) string {
	c.t.Helper()
	c.n++
	body, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("%s-%d", c.from, c.n), "from": c.from, "type": "message", "text": text})
	r := c.signed(body)
	if r.status != http.StatusOK {
		c.t.Fatalf("say %q: %d %s", text, r.status, r.body)
	}
	return strings.Join(r.replies, "\n")
}

func expect(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("reply %q lacks %q", got, w)
		}
	}
}

func webhookSecret(t *testing.T, a *apptest.App, f *apptest.Fixtures) []byte {
	t.Helper()
	ctx := context.Background()
	if err := a.Channels.SaveWebhook(ctx, f.Member(models.RoleOwner), f.Account, channel.WebhookInput{Enabled: true, URL: "https://sms.example.org/out"}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := a.Channels.WebhookEndpoint(ctx, f.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestWebhookInboundChecks(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := &chat{t: t, a: a, from: "+85291234567"}
		msg := []byte(`{"id":"m1","from":"+85291234567","type":"message","text":"help"}`)
		if r := c.signed(msg); r.status != http.StatusNotFound || !strings.Contains(r.body, "not_configured") {
			t.Fatalf("unconfigured: %d %s", r.status, r.body)
		}
		c.secret = webhookSecret(t, a, f)
		now := time.Now()
		tests := []struct {
			name   string
			body   string
			ts     time.Time
			sign   func([]byte) string
			status int
			code   string
		}{
			{"no signature", string(msg), now, func([]byte) string { return "" }, 401, "bad_signature"},
			{"wrong secret", string(msg), now, func(b []byte) string { return webhook.Sign([]byte("guess"), now, b) }, 401, "bad_signature"},
			{"signature of another body", string(msg), now, func([]byte) string { return webhook.Sign(c.secret, now, []byte("{}")) }, 401, "bad_signature"},
			{"replayed after the window", string(msg), now.Add(-6 * time.Minute), func(b []byte) string { return webhook.Sign(c.secret, now.Add(-6*time.Minute), b) }, 401, "stale"},
			{"malformed JSON", `{"id":"m1",`, now, nil, 400, "bad_json"},
			{"unknown field", `{"id":"m1","from":"x","text":"hi","admin":true}`, now, nil, 400, "bad_json"},
			{"not an object", `["help"]`, now, nil, 400, "bad_json"},
			{"no sender", `{"id":"m1","text":"hi"}`, now, nil, 422, "invalid"},
			{"unknown type", `{"id":"m1","from":"x","type":"poke"}`, now, nil, 422, "invalid"},
			{"empty message", `{"id":"m1","from":"x","text":"  "}`, now, nil, 422, "invalid"},
			{"NUL in the sender", `{"id":"m1","from":"x\u0000y","text":"hi"}`, now, nil, 422, "invalid"},
			{"text too long", `{"id":"m1","from":"x","text":"` + strings.Repeat("长", models.MaxChatText+1) + `"}`, now, nil, 422, "invalid"},
			{"oversized body", `{"id":"m1","from":"x","text":"` + strings.Repeat("a", 70<<10) + `"}`, now, nil, 413, "too_large"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sign := tt.sign
				if sign == nil {
					sign = func(b []byte) string { return webhook.Sign(c.secret, tt.ts, b) }
				}
				r := c.post([]byte(tt.body), tt.ts, sign)
				if r.status != tt.status || !strings.Contains(r.body, `"code":"`+tt.code+`"`) {
					t.Fatalf("got %d %s", r.status, r.body)
				}
			})
		}
		// Nothing refused left a trace.
		if n := countRows(t, a, "chat_messages", "1 = 1"); n != 0 {
			t.Fatalf("%d messages stored from refused requests", n)
		}
		// A platform's retry of the same message id is handled once.
		first := c.signed(msg)
		again := c.signed(msg)
		if first.status != 200 || len(first.replies) != 1 || again.status != 200 || len(again.replies) != 0 {
			t.Fatalf("retry: %+v then %+v", first, again)
		}
		if n := countRows(t, a, "chat_messages", "direction = 'in'"); n != 1 {
			t.Fatalf("%d inbound rows for one message", n)
		}
		// A message for an account that does not exist.
		req, _ := http.NewRequest("POST", a.URL+"/bridge/webhook/nobody", bytes.NewReader(msg))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown account: %d", res.StatusCode)
		}
	})
}

func TestChatFollowAndCommands(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := &chat{t: t, a: a, secret: webhookSecret(t, a, f), from: "+85291230000"}
		// A follow event from a poster's code.
		body, _ := json.Marshal(map[string]string{"id": "ev1", "from": c.from, "type": "follow", "scene": "stop-1042", "language": "zh"})
		r := c.signed(body)
		if r.status != 200 || len(r.replies) != 1 || !strings.Contains(r.replies[0], "您已关注地铁") {
			t.Fatalf("follow: %+v", r)
		}
		fl, err := a.Followers.ChatFollower(context.Background(), f.Account.ID, models.ChannelWebhook, c.from)
		if err != nil || fl == nil || fl.Status != models.StatusActive || fl.Scene != "stop-1042" || fl.Language != "zh-Hans" {
			t.Fatalf("follower: %+v %v", fl, err)
		}
		expect(t, c.say("帮助"), "退订", "反馈")
		expect(t, c.say("Hello, is the 12 running?"), "转交地铁的工作人员")
		if n := countRows(t, a, "chat_messages", "handled_by = 'inbox' AND direction = 'in'"); n != 1 {
			t.Fatalf("inbox messages: %d", n)
		}
		expect(t, c.say(" Stop. "), "不再收到")
		if fl, _ := a.Followers.ChatFollower(context.Background(), f.Account.ID, models.ChannelWebhook, c.from); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after stop: %+v", fl)
		}
		expect(t, c.say("关注"), "您已关注")
		expect(t, c.say("follow"), "已经关注")
		if n := countRows(t, a, "follow_events", "follower_id = ?", fl.ID); n != 3 {
			t.Fatalf("follow events: %d", n)
		}
		// Someone who never followed asks for help in English.
		other := &chat{t: t, a: a, secret: c.secret, from: "sms:5550100"}
		expect(t, other.say("help"), "send FOLLOW", "STOP")
		expect(t, other.say("stop"), "no more messages")
	})
}

// TestChatCommandsInEveryLanguage: commands in Spanish and Arabic. A
// follow stores the person's language when the account publishes in it,
// else the default; STOP ends the follow and answers in the word's
// language.
func TestChatCommandsInEveryLanguage(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		// Before the chat endpoint caches the account.
		if err := a.DB.Gorm.Exec(`UPDATE accounts SET languages = 'en,zh-Hans,es' WHERE id = ?`, f.Account.ID).Error; err != nil {
			t.Fatal(err)
		}
		f.Account.Languages = "en,zh-Hans,es"
		secret := webhookSecret(t, a, f)
		follower := func(from string) *models.Follower {
			t.Helper()
			fl, err := a.Followers.ChatFollower(context.Background(), f.Account.ID, models.ChannelWebhook, from)
			if err != nil || fl == nil {
				t.Fatalf("follower %s: %+v %v", from, fl, err)
			}
			return fl
		}
		es := &chat{t: t, a: a, secret: secret, from: "sms:5550101"}
		expect(t, es.say("«SEGUIR»"), "Ahora sigue")
		if fl := follower(es.from); fl.Language != "es" || fl.Status != models.StatusActive {
			t.Fatalf("Spanish follower: %+v", fl)
		}
		expect(t, es.say("opinion"), "Metro")
		expect(t, es.say("CANCELAR"), "")
		expect(t, es.say("BAJA"), "No recibirá más mensajes", "SEGUIR")
		if fl := follower(es.from); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after BAJA: %+v", fl)
		}
		// The platform's hint comes first: es_MX.
		hint := &chat{t: t, a: a, secret: secret, from: "sms:5550102"}
		body, _ := json.Marshal(map[string]string{"id": "h1", "from": hint.from, "type": "message", "text": "follow", "language": "es_MX"})
		if r := hint.signed(body); r.status != 200 || len(r.replies) != 1 || !strings.Contains(r.replies[0], "Ahora sigue") {
			t.Fatalf("follow with the hint es_MX: %+v", r)
		}
		// Arabic, which the account does not publish in: the follow
		// stores its default; STOP from someone new answers in Arabic.
		ar := &chat{t: t, a: a, secret: secret, from: "sms:5550103"}
		expect(t, ar.say("«مساعدة»"), "متابعة")
		expect(t, ar.say("متابعة"), "You now follow Metro")
		if fl := follower(ar.from); fl.Language != "en" {
			t.Fatalf("Arabic follower of an en/zh/es account: %+v", fl)
		}
		ar2 := &chat{t: t, a: a, secret: secret, from: "sms:5550104"}
		body, _ = json.Marshal(map[string]string{"id": "a1", "from": ar2.from, "type": "follow", "language": "ar"})
		if r := ar2.signed(body); r.status != 200 {
			t.Fatalf("follow: %+v", r)
		}
		// An Arabic speaker stored under the default, by an older
		// version or a data import: their stored tag rules.
		if err := a.DB.Gorm.Exec(`UPDATE followers SET language = 'ar' WHERE address = ?`, ar2.from).Error; err != nil {
			t.Fatal(err)
		}
		expect(t, ar2.say("إيقاف"), "لن تتلقى")
		if fl := follower(ar2.from); fl.Status != models.StatusUnsubscribed {
			t.Fatalf("after إيقاف: %+v", fl)
		}
		// Keyword replies: the follower's language, else the default.
		if err := a.Chats.AddChatKeyword(context.Background(), f.Member(models.RoleEditor), f.Account,
			models.ChatKeyword{Keyword: "tarifa", Match: models.MatchContains, Translations: models.Translations{
				"es": {"reply": "Un viaje cuesta 2 dólares."}, "en": {"reply": "A ride is 2 dollars."}}}); err != nil {
			t.Fatal(err)
		}
		expect(t, es.say("¿Cuál es la tarifa?"), "Un viaje cuesta")
		zh := &chat{t: t, a: a, secret: secret, from: "sms:5550106"}
		expect(t, zh.say("关注"), "您已关注")
		expect(t, zh.say("tarifa"), "A ride is 2 dollars.")
	})
}

func TestChatFeedbackConversation(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		c := &chat{t: t, a: a, secret: webhookSecret(t, a, f), from: "+85291239999"}

		expect(t, c.say("feedback"), "no consultation open")
		bridgeP := openProject(t, a, f, "")
		park := openProject(t, a, f, "")
		if _, err := a.Projects.SaveProject(ctx, owner, f.Account, park.ID, project.Input{Translations: models.Translations{"en": {"title": "Harbour Park"}, "zh-Hans": {"title": "海港公园"}},
			Public: true, ClosesAt: bridgeP.ClosesAt}); err != nil {
			t.Fatal(err)
		}
		q, err := a.Projects.AddProjectQuestion(ctx, owner, f.Account, park.ID, models.QuestionInput{Kind: models.QuestionMultiple,
			Translations: models.Translations{"en": {"label": "What would you use?", "options": "Playground\nBenches\nToilets"}, "zh-Hans": {"label": "您会使用哪些设施？", "options": "游乐场\n长椅\n洗手间"}}, Required: true})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, c.say("follow"), "You now follow")
		fl, _ := a.Followers.ChatFollower(ctx, f.Account.ID, models.ChannelWebhook, c.from)

		expect(t, c.say("FEEDBACK"), "Reply with its number", "1. Harbour Bridge", "2. Harbour Park")
		expect(t, c.say("7"), "from 1 to 2")
		expect(t, c.say("2"), "What do you think of “Harbour Park”")
		expect(t, c.say("maybe"), "Please reply 1 (support)")
		expect(t, c.say("1"), "Your comment")
		expect(t, c.say("More trees, please. <b>now</b>"), "What would you use?", "1. Playground", "3. Toilets", "one or more")
		expect(t, c.say("skip"), "did not understand", "What would you use?")
		expect(t, c.say("4"), "did not understand")
		expect(t, c.say("1, 3"), "You are about to send: Support on “Harbour Park”", "More trees, please. <b>now</b>", "YES")
		expect(t, c.say("hmm"), "Reply YES")
		expect(t, c.say("yes"), "Thank you, your answer was received", "after a moderator", fmt.Sprintf("/@metro/projects/%d", park.ID))
		rows := feedbackRows(t, a, park.ID)
		if len(rows) != 1 || rows[0].Channel != models.ChannelWebhook || rows[0].Stance != models.StanceSupport ||
			rows[0].Comment != "More trees, please. <b>now</b>" || rows[0].FollowerID == nil || *rows[0].FollowerID != fl.ID ||
			fmt.Sprint(rows[0].AnswerMap()[fmt.Sprint(q.ID)]) != "[Playground Toilets]" || rows[0].Status != models.FeedbackPending {
			t.Fatalf("stored: %+v", rows)
		}
		if n := countRows(t, a, "chat_sessions", "1 = 1"); n != 0 {
			t.Fatalf("%d sessions left after the conversation", n)
		}

		// In Chinese, with full-width numbers; the second answer replaces
		// the first (the channel vouches for the sender), which is kept,
		// superseded.
		expect(t, c.say("反馈"), "1. Harbour Bridge")
		expect(t, c.say("２"), "What do you think")
		expect(t, c.say("反对"), "comment")
		expect(t, c.say("跳过"), "What would you use?")
		expect(t, c.say("2"), "Oppose", "(no comment)")
		expect(t, c.say("确认"), "replaces the earlier one")
		rows = feedbackRows(t, a, park.ID)
		if len(rows) != 2 || rows[0].RevisionState != models.RevisionSuperseded || rows[1].RevisionState != models.RevisionCurrent ||
			rows[1].Stance != models.StanceOppose || rows[1].Comment != "" || rows[1].Revisions != 2 ||
			rows[1].RevisesID == nil || *rows[1].RevisesID != rows[0].ID {
			t.Fatalf("after the second answer: %+v", rows)
		}

		// Cancel at any step; stop ends the conversation too.
		expect(t, c.say("feedback"), "Reply with its number")
		expect(t, c.say("1"), "Harbour Bridge")
		expect(t, c.say("cancel"), "Cancelled")
		expect(t, c.say("1"), "passed to the staff")
		if n := countRows(t, a, "feedback", "project_id = ?", bridgeP.ID); n != 0 {
			t.Fatalf("a cancelled conversation stored feedback")
		}

		// The consultation closes in the middle of a conversation.
		expect(t, c.say("feedback"), "Reply with its number")
		expect(t, c.say("1"), "Harbour Bridge")
		past := a.Store.Now().Add(-time.Minute)
		a.Store.DB().Model(&models.Project{}).Where("id = ?", bridgeP.ID).Update("closes_at", past)
		expect(t, c.say("3"), "has closed")
		// With one consultation open, the list is skipped.
		expect(t, c.say("feedback"), "What do you think of “Harbour Park”")

		// Someone who does not follow answers once per project too.
		stranger := &chat{t: t, a: a, secret: c.secret, from: "sms:5550199"}
		for range 2 {
			expect(t, stranger.say("feedback"), "Harbour Park")
			stranger.say("neutral")
			stranger.say("skip")
			stranger.say("2")
			expect(t, stranger.say("yes"), "Thank you")
		}
		if n := countRows(t, a, "feedback", "project_id = ? AND contact_key = ? AND revision_state = 'current'", park.ID, "chat:webhook:sms:5550199"); n != 1 {
			t.Fatalf("stranger's answers: %d", n)
		}

		// In Spanish and Arabic, from people the router knows only by
		// their words: the conversation stays in their language, SKIP
		// and YES in it too, accents optional.
		es := &chat{t: t, a: a, secret: c.secret, from: "sms:5550200"}
		expect(t, es.say("OPINION"), "¿Qué opina de")
		expect(t, es.say("1"), "OMITIR")
		expect(t, es.say("omitir"), "What would you use?")
		expect(t, es.say("2"), "Responda SÍ")
		expect(t, es.say("hmm"), "Responda SÍ")
		expect(t, es.say("Si"), "Gracias")
		ar := &chat{t: t, a: a, secret: c.secret, from: "sms:5550201"}
		expect(t, ar.say("«رأي»"), "ما رأيك في")
		expect(t, ar.say("٣"), "تخطي")
		expect(t, ar.say("تخطي"), "What would you use?")
		expect(t, ar.say("١، ٢"), "نعم")
		expect(t, ar.say("نعم"), "شكرًا")
		for _, from := range []string{es.from, ar.from} {
			if n := countRows(t, a, "feedback", "project_id = ? AND contact_key = ? AND revision_state = 'current'", park.ID, "chat:webhook:"+from); n != 1 {
				t.Fatalf("answers of %s: %d", from, n)
			}
		}
	})
}

// TestChatFeedbackHasTheWebLimits: the anti-abuse limits live in the
// domain call, so a chat sender is held to the web form's: every attempt
// counts against the sender (PLAZA_FEEDBACK_LIMIT), and a sender, like a
// typed contact, may store five answers an hour.
func TestChatFeedbackHasTheWebLimits(t *testing.T) {
	answer := func(t *testing.T, c *chat) string {
		t.Helper()
		expect(t, c.say("feedback"), "What do you think of")
		expect(t, c.say("1"), "Your comment")
		expect(t, c.say("skip"), "You are about to send")
		return c.say("yes")
	}
	t.Run("per sender", func(t *testing.T) {
		apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
			a := apptest.StartWith(t, dbURL, func(c *config.Config) { c.FeedbackLimit = 2 })
			f := apptest.Seed(t, a)
			p := openProject(t, a, f, "")
			c := &chat{t: t, a: a, secret: webhookSecret(t, a, f), from: "+85291230001"}
			expect(t, answer(t, c), "Thank you")
			expect(t, answer(t, c), "Thank you")
			expect(t, answer(t, c), "many answers in the last hour")
			if n := countRows(t, a, "chat_sessions", "1 = 1"); n != 0 {
				t.Fatalf("%d sessions left after the refusal", n)
			}
			// Another sender, and the web form, count on their own.
			other := &chat{t: t, a: a, secret: c.secret, from: "+85291230002"}
			expect(t, answer(t, other), "Thank you")
			web := a.Client(t)
			web.CSRF()
			r := web.Post(fmt.Sprintf("/@metro/projects/%d/feedback", p.ID), url.Values{"stance": {"support"}, "consent": {"on"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("a web answer beside the limited sender: %s", r)
			}
		})
	})
	t.Run("per contact", func(t *testing.T) {
		apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
			a := apptest.StartWith(t, dbURL, generous)
			f := apptest.Seed(t, a)
			openProject(t, a, f, "")
			c := &chat{t: t, a: a, secret: webhookSecret(t, a, f), from: "+85291230003"}
			for i := range 5 {
				if got := answer(t, c); !strings.Contains(got, "Thank you") {
					t.Fatalf("answer %d of 5: %q", i+1, got)
				}
			}
			expect(t, answer(t, c), "many answers in the last hour")
		})
	})
}
