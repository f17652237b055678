// Package bridge is Plaza's chat messaging bridge: every chat channel
// turns what its platform sends into an Inbound message, the router
// (bridge/router) decides what it is, and the replies go back the way the
// channel answers (in the HTTP response, or through the platform's API).
// The channels themselves live in one package each (webhook, email, and
// the chat platforms).
package bridge

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plazahq/plaza/broadcast"
)

// Kinds of inbound message.
const (
	// KindText is a message a person typed.
	KindText = "text"
	// KindFollow is the platform telling that the person followed the
	// account (pressed its follow button, scanned its code).
	KindFollow = "follow"
	// KindUnfollow is the platform telling that the person stopped.
	KindUnfollow = "unfollow"
	// KindMedia is a picture, voice note, location or link the person
	// sent; Text describes it for the staff inbox.
	KindMedia = "media"
	// KindEvent is something the person did that needs no answer
	// (opened a menu link, shared their location).
	KindEvent = "event"
)

// Inbound is one message or event from a person on a chat channel, in the
// same shape whatever the platform.
type Inbound struct {
	// Channel is the follower channel it came on (webhook, wechat, ...).
	Channel string
	// From is the person's address on the channel: a phone number, an
	// OpenID, a chat id.
	From string
	// MsgID is the platform's id of the message; a message with an id
	// seen before is a retry and is handled once.
	MsgID string
	Kind  string
	Text  string
	// Scene is the follow code's scene a follow came through, if any.
	Scene string
	// Lang is the person's language when the platform says (en or zh).
	Lang string
	// FollowWord is a word of the account's own that follows it, as
	// START does (an SMS number's keyword); empty for none.
	FollowWord string
	// Location is the place the message carries, when it is one: a
	// location the person shared (Kind media, Text describing it for the
	// inbox) or one the platform reported by itself (Kind event, Auto).
	Location *Location
	// Once is the one-time key of the signed request that brought the
	// message, when the platform's signature does not cover the body
	// (WeChat's plain mode signs only a timestamp and a nonce).
	Once *OnceKey
}

// Location is a point on the globe a person shared or their platform
// reported, in degrees (WGS 84 as the platform gives it).
type Location struct {
	Lat, Lon float64
	// Label is the platform's name for the place, if any (WeChat's
	// Label: an address).
	Label string
	// Auto is a location the platform reported by itself (WeChat's
	// LOCATION event, sent whenever the person opens the chat), not one
	// the person chose to send.
	Auto bool
}

// NewLocation reads a latitude and a longitude written as decimal
// degrees, as the platforms send them; nil when either is missing, not a
// number or off the globe.
func NewLocation(lat, lon string) *Location {
	y, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	x, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	return LocationAt(y, x)
}

// LocationAt is the point at lat, lon, or nil when it is off the globe
// (or not a number).
func LocationAt(lat, lon float64) *Location {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil
	}
	return &Location{Lat: lat, Lon: lon}
}

// OnceKey is a signed request's (timestamp, nonce), good until Expires.
// The router takes it in the transaction that handles the message: a
// second request with it is ErrReplayed on any instance, and a message
// that fails gives it back with the rollback, so the platform's retry of
// that request is taken.
type OnceKey struct {
	TS      int64
	Nonce   string
	Expires time.Time
}

// ErrReplayed means the request's OnceKey was taken before: someone is
// replaying a signed URL they saw, since the platform never reuses one.
var ErrReplayed = errors.New("this signed request was already used")

// Reply is a message sent back to the person.
type Reply struct {
	Text string `json:"text"`
}

// Clip shortens s to at most n characters, ending with "…" when cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:max(n-1, 0)]) + "…"
}

// NoticeText is a notice as one chat message of at most limit
// characters: subject, body and the link to its page, the body shortened
// to fit.
func NoticeText(c *broadcast.Content, limit int) string {
	return Clip(c.Subject+"\n\n"+c.Text, limit-utf8.RuneCountInString(c.URL)-1) + "\n" + c.URL
}
