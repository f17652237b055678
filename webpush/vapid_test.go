package webpush_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

func TestGenerateAndParseKeys(t *testing.T) {
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := base64.RawURLEncoding.DecodeString(keys.Public)
	if err != nil || len(pub) != 65 || pub[0] != 0x04 {
		t.Fatalf("public key %q: %d bytes, %v", keys.Public, len(pub), err)
	}
	priv, err := base64.RawURLEncoding.DecodeString(keys.Private)
	if err != nil || len(priv) != 32 {
		t.Fatalf("private key: %d bytes, %v", len(priv), err)
	}

	again, err := webpush.ParseKeys(keys.Public, keys.Private)
	if err != nil || again.Public != keys.Public || again.Private != keys.Private {
		t.Fatalf("ParseKeys: %+v %v", again, err)
	}
	derived, err := webpush.ParseKeys("", keys.Private+"=")
	if err != nil || derived.Public != keys.Public {
		t.Fatalf("ParseKeys without the public key: %v", err)
	}

	other, _ := webpush.GenerateKeys()
	for _, tc := range []struct{ name, public, private string }{
		{"someone else's public key", other.Public, keys.Private},
		{"private not base64", keys.Public, "!!"},
		{"private too short", "", base64.RawURLEncoding.EncodeToString(priv[:31])},
		{"private zero", "", base64.RawURLEncoding.EncodeToString(make([]byte, 32))},
		{"public not base64", "%%", keys.Private},
	} {
		if _, err := webpush.ParseKeys(tc.public, tc.private); !errors.Is(err, webpush.ErrKeys) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestAuthorization(t *testing.T) {
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 23, 40, 0, 0, time.UTC)
	for _, tc := range []struct{ endpoint, subject, aud string }{
		{"https://fcm.googleapis.com/fcm/send/dE3x:APA91b", "mailto:alerts@city.example", "https://fcm.googleapis.com"},
		{"https://updates.push.services.mozilla.com/wpush/v2/gAAAA?x=1", "https://plaza.city.example/", "https://updates.push.services.mozilla.com"},
		{"http://127.0.0.1:8089/push/7", "mailto:ops@plaza.example", "http://127.0.0.1:8089"},
	} {
		h, err := webpush.Authorization(keys, tc.endpoint, tc.subject, now, 12*time.Hour)
		if err != nil {
			t.Fatalf("%s: %v", tc.endpoint, err)
		}
		if !strings.HasPrefix(h, "vapid t=") || !strings.HasSuffix(h, ", k="+keys.Public) {
			t.Errorf("header %q", h)
		}
		claims, k, err := webpushtest.VerifyAuthorization(h, tc.endpoint, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.endpoint, err)
		}
		if k != keys.Public || claims.Aud != tc.aud || claims.Sub != tc.subject || claims.Exp != now.Add(12*time.Hour).Unix() {
			t.Errorf("%s: claims %+v, k %s", tc.endpoint, claims, k)
		}
		// The JWT's header is exactly what RFC 8292 §2 shows.
		token := strings.TrimPrefix(strings.Split(h, ",")[0], "vapid t=")
		head, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
		if string(head) != `{"typ":"JWT","alg":"ES256"}` {
			t.Errorf("JWT header %s", head)
		}
	}

	// Another origin, another key, a changed claim or a late check fail.
	h, _ := webpush.Authorization(keys, "https://fcm.googleapis.com/fcm/send/x", "mailto:a@b.example", now, time.Hour)
	if _, _, err := webpushtest.VerifyAuthorization(h, "https://push.example.org/x", now); err == nil {
		t.Error("a token for another push service verified")
	}
	other, _ := webpush.GenerateKeys()
	if _, _, err := webpushtest.VerifyAuthorization(strings.Replace(h, keys.Public, other.Public, 1), "https://fcm.googleapis.com/x", now); err == nil {
		t.Error("the token verified under another key")
	}
	parts := strings.Split(strings.TrimPrefix(strings.Split(h, ",")[0], "vapid t="), ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"aud":"https://fcm.googleapis.com","exp":9999999999,"sub":"mailto:a@b.example"}`))
	if _, _, err := webpushtest.VerifyAuthorization(strings.Replace(h, parts[1], forged, 1), "https://fcm.googleapis.com/x", now); err == nil {
		t.Error("changed claims verified")
	}
	if _, _, err := webpushtest.VerifyAuthorization(h, "https://fcm.googleapis.com/x", now.Add(2*time.Hour)); err == nil {
		t.Error("an expired token verified")
	}

	if _, err := webpush.Authorization(keys, "https://fcm.googleapis.com/x", "mailto:a@b.example", now, 24*time.Hour); err != nil {
		t.Errorf("24 h: %v", err)
	}
	for _, ttl := range []time.Duration{24*time.Hour + time.Second, 48 * time.Hour, 0, -time.Minute} {
		if _, err := webpush.Authorization(keys, "https://fcm.googleapis.com/x", "mailto:a@b.example", now, ttl); err == nil {
			t.Errorf("ttl %v accepted", ttl)
		}
	}
	for _, sub := range []string{"", "alerts@city.example", "mailto:", "mailto:nobody", "http://plaza.example", "https://", "ftp://plaza.example", "tel:+15551234567"} {
		if _, err := webpush.Authorization(keys, "https://fcm.googleapis.com/x", sub, now, time.Hour); err == nil {
			t.Errorf("subject %q accepted", sub)
		}
	}
	for _, ep := range []string{"", "/relative", "mailto:x@y", "ftp://push.example/x"} {
		if _, err := webpush.Authorization(keys, ep, "mailto:a@b.example", now, time.Hour); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
	if _, err := webpush.Authorization(webpush.Keys{Public: keys.Public, Private: keys.Private}, "https://fcm.googleapis.com/x", "mailto:a@b.example", now, time.Hour); !errors.Is(err, webpush.ErrKeys) {
		t.Errorf("keys not parsed: %v", err)
	}
}
