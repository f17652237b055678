package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Signature is WeChat's request signature: the SHA-1, in hex, of the
// token, timestamp and nonce (and, in safe mode, the encrypted message)
// sorted as strings and joined.
func Signature(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	sum := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(sum[:])
}

// ValidSignature compares a signature in constant time.
func ValidSignature(got string, parts ...string) bool {
	want := Signature(parts...)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// Errors of safe-mode decryption.
var (
	ErrBadKey     = errors.New("EncodingAESKey must be 43 characters of base64")
	ErrBadCipher  = errors.New("the encrypted message is not valid")
	ErrWrongAppID = errors.New("the encrypted message is for another AppID")
)

// Cipher encrypts and decrypts safe-mode messages: AES-256-CBC with the
// key decoded from the 43-character EncodingAESKey, the key's first 16
// bytes as IV, PKCS#7 padding to 32 bytes, over
// random(16) || length(4, big-endian) || message || AppID.
type Cipher struct {
	block cipher.Block
	iv    []byte
	appID string
}

// NewCipher builds a cipher from the account's EncodingAESKey and AppID.
func NewCipher(encodingAESKey, appID string) (*Cipher, error) {
	if len(encodingAESKey) != 43 {
		return nil, ErrBadKey
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, ErrBadKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return &Cipher{block: block, iv: key[:16], appID: appID}, nil
}

// padBlock is the block size WeChat pads to (not AES's 16).
const padBlock = 32

// Encrypt seals msg and returns it in base64, as it goes in <Encrypt>.
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	return c.encrypt(msg, rand.Reader)
}

func (c *Cipher) encrypt(msg []byte, random io.Reader) (string, error) {
	var buf bytes.Buffer
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(random, nonce); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	buf.Write(nonce)
	_ = binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(c.appID)
	pad := padBlock - buf.Len()%padBlock
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	out := buf.Bytes()
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt opens a base64 <Encrypt> value and checks it was sealed for
// this AppID.
func (c *Cipher) Decrypt(b64 string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrBadCipher
	}
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad < 1 || pad > padBlock || pad > len(raw) {
		return nil, ErrBadCipher
	}
	raw = raw[:len(raw)-pad]
	if len(raw) < 20 {
		return nil, ErrBadCipher
	}
	n := binary.BigEndian.Uint32(raw[16:20])
	if uint64(n) > uint64(len(raw)-20) {
		return nil, ErrBadCipher
	}
	msg, appID := raw[20:20+n], string(raw[20+n:])
	if appID != c.appID {
		return nil, ErrWrongAppID
	}
	return msg, nil
}
