package wechattest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/bridge/wechat"
)

// Caller posts to an account's callback URL as WeChat's servers do.
type Caller struct {
	URL    string
	Token  string
	AESKey string
	AppID  string
	// Account is the official account's original id (gh_...), the
	// ToUserName of every message.
	Account string
	// Safe encrypts messages (safe mode).
	Safe bool
	Now  func() time.Time
	n    int
}

// Answer is Plaza's answer to a post, decrypted in safe mode.
type Answer struct {
	Status int
	Body   string
	// Reply is the passive reply, if Plaza answered with one.
	Reply *wechat.Message
}

// Text builds a text message from openID with msgID.
func Text(openID, msgID, content string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId></xml>`,
		openID, time.Now().Unix(), content, msgID)
}

// Event builds an event from openID (subscribe, unsubscribe, SCAN, CLICK…).
func Event(openID, event, key string, createTime int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event><EventKey><![CDATA[%s]]></EventKey></xml>`,
		openID, createTime, event, key)
}

// Location builds the message of a person sharing a place, as WeChat's
// documentation shows it: Location_X the latitude, Location_Y the
// longitude, Scale the map's zoom, Label the address.
func Location(openID, msgID, lat, lon, label string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>%s</Location_X><Location_Y>%s</Location_Y>`+
		`<Scale>20</Scale><Label><![CDATA[%s]]></Label><MsgId>%s</MsgId></xml>`,
		openID, time.Now().Unix(), lat, lon, label, msgID)
}

// LocationEvent builds the "report location" event (上报地理位置事件)
// WeChat sends when a person enters the chat of an account that asked
// for it, as its documentation shows it.
func LocationEvent(openID, lat, lon string, createTime int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event>`+
		`<Latitude>%s</Latitude><Longitude>%s</Longitude><Precision>119.385040</Precision></xml>`,
		openID, createTime, lat, lon)
}

// Query signs a request: timestamp, nonce and signature (and in safe mode
// the encrypt_type and msg_signature over encrypted).
func (c *Caller) Query(ts time.Time, nonce, encrypted string) url.Values {
	t := strconv.FormatInt(ts.Unix(), 10)
	q := url.Values{"timestamp": {t}, "nonce": {nonce}, "signature": {wechat.Signature(c.Token, t, nonce)}}
	if encrypted != "" {
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wechat.Signature(c.Token, t, nonce, encrypted))
	}
	return q
}

// Post sends one message, signed (and encrypted in safe mode), and reads
// the answer.
func (c *Caller) Post(xml string) (Answer, error) {
	c.n++
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	nonce := strconv.Itoa(1000000 + c.n)
	body := xml
	enc := ""
	var ciph *wechat.Cipher
	if c.Safe {
		var err error
		if ciph, err = wechat.NewCipher(c.AESKey, c.AppID); err != nil {
			return Answer{}, err
		}
		if enc, err = ciph.Encrypt([]byte(xml)); err != nil {
			return Answer{}, err
		}
		body = "<xml><ToUserName><![CDATA[" + c.Account + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	}
	return c.Raw(c.Query(now, nonce, enc), body, ciph)
}

// Raw posts body with the query q as it is, for tests of what Plaza
// refuses.
func (c *Caller) Raw(q url.Values, body string, ciph *wechat.Cipher) (Answer, error) {
	res, err := http.Post(c.URL+"?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := Answer{Status: res.StatusCode, Body: string(b)}
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(b, []byte("<xml>")) {
		return out, nil
	}
	m, err := wechat.ParseMessage(b)
	if err != nil {
		return out, err
	}
	if ciph != nil {
		if m.Encrypt == "" {
			return out, fmt.Errorf("safe mode answer is not encrypted: %s", b)
		}
		var sig struct{ MsgSignature, TimeStamp, Nonce string }
		sig.MsgSignature, sig.TimeStamp, sig.Nonce = between(string(b), "MsgSignature"), between(string(b), "TimeStamp"), between(string(b), "Nonce")
		if !wechat.ValidSignature(sig.MsgSignature, c.Token, sig.TimeStamp, sig.Nonce, m.Encrypt) {
			return out, fmt.Errorf("reply's MsgSignature does not verify: %s", b)
		}
		plain, err := ciph.Decrypt(m.Encrypt)
		if err != nil {
			return out, err
		}
		if m, err = wechat.ParseMessage(plain); err != nil {
			return out, err
		}
	}
	out.Reply = m
	return out, nil
}

// between reads the text of an element, without CDATA.
func between(s, tag string) string {
	_, rest, ok := strings.Cut(s, "<"+tag+">")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, "</"+tag+">")
	return strings.TrimSuffix(strings.TrimPrefix(v, "<![CDATA["), "]]>")
}
