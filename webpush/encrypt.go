// Package webpush holds the pure building blocks of the Web Push channel,
// standard only and on the standard library's crypto: the aes128gcm message
// encryption of RFC 8291 (the content coding of RFC 8188), the VAPID
// Authorization header of RFC 8292, and the request headers of RFC 8030
// (TTL, Urgency, Topic). It sends nothing: the channel builds the request
// from these and posts it to the subscription's endpoint.
package webpush

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Subscription is what a browser's PushManager.subscribe() gives: the push
// service's endpoint and the keys from PushSubscription.toJSON(), base64url
// with or without padding.
type Subscription struct {
	Endpoint string
	P256dh   string // the user agent's P-256 public key, 65-byte uncompressed point
	Auth     string // the 16-byte authentication secret
}

// ParseSubscription reads the JSON of PushSubscription.toJSON(),
// {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}, and validates it.
func ParseSubscription(data []byte) (Subscription, error) {
	var j struct {
		Endpoint string `json:"endpoint"`
		Keys     struct {
			P256dh string `json:"p256dh"`
			Auth   string `json:"auth"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return Subscription{}, fmt.Errorf("%w: %v", ErrSubscription, err)
	}
	s := Subscription{Endpoint: j.Endpoint, P256dh: j.Keys.P256dh, Auth: j.Keys.Auth}
	if err := s.Validate(); err != nil {
		return Subscription{}, err
	}
	return s, nil
}

// Sizes of RFC 8291 and RFC 8188.
const (
	// RecordSize is the rs written in the header: the one record a push
	// message carries is at most this long.
	RecordSize = 4096
	// MaxBody is what every push service must accept (RFC 8030 §7.2);
	// RFC 8291 §4 sizes the plaintext by it.
	MaxBody = 4096
	// headerLen is salt(16) || rs(4) || idlen(1) || keyid(65).
	headerLen = 16 + 4 + 1 + 65
	tagLen    = 16
	// MaxPlaintext is the longest plaintext one push message carries with
	// no padding: 4096 - 86 header - 1 delimiter - 16 tag = 3993 (RFC 8291
	// §4). The record alone could hold 4079 bytes under rs = 4096, but the
	// whole body must stay within the 4096 bytes push services accept.
	MaxPlaintext = MaxBody - headerLen - 1 - tagLen
)

// ErrTooLarge is returned (wrapped) for a plaintext, with its padding, that
// does not fit one push message.
var ErrTooLarge = errors.New("webpush: message too large for one push message")

// ErrSubscription is returned (wrapped) for a subscription whose endpoint or
// keys are unusable.
var ErrSubscription = errors.New("webpush: invalid subscription")

// EncryptOptions tune Encrypt. The zero value is what a channel wants.
type EncryptOptions struct {
	// Pad adds this many zero bytes after the padding delimiter, so that
	// messages of different lengths look alike to the push service.
	Pad int

	// salt and key replace the random salt and the ephemeral sender key
	// pair; only tests set them, to reproduce RFC 8291's example.
	salt []byte
	key  *ecdh.PrivateKey
}

// decodeKey reads a browser-supplied key: base64url as the Push API gives
// it, with or without padding; the standard alphabet is accepted too.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Keys decodes and checks the subscription's keys: p256dh a point on P-256
// and auth 16 bytes.
func (s Subscription) Keys() (*ecdh.PublicKey, []byte, error) {
	raw, err := decodeKey(s.P256dh)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not base64url", ErrSubscription)
	}
	pub, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not an uncompressed P-256 point", ErrSubscription)
	}
	auth, err := decodeKey(s.Auth)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: auth is not base64url", ErrSubscription)
	}
	if len(auth) != 16 {
		return nil, nil, fmt.Errorf("%w: auth is %d bytes, not 16", ErrSubscription, len(auth))
	}
	return pub, auth, nil
}

// Validate checks that the endpoint is an absolute http(s) URL and that
// the keys decode. Whether plain http is acceptable (a local fake push
// service) is the caller's policy.
func (s Subscription) Validate() error {
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: the endpoint is not an http(s) URL", ErrSubscription)
	}
	_, _, err = s.Keys()
	return err
}

// Encrypt produces the aes128gcm body of RFC 8291 §3 and §4 for the
// subscription: the header salt || rs || idlen || sender public key, then
// one record holding plaintext || 0x02 || padding, sealed with AES-128-GCM.
// A fresh sender key pair and salt are drawn for every call.
func Encrypt(sub Subscription, plaintext []byte, opts EncryptOptions) ([]byte, error) {
	uaPublic, authSecret, err := sub.Keys()
	if err != nil {
		return nil, err
	}
	if opts.Pad < 0 {
		return nil, errors.New("webpush: negative padding")
	}
	if len(plaintext)+opts.Pad > MaxPlaintext {
		return nil, fmt.Errorf("%w: %d bytes of plaintext and %d of padding; one push message carries at most %d",
			ErrTooLarge, len(plaintext), opts.Pad, MaxPlaintext)
	}

	salt := opts.salt
	if salt == nil {
		salt = make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, err
		}
	} else if len(salt) != 16 {
		return nil, errors.New("webpush: salt must be 16 bytes")
	}
	asPrivate := opts.key
	if asPrivate == nil {
		if asPrivate, err = ecdh.P256().GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
	}
	asPublic := asPrivate.PublicKey().Bytes()

	ecdhSecret, err := asPrivate.ECDH(uaPublic)
	if err != nil {
		return nil, err
	}
	// RFC 8291 §3.3-3.4: the auth secret salts the shared secret into IKM,
	// bound to both public keys; RFC 8188 §2.2-2.3 then derives the key and
	// nonce from IKM with the message's salt.
	keyInfo := "WebPush: info\x00" + string(uaPublic.Bytes()) + string(asPublic)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, authSecret, keyInfo, 32)
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

	body := make([]byte, headerLen, headerLen+len(plaintext)+1+opts.Pad+tagLen)
	copy(body, salt)
	binary.BigEndian.PutUint32(body[16:20], RecordSize)
	body[20] = byte(len(asPublic))
	copy(body[21:], asPublic)

	record := make([]byte, len(plaintext)+1+opts.Pad)
	copy(record, plaintext)
	record[len(plaintext)] = 0x02 // the last (and only) record's delimiter
	return gcm.Seal(body, nonce, record, nil), nil
}
