package mailer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"strings"
	"testing"
)

func TestLogSenderKeepsPersonalDataOutOfInfo(t *testing.T) {
	for _, tt := range []struct {
		level    slog.Level
		wantText bool
	}{{slog.LevelInfo, false}, {slog.LevelDebug, true}} {
		var buf bytes.Buffer
		s, err := NewSender("log", slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level})))
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
