package email

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/mailer/smtpsink"
)

func channel(t *testing.T, opts smtpsink.Options) (*Channel, *smtpsink.Server) {
	t.Helper()
	sink, err := smtpsink.StartWith("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sender, err := mailer.NewSender(sink.URL(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	links := &mailer.Links{BaseURL: "http://plaza.test", Signer: auth.NewSigner([]byte(strings.Repeat("k", 32))), Now: time.Now}
	c, err := New(sender, links, "no-reply@plaza.test")
	if err != nil {
		t.Fatal(err)
	}
	return c, sink
}

func content(lang, subject, html string) *broadcast.Content {
	return &broadcast.Content{BroadcastID: 3, NoticeID: 9, Kind: broadcast.KindPublish, Language: lang, AccountID: 1,
		AccountHandle: "citysafety", AccountName: "城市安全办公室", Subject: subject, Title: subject,
		Text: "Stay indoors.", HTML: html, URL: "http://plaza.test/@citysafety/notices/9", Emergency: true}
}

func TestSendIsMultipartWithOneClickUnsubscribe(t *testing.T) {
	c, sink := channel(t, smtpsink.Options{})
	m := &broadcast.Message{Content: content("zh", "台风警告 <8 号>", "<p><strong>留在室内</strong></p>"),
		To: broadcast.Recipient{FollowerID: 5, Channel: "email", Address: "li@example.org", Name: "李雷", Language: "zh"}, DeliveryID: "3-5"}
	if res := c.Send(context.Background(), m); res.Outcome != broadcast.Sent {
		t.Fatalf("send = %+v", res)
	}
	got := sink.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	msg := got[0]
	if msg.Subject != "台风警告 <8 号>" || msg.To[0] != "li@example.org" {
		t.Fatalf("subject %q to %v", msg.Subject, msg.To)
	}
	h := msg.Header
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") || h.Get("X-Plaza-Delivery") != "3-5" ||
		h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || !strings.Contains(h.Get("List-Unsubscribe"), "/f/unsubscribe") ||
		h.Get("Importance") != "high" {
		t.Fatalf("headers = %v", h)
	}
	if !strings.Contains(msg.Text, "Stay indoors.") || !strings.Contains(msg.Text, "在线阅读：http://plaza.test/@citysafety/notices/9") ||
		!strings.Contains(msg.Text, "一键退订") {
		t.Fatalf("text part = %q", msg.Text)
	}
	if !strings.Contains(msg.HTML, "<strong>留在室内</strong>") || !strings.Contains(msg.HTML, "台风警告 &lt;8 号&gt;") ||
		!strings.Contains(msg.HTML, `lang="zh-CN"`) && !strings.Contains(msg.HTML, `lang="zh`) {
		t.Fatalf("html part = %q", msg.HTML)
	}
}

func TestBouncesAndRefusals(t *testing.T) {
	c, _ := channel(t, smtpsink.Options{RejectRecipient: func(a string) bool { return strings.HasPrefix(a, "gone@") }})
	m := &broadcast.Message{Content: content("en", "Heat warning", "<p>Drink water</p>"),
		To: broadcast.Recipient{FollowerID: 6, Channel: "email", Address: "gone@example.org", Language: "en"}}
	res := c.Send(context.Background(), m)
	// Staff see the reply code; the server's own words (which may quote
	// the address) go to the log with the detail.
	if res.Outcome != broadcast.Failed || !res.Bounce || !regexp.MustCompile(`^mailbox rejected: SMTP 5\d\d$`).MatchString(res.Reason) ||
		res.Detail == nil {
		t.Fatalf("refused mailbox: %+v", res)
	}
	m.To.Address = "not an address"
	if res := c.Send(context.Background(), m); res.Outcome != broadcast.Failed || res.Reason != "invalid e-mail address" {
		t.Fatalf("bad address: %+v", res)
	}
}

func TestServerDownIsRetried(t *testing.T) {
	c, sink := channel(t, smtpsink.Options{})
	sink.Close()
	m := &broadcast.Message{Content: content("en", "Heat", "<p>x</p>"),
		To: broadcast.Recipient{FollowerID: 6, Channel: "email", Address: "a@example.org", Language: "en"}}
	if res := c.Send(context.Background(), m); res.Outcome != broadcast.Retry || res.Reason != "mail server: could not connect" || res.Detail == nil {
		t.Fatalf("server down: %+v", res)
	}
}

func TestDigestGathersNotices(t *testing.T) {
	c, sink := channel(t, smtpsink.Options{})
	items := []*broadcast.Content{content("en", "Road works on Harbour Rd", "<p>one</p>"), content("en", "Bridge reopens", "<p>two</p>")}
	items[0].Emergency, items[1].Emergency = false, false
	res := c.SendDigest(context.Background(), broadcast.Recipient{FollowerID: 7, Address: "d@example.org", Language: "en"}, "weekly", items)
	if res.Outcome != broadcast.Sent {
		t.Fatalf("digest = %+v", res)
	}
	msg := sink.Messages()[0]
	if msg.Subject != "Your weekly digest from @citysafety: 2 notices" {
		t.Fatalf("subject = %q", msg.Subject)
	}
	if !strings.Contains(msg.Text, "1. Road works on Harbour Rd") || !strings.Contains(msg.Text, "2. Bridge reopens") ||
		!strings.Contains(msg.HTML, "<p>two</p>") {
		t.Fatalf("digest text = %q html = %q", msg.Text, msg.HTML)
	}
}
