package models

import "time"

// ChatSavedReply is a reply staff keep for the inbox: a title to pick it
// by and the text it puts in the reply box.
type ChatSavedReply struct {
	ID        int64
	AccountID int64
	Title     string
	Body      string
	CreatedAt time.Time
}
