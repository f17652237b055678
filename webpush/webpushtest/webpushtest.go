// Package webpushtest plays the receiving side of Web Push for tests: a
// browser's subscription with its private key, the RFC 8291 decryption a
// user agent performs, and the VAPID check a push service performs. It is
// written from the RFCs apart from package webpush, so a test that
// encrypts with one and decrypts with the other checks both.
package webpushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/plazahq/plaza/webpush"
)

// Subscriber is a browser's push subscription with the secrets the
// browser keeps.
type Subscriber struct {
	Subscription webpush.Subscription
	Key          *ecdh.PrivateKey
	AuthSecret   []byte
}

// NewSubscriber makes a random subscription for endpoint.
func NewSubscriber(endpoint string) (*Subscriber, error) {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	auth := make([]byte, 16)
	if _, err := rand.Read(auth); err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding
	return &Subscriber{
		Subscription: webpush.Subscription{
			Endpoint: endpoint,
			P256dh:   enc.EncodeToString(key.PublicKey().Bytes()),
			Auth:     enc.EncodeToString(auth),
		},
		Key:        key,
		AuthSecret: auth,
	}, nil
}

// Decrypt opens a body sent to this subscriber.
func (s *Subscriber) Decrypt(body []byte) ([]byte, error) {
	return Decrypt(s.Key, s.AuthSecret, body)
}

// Decrypt is the user agent's side of RFC 8291 for a single-record
// aes128gcm body: it reads the header, derives the key and nonce from the
// sender's key in keyid, opens the record and strips the padding, which
// must end in the last-record delimiter 0x02.
func Decrypt(privateKey *ecdh.PrivateKey, authSecret, body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("webpushtest: body shorter than the aes128gcm header")
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, fmt.Errorf("webpushtest: keyid is %d bytes, not a 65-byte P-256 point", idlen)
	}
	asPublic, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("webpushtest: keyid: %w", err)
	}
	record := body[21+idlen:]
	if rs < 18 || uint32(len(record)) > rs {
		return nil, fmt.Errorf("webpushtest: a %d-byte record with rs %d is not one record", len(record), rs)
	}
	if len(record) < 17 {
		return nil, errors.New("webpushtest: record shorter than tag and delimiter")
	}

	secret, err := privateKey.ECDH(asPublic)
	if err != nil {
		return nil, err
	}
	info := append([]byte("WebPush: info\x00"), privateKey.PublicKey().Bytes()...)
	info = append(info, asPublic.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, secret, authSecret, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("webpushtest: %w", err)
	}
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 0x02 {
		return nil, errors.New("webpushtest: no last-record delimiter 0x02")
	}
	return plain[:i], nil
}

// Claims are a VAPID token's claims.
type Claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// VerifyAuthorization is a push service's check of an Authorization header
// (RFC 8292): the "vapid t=..., k=..." form, a JWT with header
// {"typ":"JWT","alg":"ES256"} whose r||s signature verifies under k, aud the
// endpoint's origin, and exp in the future but within 24 hours of now. It
// returns the claims and k.
func VerifyAuthorization(header, endpoint string, now time.Time) (Claims, string, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return Claims{}, "", errors.New("webpushtest: not a vapid Authorization")
	}
	var token, k string
	for _, part := range strings.Split(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "t":
			token = value
		case "k":
			k = value
		}
	}
	if token == "" || k == "" {
		return Claims{}, "", errors.New("webpushtest: vapid needs t and k")
	}
	enc := base64.RawURLEncoding
	rawKey, err := enc.DecodeString(k)
	if err != nil {
		return Claims{}, "", fmt.Errorf("webpushtest: k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), rawKey)
	if err != nil {
		return Claims{}, "", fmt.Errorf("webpushtest: k: %w", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, "", errors.New("webpushtest: the token is not a JWS compact serialization")
	}
	rawHeader, err := enc.DecodeString(parts[0])
	if err != nil {
		return Claims{}, "", err
	}
	var jh struct{ Typ, Alg string }
	if err := json.Unmarshal(rawHeader, &jh); err != nil || jh.Typ != "JWT" || jh.Alg != "ES256" {
		return Claims{}, "", fmt.Errorf("webpushtest: JWT header %s", rawHeader)
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return Claims{}, "", errors.New("webpushtest: the signature is not 64 bytes of r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return Claims{}, "", errors.New("webpushtest: the signature does not verify")
	}
	rawClaims, err := enc.DecodeString(parts[1])
	if err != nil {
		return Claims{}, "", err
	}
	var c Claims
	if err := json.Unmarshal(rawClaims, &c); err != nil {
		return Claims{}, "", err
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return Claims{}, "", fmt.Errorf("webpushtest: endpoint %q", endpoint)
	}
	aud := u.Scheme + "://" + u.Host
	if !strings.EqualFold(c.Aud, aud) {
		return Claims{}, "", fmt.Errorf("webpushtest: aud %q, the endpoint's origin is %q", c.Aud, aud)
	}
	if exp := time.Unix(c.Exp, 0); !exp.After(now) || exp.Sub(now) > 24*time.Hour {
		return Claims{}, "", fmt.Errorf("webpushtest: exp %v is not within 24 hours after %v", exp, now)
	}
	return c, k, nil
}
