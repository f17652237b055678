package secrets

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"", "whsec_abc", "令牌 with 中文", strings.Repeat("x", 5000)} {
		sealed, err := box.Seal([]byte(plain))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, plain) && plain != "" {
			t.Fatalf("sealed value shows the secret: %q", sealed)
		}
		got, err := box.Open(sealed)
		if err != nil || string(got) != plain {
			t.Fatalf("open(seal(%q)) = %q, %v", plain, got, err)
		}
	}
	a, _ := box.Seal([]byte("same"))
	b, _ := box.Seal([]byte("same"))
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
}

func TestOpenRefusesTamperingAndOtherKeys(t *testing.T) {
	k1, _ := GenerateKey()
	k2, _ := GenerateKey()
	b1, _ := New(k1)
	b2, _ := New(k2)
	sealed, _ := b1.Seal([]byte("secret"))
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	raw[len(raw)-1] ^= 1
	tampered := "v1:" + base64.RawURLEncoding.EncodeToString(raw)
	for name, tc := range map[string]struct {
		box *Box
		in  string
	}{
		"other key": {b2, sealed}, "tampered": {b1, tampered}, "no prefix": {b1, strings.TrimPrefix(sealed, "v1:")},
		"not base64": {b1, "v1:!!!"}, "too short": {b1, "v1:AAAA"},
	} {
		if _, err := tc.box.Open(tc.in); !errors.Is(err, ErrDecrypt) {
			t.Errorf("%s: err = %v, want ErrDecrypt", name, err)
		}
	}
}

func TestParseKey(t *testing.T) {
	key, _ := GenerateKey()
	for _, s := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key), " " + hex.EncodeToString(key) + "\n"} {
		got, err := ParseKey(s)
		if err != nil || string(got) != string(key) {
			t.Fatalf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "short", hex.EncodeToString(key[:16]), base64.StdEncoding.EncodeToString(key[:20]), strings.Repeat("z", 64)} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("New accepted a 16-byte key")
	}
}
