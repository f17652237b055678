package models

import "time"

import (
	"strings"
)

// Prefixes of ContactKey: what the person typed, which anyone can type
// (a chat sender's, "chat:", is models/project's).
const (
	contactEmail = "email:"
	contactPhone = "tel:"
)

// ByEmail reports whether the answer's contact is an e-mail address, so a
// revision of it is confirmed by a link sent there.
func (f *Feedback) ByEmail() bool {
	return f.ContactKey != nil && strings.HasPrefix(*f.ContactKey, contactEmail)
}

// ByPhone reports whether the answer's contact is a phone number, which
// nothing can confirm yet: a moderator decides on its revisions.
func (f *Feedback) ByPhone() bool {
	return f.ContactKey != nil && strings.HasPrefix(*f.ContactKey, contactPhone)
}

// Unconfirmed reports whether the answer is a revision waiting for
// confirmation.
func (f *Feedback) Unconfirmed() bool { return f.RevisionState == RevisionUnconfirmed }

// AnswerRevision is a revision with the answer it would replace and the
// project, as the confirmation page and message show them.
type AnswerRevision struct {
	Revision *Feedback
	// Earlier is the answer it revises; nil when that one is gone.
	Earlier *Feedback
	Project *PublicProject
}

// Applies reports whether confirming the revision would still replace
// the earlier answer: it waits, and the earlier one is still current.
func (r *AnswerRevision) Applies() bool {
	return r.Revision.Unconfirmed() && r.Earlier != nil && r.Earlier.RevisionState == RevisionCurrent
}

// RelatedAnswers are the other answers of the same person that
// moderators see beside one answer.
type RelatedAnswers struct {
	// Revises is the answer this one revises, if any.
	Revises *Feedback
	// RevisedBy are the revisions of this answer, oldest first.
	RevisedBy []Feedback
	// Reports are citizens' reports of the answer, newest first.
	Reports []FeedbackReport
}

// FeedbackReport is one citizen's report of a comment, as moderators see
// it: why, and what they added.
type FeedbackReport struct {
	Reason    string
	Note      string
	CreatedAt time.Time
}

// ReportReasons are the reasons a citizen picks from to report a comment.
func ReportReasons() []string {
	return []string{"spam", "abusive", "personal", "off_topic", "other"}
}

// MaxReportNote bounds what a citizen adds to a report, in characters.
const MaxReportNote = 500
