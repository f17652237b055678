package auth

import (
	"errors"
	"testing"
	"time"
)

func TestSigner(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tok := s.Sign("unsubscribe", 42, now.Add(time.Hour))
	if id, err := s.Verify("unsubscribe", tok, now); err != nil || id != 42 {
		t.Fatalf("Verify = %d, %v; want 42", id, err)
	}
	other := NewSigner([]byte("another key, another instance!!"))
	flipped := []byte(tok)
	flipped[3] ^= 1
	tests := []struct {
		name    string
		signer  *Signer
		purpose string
		token   string
		at      time.Time
		want    error
	}{
		{"other purpose", s, "preferences", tok, now, ErrBadSignature},
		{"other key", other, "unsubscribe", tok, now, ErrBadSignature},
		{"altered", s, "unsubscribe", string(flipped), now, ErrBadSignature},
		{"garbage", s, "unsubscribe", "not-a-token", now, ErrBadSignature},
		{"empty", s, "unsubscribe", "", now, ErrBadSignature},
		{"expired", s, "unsubscribe", tok, now.Add(2 * time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		if _, err := tt.signer.Verify(tt.purpose, tt.token, tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}
