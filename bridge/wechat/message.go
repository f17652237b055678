// Package wechat is the WeChat official-account channel: the callback
// WeChat's servers call with every message and event (plain and safe
// mode, with a passive XML reply), and the client of WeChat's API for
// customer-service, template and mass messages, access tokens and
// parameterized QR codes.
package wechat

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
)

// Message is a message or event as WeChat posts it (the fields of every
// MsgType in one struct, as the platform documents them).
type Message struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	MsgID        string   `xml:"MsgId"`
	Content      string   `xml:"Content"`
	PicURL       string   `xml:"PicUrl"`
	MediaID      string   `xml:"MediaId"`
	Format       string   `xml:"Format"`
	Recognition  string   `xml:"Recognition"`
	LocationX    string   `xml:"Location_X"`
	LocationY    string   `xml:"Location_Y"`
	Scale        string   `xml:"Scale"`
	Label        string   `xml:"Label"`
	Title        string   `xml:"Title"`
	Description  string   `xml:"Description"`
	URL          string   `xml:"Url"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	Ticket       string   `xml:"Ticket"`
	Latitude     string   `xml:"Latitude"`
	Longitude    string   `xml:"Longitude"`
	Precision    string   `xml:"Precision"`
	// FileTotalLen is a file message's size in bytes.
	FileTotalLen string `xml:"FileTotalLen"`
	// Encrypt holds the whole message in safe mode.
	Encrypt string `xml:"Encrypt"`
}

// ErrMalformed is a body that is not a WeChat message.
var ErrMalformed = errors.New("not a WeChat message")

// ErrIgnored is a message Plaza has nothing to do with: an event it does
// not know, or a report of WeChat's own (a template or mass send
// finished). It is acknowledged with "success" all the same: anything
// else makes WeChat retry and show the person an error.
var ErrIgnored = errors.New("WeChat event ignored")

// ParseMessage reads a posted XML body.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	dec := xml.NewDecoder(bytes.NewReader(body))
	// WeChat sends UTF-8 and nothing else; refuse other declared charsets
	// instead of guessing.
	dec.CharsetReader = nil
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &m, nil
}

// qrScenePrefix starts the EventKey of a subscribe that came through a
// parameterized QR code.
const qrScenePrefix = "qrscene_"

// Inbound turns the message into the bridge's shape. It fails with
// ErrMalformed for a message without a sender (FromUserName) or type, and
// with ErrIgnored for an event that means nothing to the inbox. A message
// of a type Plaza does not know (WeChat adds some: file, mini-program
// page) goes to the inbox as a readable line, so what a person sent is
// never lost.
func (m *Message) Inbound() (bridge.Inbound, error) {
	in := bridge.Inbound{Channel: ChannelName, From: strings.TrimSpace(m.FromUserName), MsgID: m.MsgID}
	if in.From == "" || len(in.From) > 128 || !utf8.ValidString(in.From) || strings.ContainsRune(in.From, 0) {
		return in, fmt.Errorf("%w: FromUserName is missing or not an OpenID", ErrMalformed)
	}
	if len(m.MsgID) > 64 {
		return in, fmt.Errorf("%w: MsgId is too long", ErrMalformed)
	}
	switch m.MsgType {
	case "text":
		in.Kind, in.Text = bridge.KindText, m.Content
	case "image":
		in.Kind, in.Text = bridge.KindMedia, "[image] "+m.PicURL
	case "voice":
		in.Kind, in.Text = bridge.KindMedia, "[voice]"
		if m.Recognition != "" {
			in.Text += " " + m.Recognition
		}
	case "video", "shortvideo":
		in.Kind, in.Text = bridge.KindMedia, "[video]"
	case "location":
		in.Kind, in.Text = bridge.KindMedia, strings.TrimSpace(fmt.Sprintf("[location] %s,%s %s", m.LocationX, m.LocationY, m.Label))
		// Location_X is the latitude, Location_Y the longitude.
		if in.Location = bridge.NewLocation(m.LocationX, m.LocationY); in.Location != nil {
			in.Location.Label = bridge.Clip(strings.TrimSpace(m.Label), 200)
		}
	case "link":
		in.Kind, in.Text = bridge.KindMedia, strings.TrimSpace("[link] "+m.Title+" "+m.URL)
	case "":
		return in, fmt.Errorf("%w: MsgType is missing", ErrMalformed)
	case "event":
		// Events carry no MsgId: WeChat's retries of one event repeat its
		// sender and CreateTime, which with the event's name identify it
		// (two events of one person can share a second).
		in.MsgID = "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + strings.ToLower(m.Event)
		switch strings.ToLower(m.Event) {
		case "subscribe":
			in.Kind, in.Scene = bridge.KindFollow, strings.TrimPrefix(m.EventKey, qrScenePrefix)
		case "scan":
			// Someone who already follows scanned a parameterized code.
			in.Kind, in.Scene = bridge.KindFollow, m.EventKey
		case "unsubscribe":
			in.Kind = bridge.KindUnfollow
		case "click":
			// A menu button: its key reads as a command ("help").
			in.Kind, in.Text = bridge.KindText, m.EventKey
		case "view":
			in.Kind, in.Text = bridge.KindEvent, "[menu link] "+m.EventKey
		case "location":
			// The "report location" event: the account asked WeChat for
			// the person's place, which WeChat reports when they enter
			// the chat (or every few seconds while in it).
			in.Kind, in.Text = bridge.KindEvent, fmt.Sprintf("[location] %s,%s", m.Latitude, m.Longitude)
			if in.Location = bridge.NewLocation(m.Latitude, m.Longitude); in.Location != nil {
				in.Location.Auto = true
			}
		default:
			// TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH, the menu's photo
			// and scan pickers (whose result arrives as a message of its
			// own), and whatever WeChat adds.
			return in, fmt.Errorf("%w: event %q", ErrIgnored, bridge.Clip(m.Event, 40))
		}
	default:
		in.Kind, in.Text = bridge.KindMedia, m.unknownText()
	}
	if len(in.Scene) > 64 {
		in.Scene = in.Scene[:64]
	}
	if !utf8.ValidString(in.Text) || !utf8.ValidString(in.Scene) {
		return in, fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	return in, nil
}

// unknownText describes a message of a type Plaza does not know with
// the fields such messages carry: its type, then its text, title,
// description and link, whichever it has.
func (m *Message) unknownText() string {
	parts := []string{"[" + bridge.Clip(strings.ToLower(m.MsgType), 32) + "]"}
	for _, v := range []string{m.Content, m.Title, m.Description, m.URL} {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// cdata writes s as XML character data that survives any content,
// splitting a "]]>" inside it.
func cdata(b *bytes.Buffer, s string) {
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

// TextReply is the passive reply to a message: XML in the response to
// WeChat's POST, from the account (the message's ToUserName) to the
// person.
func TextReply(m *Message, text string, now time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("<xml><ToUserName>")
	cdata(&b, m.FromUserName)
	b.WriteString("</ToUserName><FromUserName>")
	cdata(&b, m.ToUserName)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(now.Unix(), 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>")
	cdata(&b, text)
	b.WriteString("</Content></xml>")
	return b.Bytes()
}

// EncryptedReply wraps a passive reply for safe mode, signed with the
// token.
func EncryptedReply(c *Cipher, token string, reply []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.Encrypt(reply)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<xml><Encrypt>")
	cdata(&b, enc)
	b.WriteString("</Encrypt><MsgSignature>")
	cdata(&b, Signature(token, timestamp, nonce, enc))
	b.WriteString("</MsgSignature><TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp><Nonce>")
	cdata(&b, nonce)
	b.WriteString("</Nonce></xml>")
	return b.Bytes(), nil
}

// ChannelName is the channel's name on followers.
const ChannelName = "wechat"
