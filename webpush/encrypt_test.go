package webpush_test

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return b
}

// RFC 8291 Appendix A: the published example. The values were checked
// against several independent implementations' copies of the appendix;
// the test also checks that each private key yields the published public
// key, so a mistyped byte cannot pass.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
		"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func TestRFC8291Example(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(b64(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()); got != rfcUAPublic {
		t.Fatalf("user agent public key %s", got)
	}
	as, err := ecdh.P256().NewPrivateKey(b64(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(as.PublicKey().Bytes()); got != rfcASPublic {
		t.Fatalf("application server public key %s", got)
	}

	// The keys as a browser may hand them over: unpadded or padded.
	for _, sub := range []webpush.Subscription{
		{Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", P256dh: rfcUAPublic, Auth: rfcAuth},
		{Endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", P256dh: rfcUAPublic + "=", Auth: rfcAuth + "=="},
	} {
		body, err := webpush.EncryptWith(sub, []byte(rfcPlaintext), webpush.EncryptOptions{}, b64(t, rfcSalt), as)
		if err != nil {
			t.Fatal(err)
		}
		if got := base64.RawURLEncoding.EncodeToString(body); got != rfcBody {
			t.Fatalf("body\n got %s\nwant %s", got, rfcBody)
		}
	}

	plain, err := webpushtest.Decrypt(ua, b64(t, rfcAuth), b64(t, rfcBody))
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != rfcPlaintext {
		t.Fatalf("decrypted %q", plain)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		size, pad int
	}{{0, 0}, {1, 0}, {41, 0}, {1000, 0}, {webpush.MaxPlaintext, 0}, {100, 200}, {webpush.MaxPlaintext - 10, 10}} {
		s, err := webpushtest.NewSubscriber("https://updates.push.services.mozilla.com/wpush/v2/abc")
		if err != nil {
			t.Fatal(err)
		}
		plain := bytes.Repeat([]byte("市政通知 x"), tc.size/13+1)[:tc.size]
		body, err := webpush.Encrypt(s.Subscription, plain, webpush.EncryptOptions{Pad: tc.pad})
		if err != nil {
			t.Fatalf("%d+%d: %v", tc.size, tc.pad, err)
		}
		if want := 86 + tc.size + 1 + tc.pad + 16; len(body) != want {
			t.Errorf("%d+%d: body %d bytes, want %d", tc.size, tc.pad, len(body), want)
		}
		if len(body) > webpush.MaxBody {
			t.Errorf("%d+%d: body %d bytes over %d", tc.size, tc.pad, len(body), webpush.MaxBody)
		}
		if rs := binary.BigEndian.Uint32(body[16:20]); rs != 4096 || body[20] != 65 || body[21] != 0x04 {
			t.Errorf("header rs=%d idlen=%d keyid[0]=%#x", rs, body[20], body[21])
		}
		got, err := s.Decrypt(body)
		if err != nil {
			t.Fatalf("%d+%d: decrypt: %v", tc.size, tc.pad, err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("%d+%d: round trip changed the plaintext", tc.size, tc.pad)
		}
	}
}

func TestFreshSaltAndKeyEachTime(t *testing.T) {
	s, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/x")
	a, err := webpush.Encrypt(s.Subscription, []byte("same"), webpush.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webpush.Encrypt(s.Subscription, []byte("same"), webpush.EncryptOptions{})
	if bytes.Equal(a[:16], b[:16]) || bytes.Equal(a[21:86], b[21:86]) || bytes.Equal(a[86:], b[86:]) {
		t.Fatal("two messages share a salt, a sender key or a ciphertext")
	}
}

func TestTamperedBodyFails(t *testing.T) {
	s, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/x")
	body, err := webpush.Encrypt(s.Subscription, []byte(`{"title":"Road closed","url":"https://plaza.example/n/1"}`), webpush.EncryptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		if 16 <= i && i < 20 {
			// rs is not authenticated (RFC 8188 §2); a receiver only
			// checks the record fits it.
			continue
		}
		bad := bytes.Clone(body)
		bad[i] ^= 0x01
		if _, err := s.Decrypt(bad); err == nil {
			t.Errorf("flipping byte %d went unnoticed", i)
		}
	}
	if _, err := s.Decrypt(body[:len(body)-1]); err == nil {
		t.Error("a truncated body decrypted")
	}

	other, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/y")
	if _, err := webpushtest.Decrypt(other.Key, s.AuthSecret, body); err == nil {
		t.Error("another subscriber's private key decrypted")
	}
	if _, err := webpushtest.Decrypt(s.Key, other.AuthSecret, body); err == nil {
		t.Error("another auth secret decrypted")
	}
}

func TestTooLarge(t *testing.T) {
	s, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/x")
	body, err := webpush.Encrypt(s.Subscription, make([]byte, 3993), webpush.EncryptOptions{})
	if err != nil || len(body) != 4096 {
		t.Fatalf("3993 bytes: %d-byte body, %v", len(body), err)
	}
	for _, tc := range []struct{ size, pad int }{{3994, 0}, {3993, 1}, {100, 3900}, {10000, 0}} {
		_, err := webpush.Encrypt(s.Subscription, make([]byte, tc.size), webpush.EncryptOptions{Pad: tc.pad})
		if !errors.Is(err, webpush.ErrTooLarge) || !strings.Contains(err.Error(), "at most 3993") {
			t.Errorf("%d+%d: %v", tc.size, tc.pad, err)
		}
	}
	if _, err := webpush.Encrypt(s.Subscription, nil, webpush.EncryptOptions{Pad: -1}); err == nil {
		t.Error("negative padding accepted")
	}
}

func TestSubscriptionKeys(t *testing.T) {
	s, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/x")
	good := s.Subscription
	raw := s.Key.PublicKey().Bytes()
	offCurve := bytes.Clone(raw)
	offCurve[64] ^= 1
	enc := base64.RawURLEncoding
	std := base64.StdEncoding
	for _, tc := range []struct {
		name string
		sub  webpush.Subscription
		ok   bool
	}{
		{"as given", good, true},
		{"padded", webpush.Subscription{Endpoint: good.Endpoint, P256dh: base64.URLEncoding.EncodeToString(raw), Auth: base64.URLEncoding.EncodeToString(s.AuthSecret)}, true},
		{"standard alphabet", webpush.Subscription{Endpoint: good.Endpoint, P256dh: std.EncodeToString(raw), Auth: std.EncodeToString(s.AuthSecret)}, true},
		{"local http endpoint", webpush.Subscription{Endpoint: "http://127.0.0.1:8089/push/1", P256dh: good.P256dh, Auth: good.Auth}, true},
		{"p256dh not base64", webpush.Subscription{Endpoint: good.Endpoint, P256dh: "not*base64", Auth: good.Auth}, false},
		{"p256dh compressed length", webpush.Subscription{Endpoint: good.Endpoint, P256dh: enc.EncodeToString(raw[:33]), Auth: good.Auth}, false},
		{"p256dh off the curve", webpush.Subscription{Endpoint: good.Endpoint, P256dh: enc.EncodeToString(offCurve), Auth: good.Auth}, false},
		{"auth 15 bytes", webpush.Subscription{Endpoint: good.Endpoint, P256dh: good.P256dh, Auth: enc.EncodeToString(s.AuthSecret[:15])}, false},
		{"auth missing", webpush.Subscription{Endpoint: good.Endpoint, P256dh: good.P256dh}, false},
		{"endpoint relative", webpush.Subscription{Endpoint: "/push/1", P256dh: good.P256dh, Auth: good.Auth}, false},
		{"endpoint ftp", webpush.Subscription{Endpoint: "ftp://push.example/1", P256dh: good.P256dh, Auth: good.Auth}, false},
	} {
		err := tc.sub.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && !errors.Is(err, webpush.ErrSubscription) {
			t.Errorf("%s: %v is not ErrSubscription", tc.name, err)
		}
		if tc.ok {
			body, err := webpush.Encrypt(tc.sub, []byte("hi"), webpush.EncryptOptions{})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got, err := s.Decrypt(body); err != nil || string(got) != "hi" {
				t.Errorf("%s: %q %v", tc.name, got, err)
			}
		}
	}
}

func TestParseSubscription(t *testing.T) {
	s, _ := webpushtest.NewSubscriber("https://fcm.googleapis.com/fcm/send/x")
	// As PushSubscription.toJSON() gives it (expirationTime is ignored).
	js := `{"endpoint":"` + s.Subscription.Endpoint + `","expirationTime":null,"keys":{"p256dh":"` +
		s.Subscription.P256dh + `","auth":"` + s.Subscription.Auth + `"}}`
	got, err := webpush.ParseSubscription([]byte(js))
	if err != nil || got != s.Subscription {
		t.Fatalf("%+v %v", got, err)
	}
	for _, bad := range []string{
		`not json`,
		`{"endpoint":"https://fcm.googleapis.com/x"}`,
		`{"endpoint":"","keys":{"p256dh":"` + s.Subscription.P256dh + `","auth":"` + s.Subscription.Auth + `"}}`,
		`{"endpoint":"https://fcm.googleapis.com/x","keys":{"p256dh":"` + s.Subscription.Auth + `","auth":"` + s.Subscription.Auth + `"}}`,
	} {
		if _, err := webpush.ParseSubscription([]byte(bad)); !errors.Is(err, webpush.ErrSubscription) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
