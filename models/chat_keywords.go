package models

import (
	"time"
)

// ChatKeyword is an automatic reply staff set for a word people send.
type ChatKeyword struct {
	ID        int64
	AccountID int64
	Keyword   string
	// Match is exact (the whole message) or contains (anywhere in it).
	Match string
	// Translations hold the reply in each of its languages (field
	// "reply"); a follower gets theirs, else the account's default, else
	// any.
	Translations Translations `gorm:"type:text"`
	CreatedAt    time.Time
}

// KeywordReplyField is the field of a keyword's Translations that holds
// its reply.
const KeywordReplyField = "reply"

// ReplyFor is the reply a follower of lang gets, def being the account's
// default language, and the language it is in.
func (k *ChatKeyword) ReplyFor(lang, def string) (text, in string) {
	in = k.Translations.Pick(lang, def, KeywordReplyField)
	return k.Translations.Get(in, KeywordReplyField), in
}

// Keyword match kinds.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
)
