// Package jobs holds the arguments of Plaza's background jobs. It depends
// on nothing, so the code that enqueues a job and the code that works it
// need not know each other.
package jobs

// FollowerMail sends one of the e-mails of the follow path to a follower.
type FollowerMail struct {
	FollowerID int64  `json:"follower_id"`
	Template   string `json:"template"`
}

// Kind names the job for River.
func (FollowerMail) Kind() string { return "follower_mail" }

// Templates of FollowerMail.
const (
	MailConfirm = "confirm"
	MailWelcome = "welcome"
)

// Materialize writes the delivery rows of a broadcast: one per follower in
// its audience.
type Materialize struct {
	BroadcastID int64 `json:"broadcast_id"`
	// Emergency puts the job ahead of ordinary ones in the queue.
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
