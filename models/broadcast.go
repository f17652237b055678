package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Broadcaster starts the broadcast of a notice inside the notice's own
// transaction tx, so the notice's new state, the broadcast and its job
// commit together. Package broadcast implements it: it is the only writer
// of the broadcasts and deliveries tables. The notices' domain
// (models/notice) takes one when it is built.
type Broadcaster interface {
	Start(ctx context.Context, tx *gorm.DB, n *Notice, kind string, userID int64) (*Broadcast, error)
}

// Broadcast kinds: the first publication of a notice, an update to it,
// and its end. Package broadcast renders each.
const (
	KindPublish  = "publish"
	KindUpdate   = "update"
	KindCancel   = "cancel"
	KindAllClear = "all_clear"
)

// Broadcast states.
const (
	BroadcastPending   = "pending"
	BroadcastSending   = "sending"
	BroadcastDone      = "done"
	BroadcastCancelled = "cancelled"
)

// Priorities: the emergency lane goes ahead of everything else.
const (
	PriorityNormal    = 0
	PriorityEmergency = 1
)

// Broadcast is one sending of a notice to its audience, with counters that
// move together with the delivery ledger.
type Broadcast struct {
	ID           int64
	NoticeID     int64
	AccountID    int64
	Kind         string
	Status       string
	Priority     int
	AudienceTags string
	// Target limits the audience to an area (AreaSpec's stored form); ""
	// for no limit.
	Target         string
	Snapshot       string
	Total          int64
	Sent           int64
	Failed         int64
	Dead           int64
	Held           int64
	Skipped        int64
	CreatedBy      *int64
	CreatedAt      time.Time
	MaterializedAt *time.Time
	FinishedAt     *time.Time
	// CompactedAt is when retention removed the per-recipient rows of the
	// finished broadcast (its counters stay).
	CompactedAt *time.Time
}

// Remaining is how many deliveries are still to be attempted.
func (b *Broadcast) Remaining() int64 {
	return max(0, b.Total-b.Sent-b.Failed-b.Dead-b.Held-b.Skipped)
}

// Emergency reports whether the broadcast is in the emergency lane.
func (b *Broadcast) Emergency() bool { return b.Priority >= PriorityEmergency }

// TagList is the audience's tags (none: every follower).
func (b *Broadcast) TagList() []string { return SplitList(b.AudienceTags) }

// Digest choices for e-mail followers.
const (
	DigestImmediate = "immediate"
	DigestDaily     = "daily"
	DigestWeekly    = "weekly"
)
