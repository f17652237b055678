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
	// Lang limits the reply to people writing in en or zh ('' for both).
	Lang      string
	Reply     string
	CreatedAt time.Time
}

// Keyword match kinds.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
)
