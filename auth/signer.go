package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Signer makes and checks tamper-proof links (unsubscribe, preferences,
// confirmation) that carry a record id, what the link is for, and when it
// stops working. Nothing about them is stored: the signature is the proof.
type Signer struct {
	key []byte
}

// NewSigner uses key, which must stay the same across restarts and be
// shared by every instance.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

var (
	// ErrBadSignature means the token was not made by this Plaza or was
	// altered.
	ErrBadSignature = errors.New("link is not valid")
	// ErrExpired means the token was genuine but is too old.
	ErrExpired = errors.New("link has expired")
)

// mac is the link signature: HMAC-SHA256 cut to 16 bytes, which keeps
// links short.
func (s *Signer) mac(purpose string, payload []byte) []byte {
	return s.sum(purpose, payload)[:16]
}

func (s *Signer) sum(purpose string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)
}

// Digest is a keyed hash of value for purpose. It lets Plaza recognise a
// value again (a client's network) without storing it, and without
// storing anything that someone who lacks the key could reverse by
// hashing every possible value, as a bare hash of an IPv4 address can be.
// It is the whole HMAC, so it also serves as a secret token derived from
// a value (a form token from a session).
func (s *Signer) Digest(purpose, value string) string {
	return base64.RawURLEncoding.EncodeToString(s.sum(purpose, []byte(value)))
}

// Sign returns a URL-safe token for id, valid for purpose until expires.
func (s *Signer) Sign(purpose string, id int64, expires time.Time) string {
	payload := make([]byte, 16)
	binary.BigEndian.PutUint64(payload[:8], uint64(id))
	binary.BigEndian.PutUint64(payload[8:], uint64(expires.Unix()))
	return base64.RawURLEncoding.EncodeToString(append(payload, s.mac(purpose, payload)...))
}

// Verify checks a token for purpose at time now and returns its id.
func (s *Signer) Verify(purpose, token string, now time.Time) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 {
		return 0, ErrBadSignature
	}
	payload, sig := raw[:16], raw[16:]
	if !hmac.Equal(sig, s.mac(purpose, payload)) {
		return 0, ErrBadSignature
	}
	if now.Unix() > int64(binary.BigEndian.Uint64(payload[8:])) {
		return 0, ErrExpired
	}
	return int64(binary.BigEndian.Uint64(payload[:8])), nil
}
