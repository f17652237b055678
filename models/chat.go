package models

import "time"

// ChatMessage is one message to or from a person on a chat channel.
type ChatMessage struct {
	ID         int64
	AccountID  int64
	Channel    string
	Address    string
	FollowerID *int64
	Direction  string
	MsgID      *string
	Kind       string
	Body       string
	HandledBy  string
	// UserID is the staff member who wrote a reply from the inbox.
	UserID    *int64
	CreatedAt time.Time
}

// Limits on what a chat message may carry.
const (
	MaxChatText    = 4000
	MaxChatAddress = 200
	MaxChatMsgID   = 128
)

// ChatSession is a guided conversation in progress.
type ChatSession struct {
	AccountID int64  `gorm:"primaryKey"`
	Channel   string `gorm:"primaryKey"`
	Address   string `gorm:"primaryKey"`
	Flow      string
	State     string
	ExpiresAt time.Time
}

// ChatPlace is the place a chat follower was last asked to use for
// alerts about where they are, rounded to the area lattice: Pending until
// they answer, and kept after so the place a platform reports by itself
// is not asked about again and again.
type ChatPlace struct {
	AccountID int64  `gorm:"primaryKey"`
	Channel   string `gorm:"primaryKey"`
	Address   string `gorm:"primaryKey"`
	Lat       float64
	Lon       float64
	AskedAt   time.Time
	Pending   bool
}

// ChatState is what the router knows of a person when a message
// arrives: their follow, their conversation in progress, and whether the
// staff inbox has an open conversation with them.
type ChatState struct {
	Follower *Follower
	Session  *ChatSession
	// Place is the place they were last asked about, if any.
	Place *ChatPlace
	// InboxOpen: staff already have an open conversation with them.
	InboxOpen bool
}
