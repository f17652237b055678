package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Keys is an application server's VAPID key pair (RFC 8292) on P-256, in
// the forms it is stored and served in: Public is base64url (no padding)
// of the 65-byte uncompressed point, what a page passes to
// PushManager.subscribe() as applicationServerKey; Private is base64url of
// the 32-byte scalar.
type Keys struct {
	Public  string
	Private string

	key *ecdsa.PrivateKey
}

// MaxTTL is the longest a VAPID token may live (RFC 8292 §2: exp no more
// than 24 hours from the request).
const MaxTTL = 24 * time.Hour

// ErrKeys is returned (wrapped) for VAPID keys that do not parse or do not
// belong together.
var ErrKeys = errors.New("webpush: invalid VAPID keys")

// GenerateKeys draws a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	return keysOf(key)
}

func keysOf(key *ecdsa.PrivateKey) (Keys, error) {
	priv, err := key.Bytes()
	if err != nil {
		return Keys{}, err
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return Keys{}, err
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(pub),
		Private: base64.RawURLEncoding.EncodeToString(priv),
		key:     key,
	}, nil
}

// ParseKeys reads a stored key pair. The public key, if given, must be the
// private key's; an empty public key is derived from the private one.
func ParseKeys(public, private string) (Keys, error) {
	raw, err := decodeKey(private)
	if err != nil {
		return Keys{}, fmt.Errorf("%w: the private key is not base64url", ErrKeys)
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return Keys{}, fmt.Errorf("%w: the private key is not a P-256 scalar", ErrKeys)
	}
	keys, err := keysOf(key)
	if err != nil {
		return Keys{}, err
	}
	if public != "" {
		pub, err := decodeKey(public)
		if err != nil {
			return Keys{}, fmt.Errorf("%w: the public key is not base64url", ErrKeys)
		}
		if base64.RawURLEncoding.EncodeToString(pub) != keys.Public {
			return Keys{}, fmt.Errorf("%w: the public key is not the private key's", ErrKeys)
		}
	}
	return keys, nil
}

// Audience is the aud claim for a push endpoint: its origin, scheme://host
// (with the port when the URL has one).
func Audience(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: the endpoint is not an http(s) URL", ErrSubscription)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host), nil
}

// checkSubject accepts a mailto: address or an https: URL (RFC 8292 §2.1).
func checkSubject(sub string) error {
	switch {
	case strings.HasPrefix(sub, "mailto:") && strings.Contains(sub[len("mailto:"):], "@"):
		return nil
	case strings.HasPrefix(sub, "https://"):
		if u, err := url.Parse(sub); err == nil && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("webpush: the VAPID subject %q is neither a mailto: address nor an https: URL", sub)
}

// Authorization returns the Authorization header value for a push request
// to endpoint (RFC 8292 §3): "vapid t=<JWT>, k=<public key>". The JWT is
// ES256-signed, with aud the endpoint's origin, exp now+ttl (at most 24
// hours) and sub the operator's contact.
func Authorization(keys Keys, endpoint, subject string, now time.Time, ttl time.Duration) (string, error) {
	if keys.key == nil {
		return "", fmt.Errorf("%w: keys not made by GenerateKeys or ParseKeys", ErrKeys)
	}
	if ttl <= 0 || ttl > MaxTTL {
		return "", fmt.Errorf("webpush: VAPID token lifetime %v is not within (0, 24h]", ttl)
	}
	if err := checkSubject(subject); err != nil {
		return "", err
	}
	aud, err := Audience(endpoint)
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}{aud, now.Add(ttl).Unix(), subject})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`)) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, keys.key, digest[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 (RFC 7518 §3.4): r || s, each 32 bytes big-endian, not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "vapid t=" + signed + "." + enc.EncodeToString(sig) + ", k=" + keys.Public, nil
}
