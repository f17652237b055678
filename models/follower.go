package models

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/plazahq/plaza/models/followerimport"
)

// Channels a follower can be reached on. Chat channels arrive with the
// bridge and use the same follow path.
const (
	ChannelEmail = "email"
	// ChannelWebhook is the signed webhook channel (SMS gateways, other
	// systems).
	ChannelWebhook  = "webhook"
	ChannelWeChat   = "wechat"
	ChannelTelegram = "telegram"
	// ChannelSMS is text messages through a provider's REST API; the
	// address is the number in E.164.
	ChannelSMS = "sms"
	// ChannelWebPush is browser notifications (Web Push): the address is
	// the browser's subscription as JSON.
	ChannelWebPush = "webpush"
)

// Follower statuses. They are followerimport's, which judges rows of a
// file against them and cannot import models.
const (
	StatusPending      = followerimport.StatusPending
	StatusActive       = followerimport.StatusActive
	StatusUnsubscribed = followerimport.StatusUnsubscribed
	StatusBounced      = followerimport.StatusBounced
	StatusBlocked      = followerimport.StatusBlocked
)

// FollowerStatuses lists every status, for filters.
func FollowerStatuses() []string {
	return []string{StatusPending, StatusActive, StatusUnsubscribed, StatusBounced, StatusBlocked}
}

// Follower is one person on one channel of one account.
type Follower struct {
	ID             int64
	AccountID      int64
	Channel        string
	Address        string
	Name           string
	Language       string
	Status         string
	Source         string
	Scene          string
	CodeID         *int64
	ConsentAt      *time.Time
	ConfirmedAt    *time.Time
	UnsubscribedAt *time.Time
	// Digest is immediate, daily or weekly: how an e-mail follower takes
	// ordinary notices.
	Digest       string `gorm:"default:immediate"`
	DigestSentAt *time.Time
	// AreaMode says where the follower wants alerts for: AreaAll
	// (everything), AreaDistricts (the districts in follower_districts)
	// or AreaPlace (the place below).
	AreaMode string `gorm:"default:all"`
	// The place, rounded to the area package's lattice (about 100 m),
	// with its lattice cell and block and the district it falls in,
	// worked out when it is saved so that audiences are joins.
	PlaceLat        *float64
	PlaceLon        *float64
	PlaceCell       *int64
	PlaceBlock      *int64
	PlaceDistrictID *int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Tags            []string `gorm:"-"`
	// Districts are the districts an AreaDistricts follower chose, when
	// loaded.
	Districts []int64 `gorm:"-"`
}

// Where a follower wants alerts for.
const (
	AreaAll       = "all"
	AreaDistricts = "districts"
	AreaPlace     = "place"
)

// FollowerTag is one tag of a follower.
type FollowerTag struct {
	FollowerID int64  `gorm:"primaryKey"`
	Tag        string `gorm:"primaryKey"`
}

// FollowEvent records a follow or an unfollow for growth charts.
type FollowEvent struct {
	ID         int64
	AccountID  int64
	FollowerID *int64
	CodeID     *int64
	Channel    string
	Kind       string
	CreatedAt  time.Time
}

// NormalizeTag lower-cases a tag and checks its form; the rule is
// followerimport's, so that imported tags and typed ones agree.
func NormalizeTag(t string) (string, bool) { return followerimport.NormalizeTag(t) }

// NormalizeTags cleans a list of tags, dropping duplicates; it reports the
// first invalid one.
func NormalizeTags(in []string) ([]string, string) { return followerimport.NormalizeTags(in) }

// Topics are the tags an account offers its followers.
func (a *Account) TopicList() []string {
	var out []string
	for _, t := range strings.Split(a.Topics, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// ErrLinkUsed means a confirmation link no longer applies: the follower
// unsubscribed or was blocked after it was sent.
var ErrLinkUsed = errors.New("link no longer applies")

// PushService is the host of the push service a browser's subscription
// (a webpush follower's address, its JSON) sends to, or "" when address
// is not one.
func PushService(address string) string {
	var sub struct {
		Endpoint string `json:"endpoint"`
	}
	if json.Unmarshal([]byte(address), &sub) != nil {
		return ""
	}
	u, err := url.Parse(sub.Endpoint)
	if err != nil {
		return ""
	}
	return u.Host
}

// OutsideAddress is a follower's address as it leaves Plaza, in exports
// and the API: a browser's subscription carries the keys its
// notifications are encrypted with, which are no one's to copy, so it is
// "browser (<its push service>)".
func OutsideAddress(channel, address string) string {
	if channel != ChannelWebPush {
		return address
	}
	if host := PushService(address); host != "" {
		return "browser (" + host + ")"
	}
	return "browser"
}
