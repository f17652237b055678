package broadcast

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestFailureDetailsAreLoggedRedactedOncePerReason(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var f failureLog
	err := errors.New(`Post "https://api.example.org/send?access_token=SECRET-TOKEN": dial tcp 10.0.0.1:443: connect: connection refused`)
	for range 1000 {
		f.note(log, 7, "webhook", "webhook unreachable: could not connect", err)
	}
	f.note(log, 7, "webhook", "webhook rejected: HTTP 500", errors.New("HTTP 500"))
	f.note(log, 8, "webhook", "webhook unreachable: could not connect", err)
	out := buf.String()
	if n := strings.Count(out, "delivery failed"); n != 3 {
		t.Fatalf("%d lines for 1,002 failures of three (broadcast, reason) pairs, want 3:\n%s", n, out)
	}
	if strings.Contains(out, "SECRET-TOKEN") {
		t.Fatalf("a token reached the log:\n%s", out)
	}
	if !strings.Contains(out, "connection refused") || !strings.Contains(out, "broadcast=7") {
		t.Fatalf("the details are missing:\n%s", out)
	}
}
