package smtpsink

import (
	"net/smtp"
	"sync/atomic"
	"testing"
)

// A sink told to forget counts each message through OnMessage and keeps
// none, so a bench can send it a million.
func TestForget(t *testing.T) {
	for _, forget := range []bool{false, true} {
		var seen atomic.Int32
		s, err := StartWith("127.0.0.1:0", Options{Forget: forget, OnMessage: func(m Message) {
			if m.Subject == "Hello" {
				seen.Add(1)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			msg := []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: Hello\r\n\r\nBody\r\n")
			if err := smtp.SendMail(s.Addr(), nil, "a@example.org", []string{"b@example.org"}, msg); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		want := 3
		if forget {
			want = 0
		}
		if seen.Load() != 3 || len(s.Messages()) != want {
			t.Fatalf("forget %v: OnMessage saw %d, kept %d", forget, seen.Load(), len(s.Messages()))
		}
	}
}
