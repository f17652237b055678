package models

import (
	"errors"
	"time"
)

// Conversation is one person on one chat channel of an account, as the
// staff inbox lists it.
type Conversation struct {
	ID            int64
	AccountID     int64
	Channel       string
	Address       string
	FollowerID    *int64
	Status        string
	AssignedTo    *int64
	Unread        int
	Preview       string
	LastMessageAt time.Time
	LastInboundAt *time.Time
	// Read with the list.
	FollowerName string `gorm:"->"`
	AssigneeName string `gorm:"->"`
}

// Conversation statuses.
const (
	ConversationOpen   = "open"
	ConversationClosed = "closed"
)

// ReplyWindow is how long after a person's last message WeChat lets an
// account write to them (customer-service messages).
const ReplyWindow = 48 * time.Hour

// ReplyClosed reports whether the platform refuses a free-form reply now:
// WeChat only takes one within 48 hours of the person's last message.
func (c *Conversation) ReplyClosed(now time.Time) bool {
	if c.Channel != ChannelWeChat {
		return false
	}
	return c.LastInboundAt == nil || now.Sub(*c.LastInboundAt) > ReplyWindow
}

// InboxFilter narrows the inbox list.
type InboxFilter struct {
	// Status is open (the default), closed, mine or all.
	Status string
	// Q searches addresses, follower names and messages.
	Q    string
	Page Page
}

// ThreadMessage is a message of a conversation with the name of the staff
// member who wrote it, if one did.
type ThreadMessage struct {
	ChatMessage
	StaffName string `gorm:"->"`
}

// threadLength is how many of the latest messages a thread shows.
const threadLength = 200

// ErrReplyWindow is a reply WeChat would refuse: the person last wrote
// more than 48 hours ago.
var ErrReplyWindow = errors.New("outside the platform's 48-hour reply window")

// ErrOptedOut is a reply to a number that texted STOP: carriers forbid
// any message to it until it follows again.
var ErrOptedOut = errors.New("the person opted out of text messages")

// ThreadLength is how many of a conversation's latest messages its page
// shows.
func ThreadLength() int { return threadLength }

// Waiting is how long the person has waited for an answer: from their
// last message, while the conversation is open and nothing was sent
// after it. ok is false when nobody is waiting.
func (c *Conversation) Waiting(now time.Time) (d time.Duration, ok bool) {
	if c.Status != ConversationOpen || c.LastInboundAt == nil || c.LastMessageAt.After(*c.LastInboundAt) {
		return 0, false
	}
	return max(now.Sub(*c.LastInboundAt), 0), true
}
