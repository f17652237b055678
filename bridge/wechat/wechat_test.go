package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
)

const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func TestSignature(t *testing.T) {
	// SHA-1 of "1372623149" + "1409659813" + "token" (the parts sorted),
	// computed apart with Python's hashlib.
	got := wechat.Signature("token", "1409659813", "1372623149")
	if got != "74ec3ddbfdaa9e34666e94a046804051e80c7749" {
		t.Fatalf("signature %s", got)
	}
	if got != wechat.Signature("1372623149", "token", "1409659813") {
		t.Fatal("signature depends on the order of its parts")
	}
	if len(got) != 40 || strings.ToLower(got) != got {
		t.Fatalf("want 40 lower-case hex digits, got %q", got)
	}
	if !wechat.ValidSignature(strings.ToUpper(got), "token", "1409659813", "1372623149") {
		t.Fatal("an upper-case signature is the same signature")
	}
	if wechat.ValidSignature(got, "token", "1409659813", "1372623150") {
		t.Fatal("a changed nonce must not verify")
	}
}

func TestCipherRoundTrip(t *testing.T) {
	c, err := wechat.NewCipher(aesKey, "wx1234567890abcdef")
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "a", strings.Repeat("x", 31), strings.Repeat("y", 32), wechattest.Text("oUser", "1", "你好 <xml>]]>")} {
		enc, err := c.Encrypt([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(enc)
		if err != nil || string(got) != msg {
			t.Fatalf("round trip of %q: %q, %v", msg, got, err)
		}
		again, _ := c.Encrypt([]byte(msg))
		if again == enc {
			t.Fatal("two encryptions of one message must differ (random prefix)")
		}
	}
	other, _ := wechat.NewCipher(aesKey, "wxotherapp000000")
	enc, _ := other.Encrypt([]byte("hello"))
	if _, err := c.Decrypt(enc); err != wechat.ErrWrongAppID {
		t.Fatalf("a message sealed for another AppID: %v", err)
	}
	enc, _ = c.Encrypt([]byte("hello"))
	tampered := []byte(enc)
	tampered[10] ^= 1
	if got, err := c.Decrypt(string(tampered)); err == nil && string(got) == "hello" {
		t.Fatal("a tampered message decrypted to the original")
	}
	for _, bad := range []string{"", "not base64!", "AAAA", strings.Repeat("A", 44)} {
		if _, err := c.Decrypt(bad); err == nil {
			t.Fatalf("decrypt %q: want an error", bad)
		}
	}
	if _, err := wechat.NewCipher("short", "wx"); err != wechat.ErrBadKey {
		t.Fatalf("short key: %v", err)
	}
}

func TestInbound(t *testing.T) {
	tests := []struct {
		name, xml string
		kind      string
		text      string
		scene     string
		msgID     string
	}{
		{"text", wechattest.Text("oA", "6054768590064713728", "help"), bridge.KindText, "help", "", "6054768590064713728"},
		{"subscribe through a code", wechattest.Event("oA", "subscribe", "qrscene_stop-12", 1700000000), bridge.KindFollow, "", "stop-12", "event:oA:1700000000:subscribe"},
		{"plain subscribe", wechattest.Event("oA", "subscribe", "", 1700000001), bridge.KindFollow, "", "", "event:oA:1700000001:subscribe"},
		{"scan by a follower", wechattest.Event("oA", "SCAN", "stop-12", 1700000002), bridge.KindFollow, "", "stop-12", "event:oA:1700000002:scan"},
		{"unsubscribe", wechattest.Event("oA", "unsubscribe", "", 1700000003), bridge.KindUnfollow, "", "", "event:oA:1700000003:unsubscribe"},
		{"menu click", wechattest.Event("oA", "CLICK", "HELP", 1700000004), bridge.KindText, "HELP", "", "event:oA:1700000004:click"},
		{"menu link", wechattest.Event("oA", "VIEW", "https://example.org", 1700000005), bridge.KindEvent, "[menu link] https://example.org", "", "event:oA:1700000005:view"},
		{"image", `<xml><FromUserName>oA</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType><PicUrl>http://p/1.jpg</PicUrl><MediaId>m</MediaId><MsgId>2</MsgId></xml>`,
			bridge.KindMedia, "[image] http://p/1.jpg", "", "2"},
		{"voice with recognition", `<xml><FromUserName>oA</FromUserName><MsgType>voice</MsgType><Recognition>你好</Recognition><MsgId>3</MsgId></xml>`,
			bridge.KindMedia, "[voice] 你好", "", "3"},
		{"location", `<xml><FromUserName>oA</FromUserName><MsgType>location</MsgType><Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Label>Canton Tower</Label><MsgId>4</MsgId></xml>`,
			bridge.KindMedia, "[location] 23.13,113.26 Canton Tower", "", "4"},
		{"link", `<xml><FromUserName>oA</FromUserName><MsgType>link</MsgType><Title>Bridge</Title><Url>https://e.org</Url><MsgId>5</MsgId></xml>`,
			bridge.KindMedia, "[link] Bridge https://e.org", "", "5"},
		{"location event", `<xml><FromUserName>oA</FromUserName><CreateTime>9</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event><Latitude>23.1</Latitude><Longitude>113.2</Longitude></xml>`,
			bridge.KindEvent, "[location] 23.1,113.2", "", "event:oA:9:location"},
		{"video", `<xml><FromUserName>oA</FromUserName><MsgType>video</MsgType><MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>6</MsgId></xml>`,
			bridge.KindMedia, "[video]", "", "6"},
		// Types WeChat added after the documented list reach the inbox
		// with what they carry.
		{"file", `<xml><FromUserName>oA</FromUserName><MsgType>file</MsgType><Title>minutes.pdf</Title><Description>meeting</Description><FileKey>k</FileKey><FileTotalLen>2048</FileTotalLen><MsgId>7</MsgId></xml>`,
			bridge.KindMedia, "[file] minutes.pdf meeting", "", "7"},
		{"unknown type without content", `<xml><FromUserName>oA</FromUserName><MsgType>fax</MsgType><MsgId>8</MsgId></xml>`,
			bridge.KindMedia, "[fax]", "", "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wechat.ParseMessage([]byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			in, err := m.Inbound()
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tt.kind || in.Text != tt.text || in.Scene != tt.scene || in.MsgID != tt.msgID || in.From != "oA" || in.Channel != "wechat" {
				t.Fatalf("got %+v", in)
			}
		})
	}
	for _, bad := range []string{"", "<xml>", "<xml><MsgType>text</MsgType></xml>", `<xml><FromUserName>oA</FromUserName></xml>`, "{}"} {
		m, err := wechat.ParseMessage([]byte(bad))
		if err == nil {
			_, err = m.Inbound()
		}
		if err == nil {
			t.Fatalf("%q: want an error", bad)
		}
	}
}

// TestInboundLocation: a shared place and the reported one carry the
// point (Location_X is the latitude); a point off the globe or not a
// number carries none and still reaches the inbox as text.
func TestInboundLocation(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		want      *bridge.Location
	}{
		{"shared", wechattest.Location("oA", "11", "23.134521", "113.358803", "广州塔"), &bridge.Location{Lat: 23.134521, Lon: 113.358803, Label: "广州塔"}},
		{"reported", wechattest.LocationEvent("oA", "23.137466", "113.352425", 1700000000), &bridge.Location{Lat: 23.137466, Lon: 113.352425, Auto: true}},
		{"off the globe", wechattest.Location("oA", "12", "123.1", "113.3", ""), nil},
		{"not a number", wechattest.LocationEvent("oA", "north", "113.3", 1700000001), nil},
		{"missing", `<xml><FromUserName>oA</FromUserName><MsgType>location</MsgType><MsgId>13</MsgId></xml>`, nil},
	} {
		m, err := wechat.ParseMessage([]byte(c.xml))
		if err != nil {
			t.Fatal(err)
		}
		in, err := m.Inbound()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasPrefix(in.Text, "[location]") || (c.want == nil) != (in.Location == nil) || (c.want != nil && *in.Location != *c.want) {
			t.Errorf("%s: %q %+v, want %+v", c.name, in.Text, in.Location, c.want)
		}
	}
}

// TestInboundIgnoredEvents: WeChat's own reports and events Plaza does
// not know are acknowledged and dropped, never refused.
func TestInboundIgnoredEvents(t *testing.T) {
	for _, ev := range []string{"TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH", "pic_sysphoto", "some_new_event"} {
		m, err := wechat.ParseMessage([]byte(wechattest.Event("oA", ev, "", 1700000000)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Inbound(); !errors.Is(err, wechat.ErrIgnored) {
			t.Fatalf("%s: err = %v, want ErrIgnored", ev, err)
		}
	}
}

func TestTextReplyEscapes(t *testing.T) {
	m := &wechat.Message{ToUserName: "gh_acct", FromUserName: "oA"}
	out := wechat.TextReply(m, "a ]]> b", time.Unix(1700000000, 0))
	back, err := wechat.ParseMessage(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Content != "a ]]> b" || back.ToUserName != "oA" || back.FromUserName != "gh_acct" || back.MsgType != "text" || back.CreateTime != 1700000000 {
		t.Fatalf("reply read back as %+v from %s", back, out)
	}
	if !bytes.HasPrefix(out, []byte("<xml><ToUserName><![CDATA[oA]]></ToUserName>")) {
		t.Fatalf("reply shape: %s", out)
	}
}

// memTokens keeps one token per key in memory, for the client's own
// logic; the shared store in the database is tested in models.
type memTokens struct {
	mu  sync.Mutex
	tok map[string]string
}

func (m *memTokens) AccessToken(ctx context.Context, key, stale string, fetch func(context.Context) (string, time.Duration, error)) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tok[key]; t != "" && t != stale {
		return t, nil
	}
	t, _, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	m.tok[key] = t
	return t, nil
}

func TestClient(t *testing.T) {
	api := wechattest.NewAPI("wx1234567890abcdef", "secret-1")
	defer api.Close()
	cl := wechat.NewClient(api.URL, nil, &memTokens{tok: map[string]string{}})
	cr := wechat.Credentials{AppID: api.AppID, AppSecret: api.AppSecret}
	ctx := context.Background()

	if err := cl.SendText(ctx, cr, "oA", "one"); err != nil {
		t.Fatal(err)
	}
	if err := cl.SendText(ctx, cr, "oB", "two"); err != nil {
		t.Fatal(err)
	}
	if n := api.TokensIssued(); n != 1 {
		t.Fatalf("want one token for two calls, got %d", n)
	}
	api.ExpireToken()
	if err := cl.SendText(ctx, cr, "oA", "three"); err != nil {
		t.Fatalf("an expired token is refreshed and the call retried: %v", err)
	}
	if n := api.TokensIssued(); n != 2 {
		t.Fatalf("want a second token after expiry, got %d", n)
	}
	api.OutOfWindow("oLate")
	if err := cl.SendText(ctx, cr, "oLate", "x"); wechat.CodeOf(err) != wechat.CodeOutOfWindow {
		t.Fatalf("outside the window: %v", err)
	}
	if _, err := cl.SendTemplate(ctx, cr, wechat.Template{ToUser: "oLate", TemplateID: "tpl-1",
		Data: map[string]wechat.TemplateField{"first": {Value: "Line 12 diverted"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.MassSendText(ctx, cr, []string{"oA"}, "x"); err == nil {
		t.Fatal("a mass send to one person must be refused before calling WeChat")
	}
	if id, err := cl.MassSendText(ctx, cr, []string{"oA", "oB"}, "typhoon"); err != nil || id == 0 {
		t.Fatalf("mass send: %d %v", id, err)
	}
	qr, err := cl.CreateQR(ctx, cr, "stop-12")
	if err != nil || qr.Ticket == "" || !strings.Contains(qr.ImageURL(), "showqrcode?ticket=") {
		t.Fatalf("qr: %+v %v", qr, err)
	}
	sent := api.Sent()
	if len(sent) != 5 || sent[0].Text != "one" || sent[3].Kind != "template" || sent[3].Data["first"] != "Line 12 diverted" ||
		sent[4].Kind != "mass" || len(sent[4].To) != 2 {
		t.Fatalf("sent: %+v", sent)
	}

	bad := wechat.NewClient(api.URL, nil, &memTokens{tok: map[string]string{}})
	err = bad.SendText(ctx, wechat.Credentials{AppID: api.AppID, AppSecret: "wrong"}, "oA", "x")
	if wechat.CodeOf(err) != wechat.CodeBadAppSecret {
		t.Fatalf("wrong secret: %v", err)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(wechattest.Text("oA", "1", "hello")))
	f.Add([]byte(wechattest.Event("oA", "subscribe", "qrscene_x", 1)))
	f.Add([]byte(`<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>`))
	f.Add([]byte(`<xml><FromUserName>oA</FromUserName><MsgType>location</MsgType><Location_X>1</Location_X></xml>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := wechat.ParseMessage(body)
		if err != nil {
			return
		}
		in, err := m.Inbound()
		if err != nil {
			return
		}
		if in.From == "" || in.Kind == "" || in.Channel != "wechat" {
			t.Fatalf("accepted a message without sender or kind: %+v", in)
		}
		if len(in.Scene) > 64 {
			t.Fatalf("scene too long: %d", len(in.Scene))
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	c, err := wechat.NewCipher(aesKey, "wx1234567890abcdef")
	if err != nil {
		f.Fatal(err)
	}
	enc, _ := c.Encrypt([]byte("<xml></xml>"))
	f.Add(enc)
	f.Add("")
	f.Add(strings.Repeat("A", 64))
	f.Fuzz(func(t *testing.T, s string) {
		// Whatever arrives must decrypt or fail, never panic.
		_, _ = c.Decrypt(s)
	})
}

// The keys Plaza generates are ones WeChat's console accepts (43 letters
// and digits) and that make a working cipher.
func TestGeneratedAESKey(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		k := wechat.NewAESKey()
		if len(k) != 43 || strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" || seen[k] {
			t.Fatalf("key %q", k)
		}
		seen[k] = true
		c, err := wechat.NewCipher(k, "wx1234567890abcdef")
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := c.Encrypt([]byte("ping"))
		if got, err := c.Decrypt(enc); err != nil || string(got) != "ping" {
			t.Fatalf("round trip with %q: %q %v", k, got, err)
		}
	}
}
