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
