package mailer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/outbound"
)

func TestLogSenderKeepsPersonalDataOutOfInfo(t *testing.T) {
	for _, tt := range []struct {
		level    slog.Level
		wantText bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		var buf bytes.Buffer
		s, err := NewSender("log", 0, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level})))
		if err != nil {
			t.Fatal(err)
		}
		m := &Message{From: "no-reply@plaza.test", To: "rider@example.org", Subject: "Confirm", Text: "http://plaza.test/f/confirm/SECRET"}
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if has := strings.Contains(out, "rider@example.org") || strings.Contains(out, "SECRET"); has != tt.wantText {
			t.Errorf("level %v: address or link in the log = %v, want %v:\n%s", tt.level, has, tt.wantText, out)
		}
		if !strings.Contains(out, "Confirm") {
			t.Errorf("level %v: the subject should be logged:\n%s", tt.level, out)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err       error
		permanent bool
	}{
		{&textproto.Error{Code: 550, Msg: "mailbox unavailable"}, true},
		{&textproto.Error{Code: 554, Msg: "message refused"}, true},
		{&textproto.Error{Code: 451, Msg: "try again later"}, false},
		{errors.New("connection reset"), false},
	} {
		var perm *PermanentError
		if got := errors.As(classify(fmt.Errorf("smtp: %w", tt.err)), &perm); got != tt.permanent {
			t.Errorf("classify(%v) permanent = %v, want %v", tt.err, got, tt.permanent)
		}
	}
}

// sinkSender is an SMTP sender to a fresh sink.
func sinkSender(t *testing.T, opts smtpsink.Options) (*smtpSender, *smtpsink.Server) {
	t.Helper()
	sink, err := smtpsink.StartWith("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	s, err := NewSender(sink.URL(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.(*smtpSender).Close() })
	return s.(*smtpSender), sink
}

func TestSendThroughSinkKeepsSubjectPartsAndHeaders(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	// Long enough to need several encoded words and a folded header line.
	subject := "台风警告：今晚八时起全市停课停工，请留在室内，远离窗户和海边 <8 号>"
	m := &Message{From: `"城市安全办公室 via Plaza" <no-reply@plaza.test>`, To: "li@example.org", Subject: subject,
		Text: "留在室内。\nStay indoors.\n\n-- \n" + strings.Repeat("长", 100), HTML: "<p><strong>留在室内</strong></p>",
		Unsubscribe: "http://plaza.test/f/unsubscribe/TOKEN", Headers: map[string]string{"X-Plaza-Delivery": "3-5"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	msg := got[0]
	if msg.Subject != subject || msg.From != "no-reply@plaza.test" || len(msg.To) != 1 || msg.To[0] != "li@example.org" {
		t.Fatalf("subject %q from %q to %v", msg.Subject, msg.From, msg.To)
	}
	if msg.Text != m.Text || msg.HTML != m.HTML {
		t.Fatalf("text part %q\nhtml part %q", msg.Text, msg.HTML)
	}
	h := msg.Header
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "城市安全办公室 via Plaza" {
		t.Fatalf("From = %v (%v)", from, err)
	}
	for k, want := range map[string]string{
		"List-Unsubscribe":      "<http://plaza.test/f/unsubscribe/TOKEN>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Auto-Submitted":        "auto-generated",
		"X-Plaza-Delivery":      "3-5",
		"MIME-Version":          "1.0",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative") || !strings.HasSuffix(h.Get("Message-Id"), "@plaza.test>") ||
		h.Get("Date") == "" || h.Get("User-Agent") != "" || h.Get("X-Mailer") != "" {
		t.Errorf("headers = %v", h)
	}
	for _, line := range strings.Split(string(msg.Raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line longer than RFC 5322 allows: %q", line)
		}
	}
}

func TestSendPlainTextOnly(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	m := &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "Confirm", Text: "Ünïcode body\nline two"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msg := sink.Messages()[0]
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" && ct != "text/plain; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	// The line break is the one that ends the last line of the DATA.
	if msg.Text != m.Text+"\n" || msg.HTML != "" || msg.Header.Get("List-Unsubscribe") != "" {
		t.Fatalf("text %q html %q headers %v", msg.Text, msg.HTML, msg.Header)
	}
}

func TestBadMessagesArePermanent(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	for _, m := range []*Message{
		{From: "not an address", To: "a@example.org", Subject: "x", Text: "x"},
		{From: "no-reply@plaza.test", To: "a@", Subject: "x", Text: "x"},
		{From: "no-reply@plaza.test", To: "a@example.org", Subject: "x", Text: "x", Headers: map[string]string{"X-A": "1\r\nBcc: b@example.org"}},
		{From: "no-reply@plaza.test", To: "a@example.org", Subject: "x", Text: "x", Unsubscribe: "http://x/\r\nBcc: b@example.org"},
	} {
		var perm *PermanentError
		if err := s.Send(context.Background(), m); !errors.As(err, &perm) || perm.Recipient {
			t.Errorf("%+v: err = %v, want a permanent error", m, err)
		}
	}
	if n := len(sink.Messages()); n != 0 {
		t.Fatalf("%d messages sent", n)
	}
}

func TestSessionIsKeptBetweenMessages(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	for i := range 3 {
		if err := s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: "a@example.org",
			Subject: fmt.Sprint("n", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range sink.Messages() {
		if m.Session != 1 {
			t.Fatalf("message %q came over session %d, want all over session 1", m.Subject, m.Session)
		}
	}
	if n := s.idle.len(); n != 1 {
		t.Fatalf("%d idle sessions, want 1", n)
	}
	s.Close()
	if n := s.idle.len(); n != 0 {
		t.Fatalf("%d idle sessions after Close", n)
	}
	// After Close a message still goes, on a session of its own.
	if err := s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "late", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := s.idle.len(); n != 0 {
		t.Fatalf("%d idle sessions kept after Close", n)
	}
}

func TestConcurrentSenders(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for round := range 2 {
		for i := range n / 2 {
			wg.Go(func() {
				k := round*n/2 + i
				errs <- s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: fmt.Sprintf("r%d@example.org", k),
					Subject: fmt.Sprint("msg ", k), Text: fmt.Sprint("body ", k), HTML: fmt.Sprint("<p>", k, "</p>")})
			})
		}
		wg.Wait()
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := sink.Messages()
	sessions := map[int]bool{}
	for _, m := range got {
		k := strings.TrimPrefix(m.Subject, "msg ")
		if m.To[0] != "r"+k+"@example.org" || m.Text != "body "+k || m.HTML != "<p>"+k+"</p>" {
			t.Fatalf("mixed-up message: to %v subject %q text %q html %q", m.To, m.Subject, m.Text, m.HTML)
		}
		sessions[m.Session] = true
	}
	if len(got) != n {
		t.Fatalf("%d messages, want %d", len(got), n)
	}
	// The second round starts with the sessions the first left idle.
	if len(sessions) >= n {
		t.Fatalf("%d sessions for %d messages: none was reused", len(sessions), n)
	}
	if idle := s.idle.len(); idle > DefaultConnections {
		t.Fatalf("%d idle sessions, want at most %d", idle, DefaultConnections)
	}
}

// TestSessionsAreBounded: many messages at once take turns on at most
// the configured sessions, each reused, and one that cannot get a turn
// before its context ends is not sent.
func TestSessionsAreBounded(t *testing.T) {
	sink, err := smtpsink.StartWith("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	snd, err := NewSender(sink.URL(), 3, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	s := snd.(*smtpSender)
	t.Cleanup(func() { s.Close() })
	const n = 60
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: fmt.Sprintf("r%d@example.org", i), Subject: "s", Text: "t"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sessions := map[int]int{}
	for _, m := range sink.Messages() {
		sessions[m.Session]++
	}
	if len(sink.Messages()) != n || len(sessions) > 3 {
		t.Fatalf("%d messages over %d sessions (%v), want %d over at most 3", len(sink.Messages()), len(sessions), sessions, n)
	}
	// Every slot busy: a message whose context ends first waits no more.
	for range 3 {
		s.slots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, &Message{From: "no-reply@plaza.test", To: "late@example.org", Subject: "s", Text: "t"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("send without a free session: %v", err)
	}
	for range 3 {
		<-s.slots
	}
	if len(sink.Messages()) != n {
		t.Fatal("a message without a session was sent")
	}
}

func TestReconnectsWhenServerHungUp(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{})
	m := &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "one", Text: "x"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// The server goes away, ending the idle session, and comes back.
	addr := sink.Addr()
	sink.Close()
	again, err := smtpsink.Start(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	m.Subject = "two"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("send after the server hung up: %v", err)
	}
	if got := again.Messages(); len(got) != 1 || got[0].Subject != "two" {
		t.Fatalf("messages = %v", got)
	}
}

func TestRefusedRecipientKeepsSession(t *testing.T) {
	s, sink := sinkSender(t, smtpsink.Options{RejectRecipient: func(a string) bool { return strings.HasPrefix(a, "gone@") }})
	err := s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: "gone@example.org", Subject: "x", Text: "x"})
	var perm *PermanentError
	var reply *textproto.Error
	if !errors.As(err, &perm) || !perm.Recipient || !errors.As(err, &reply) || reply.Code != 550 {
		t.Fatalf("refused recipient: %v", err)
	}
	if err := s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "next", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := sink.Messages(); len(got) != 1 || got[0].Session != 1 {
		t.Fatalf("messages = %+v, want the next one on the same session", got)
	}
}

func TestIdleSessionsExpire(t *testing.T) {
	s, _ := sinkSender(t, smtpsink.Options{})
	s.idle.timeout = 50 * time.Millisecond
	if err := s.Send(context.Background(), &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.idle.len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle session was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A server that accepts the connection and never greets must not hold a
// message past its context.
func TestContextEndsHungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, err := NewSender("smtp://"+ln.Addr().String(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "x", Text: "x"})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("send took %v", took)
	}
	if r, _ := outbound.TransportReason(err); r != "timed out" {
		t.Fatalf("err = %v, reason %q, want timed out", err, r)
	}
}

func TestNewSenderURLs(t *testing.T) {
	for _, tt := range []struct{ url, addr string }{
		{"smtp://mail.example.org", "mail.example.org:25"},
		{"smtp://user:pw@mail.example.org:587", "mail.example.org:587"},
		{"smtps://user:pw@mail.example.org", "mail.example.org:465"},
		{"smtps://mail.example.org:2465", "mail.example.org:2465"},
	} {
		s, err := NewSender(tt.url, 0, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		ss := s.(*smtpSender)
		if ss.client.ServerAddr() != tt.addr || ss.addr != tt.addr {
			t.Errorf("%s: address %s, want %s", tt.url, ss.client.ServerAddr(), tt.addr)
		}
		// STARTTLS when the server offers it, as before.
		if strings.HasPrefix(tt.url, "smtp:") && ss.client.TLSPolicy() != "TLSOpportunistic" {
			t.Errorf("%s: TLS policy %s", tt.url, ss.client.TLSPolicy())
		}
	}
	for _, bad := range []string{"http://mail.example.org", "smtp://", "smtp://user:SECRET@host:99999", "smtp://host:x", "mail.example.org:25"} {
		_, err := NewSender(bad, 0, slog.New(slog.DiscardHandler))
		if err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: err = %v, want an error without the password", bad, err)
		}
	}
}

// smtps:// speaks TLS from the first byte: to a plain server it sends
// nothing.
func TestSMTPSIsImplicitTLS(t *testing.T) {
	sink, err := smtpsink.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	s, err := NewSender("smtps://"+sink.Addr(), 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, &Message{From: "no-reply@plaza.test", To: "a@example.org", Subject: "x", Text: "x"}); err == nil ||
		len(sink.Messages()) != 0 {
		t.Fatalf("smtps to a plain server: err = %v, %d messages", err, len(sink.Messages()))
	}
}
