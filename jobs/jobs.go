// Package jobs holds the arguments of Plaza's background jobs. It depends
// on nothing, so the code that enqueues a job and the code that works it
// need not know each other.
package jobs

// Queues, each with its own workers, so that one kind of slow work (a dead
// SMTP server, a feed that hangs) can never hold up another (a scheduled
// emergency notice).
const (
	// QueueEmergency carries the work of emergency broadcasts only.
	QueueEmergency = "emergency"
	// QueueDefault carries publishing, expiry, materializing, the scans for
	// due work and housekeeping.
	QueueDefault = "default"
	// QueueMail carries mail to single followers and digests.
	QueueMail = "mail"
	// QueueFeeds carries the polls of external alert feeds.
	QueueFeeds = "feeds"
)

// FollowerMail sends one of the e-mails of the follow path to a follower.
type FollowerMail struct {
	FollowerID int64  `json:"follower_id"`
	Template   string `json:"template"`
}

// Kind names the job for River.
func (FollowerMail) Kind() string { return "follower_mail" }

// Queue is the mail queue.
func (FollowerMail) Queue() string { return QueueMail }

// Templates of FollowerMail.
const (
	MailConfirm = "confirm"
	MailWelcome = "welcome"
)

// Materialize writes the delivery rows of a broadcast: one per follower in
// its audience.
type Materialize struct {
	BroadcastID int64 `json:"broadcast_id"`
	// Emergency puts the job on the emergency queue, ahead of ordinary ones.
	Emergency bool `json:"emergency,omitempty"`
}

// Kind names the job for River.
func (Materialize) Kind() string { return "broadcast_materialize" }

// Priority is River's priority (1 runs first).
func (j Materialize) Priority() int {
	if j.Emergency {
		return 1
	}
	return 2
}

// Queue keeps an emergency's materialization apart from a million-row
// ordinary one that may be running.
func (j Materialize) Queue() string {
	if j.Emergency {
		return QueueEmergency
	}
	return QueueDefault
}

// ScanScheduled looks for scheduled notices whose time has come and
// enqueues a PublishNotice for each. It is a periodic job: the elected
// leader alone enqueues it.
type ScanScheduled struct{}

// Kind names the job for River.
func (ScanScheduled) Kind() string { return "notice_scan_scheduled" }

// Priority puts the scan ahead of the materializations on the default
// queue: a scheduled notice has a time to keep.
func (ScanScheduled) Priority() int { return 1 }

// Unique keeps a slow scan from being joined by the next ones.
func (ScanScheduled) Unique() bool { return true }

// PublishNotice publishes one scheduled notice whose time has come.
type PublishNotice struct {
	NoticeID int64 `json:"notice_id"`
}

// Kind names the job for River.
func (PublishNotice) Kind() string { return "notice_publish" }

// Priority: publishing has a time to keep, materializing does not.
func (PublishNotice) Priority() int { return 1 }

// Unique lets every scan offer the notice while only one job for it waits.
func (PublishNotice) Unique() bool { return true }

// ExpireNotices marks the live notices past their expiry time as expired,
// all at once: it is one UPDATE and sends nothing.
type ExpireNotices struct{}

// Kind names the job for River.
func (ExpireNotices) Kind() string { return "notice_expire" }

// Unique keeps a slow run from being joined by the next ones.
func (ExpireNotices) Unique() bool { return true }

// ScanDigests looks for followers whose digest is due and enqueues a
// Digest for each.
type ScanDigests struct{}

// Kind names the job for River.
func (ScanDigests) Kind() string { return "digest_scan" }

// Unique keeps a slow scan from being joined by the next ones.
func (ScanDigests) Unique() bool { return true }

// Digest sends one follower the digest of their held notices.
type Digest struct {
	FollowerID int64 `json:"follower_id"`
}

// Kind names the job for River.
func (Digest) Kind() string { return "digest" }

// Queue is the mail queue: a dead SMTP server holds up mail only.
func (Digest) Queue() string { return QueueMail }

// Unique lets every scan offer the follower while only one digest waits.
func (Digest) Unique() bool { return true }

// Housekeeping removes expired sessions, rate-limit windows and API
// idempotency keys.
type Housekeeping struct{}

// Kind names the job for River.
func (Housekeeping) Kind() string { return "housekeeping" }

// Unique keeps one run at a time.
func (Housekeeping) Unique() bool { return true }

// CompactLedger creates the delivery ledger's next partitions and removes
// the per-recipient rows of broadcasts finished longer ago than the
// retention setting (broadcast.Engine.CompactLedger).
type CompactLedger struct{}

// Kind names the job for River.
func (CompactLedger) Kind() string { return "ledger_compact" }

// Unique keeps one run at a time.
func (CompactLedger) Unique() bool { return true }

// ScanFeeds claims the alert feeds whose poll is due and queues a PollFeed
// for each. River's leader enqueues it every few seconds.
type ScanFeeds struct{}

// Kind names the job for River.
func (ScanFeeds) Kind() string { return "alert_feed_scan" }

// Queue is the default queue: a scan is one short UPDATE.
func (ScanFeeds) Queue() string { return QueueDefault }

// Unique keeps scans from piling up behind a slow database.
func (ScanFeeds) Unique() bool { return true }

// MaxAttempts is one: the next scan is the retry.
func (ScanFeeds) MaxAttempts() int { return 1 }

// PollFeed polls one external alert feed.
type PollFeed struct {
	FeedID int64 `json:"feed_id"`
}

// Kind names the job for River.
func (PollFeed) Kind() string { return "alert_feed_poll" }

// Queue is the feeds queue, so a feed that hangs holds only a feeds worker.
func (PollFeed) Queue() string { return QueueFeeds }

// Unique means one poll of a feed at a time: a slow poll is never doubled
// by the next scan.
func (PollFeed) Unique() bool { return true }

// MaxAttempts is one: a failed poll is recorded on the feed and the feed's
// next turn is the retry.
func (PollFeed) MaxAttempts() int { return 1 }

// AnswerConfirm sends the link that confirms a revision of a consultation
// answer to the e-mail address it was given with.
type AnswerConfirm struct {
	FeedbackID int64 `json:"feedback_id"`
}

// Kind names the job for River.
func (AnswerConfirm) Kind() string { return "answer_confirm" }

// Queue is the mail queue.
func (AnswerConfirm) Queue() string { return QueueMail }
