package models

import (
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"
)

// Stances a citizen can take on a project.
const (
	StanceSupport = "support"
	StanceOppose  = "oppose"
	StanceNeutral = "neutral"
)

// Stances lists the stances in the order the form offers them.
func Stances() []string { return []string{StanceSupport, StanceOppose, StanceNeutral} }

// Moderation states of a piece of feedback.
const (
	FeedbackPending   = "pending"
	FeedbackPublished = "published"
	FeedbackHidden    = "hidden"
	FeedbackSpam      = "spam"
)

// FeedbackStatuses lists the moderation states.
func FeedbackStatuses() []string {
	return []string{FeedbackPending, FeedbackPublished, FeedbackHidden, FeedbackSpam}
}

// Where an answer stands among the answers of one person to one project.
// Only the current one is counted and shown; a revision sent with a typed
// contact (which proves nothing) waits unconfirmed, and the answer a
// confirmed revision replaces is superseded, kept with its official
// response.
const (
	RevisionCurrent     = "current"
	RevisionUnconfirmed = "unconfirmed"
	RevisionSuperseded  = "superseded"
)

// ReportsToHide is how many different citizens must report a published
// comment before it is taken down until a moderator looks.
const ReportsToHide = 3

// MaxComment is the longest comment a citizen may write, in characters.
const MaxComment = 2000

// ErrConsultationClosed is a submission to a project that takes no
// answers now.
var ErrConsultationClosed = errors.New("the consultation is not open")

// Feedback is one person's answer to a project.
type Feedback struct {
	ID         int64
	ProjectID  int64
	Stance     string
	Comment    string
	Name       string
	Contact    string
	ContactKey *string
	District   string
	// Answers holds the extra questions' answers as JSON: question id to
	// a list of values.
	Answers    string
	Channel    string
	FollowerID *int64
	Lang       string
	Status     string
	Reports    int
	Response   string
	ResponseAt *time.Time
	ResponseBy *int64
	// Revisions counts how often the person changed their answer.
	Revisions int
	// RevisesID is the earlier answer of the same person that this one
	// is a revision of.
	RevisesID *int64
	// RevisionState says whether this is the person's answer now: one of
	// RevisionCurrent, RevisionUnconfirmed, RevisionSuperseded.
	RevisionState string `gorm:"default:current"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps the table's singular name.
func (Feedback) TableName() string { return "feedback" }

// AnswerMap decodes Answers.
func (f *Feedback) AnswerMap() map[string][]string {
	out := map[string][]string{}
	_ = json.Unmarshal([]byte(f.Answers), &out)
	return out
}

// FeedbackInput is one submission, from the web form or a chat.
type FeedbackInput struct {
	Stance   string
	Comment  string
	Name     string
	Contact  string
	District string
	Consent  bool
	// Answers maps a question id to its answer (one value, or several
	// for a multiple-choice question).
	Answers map[int64][]string
	Lang    string
	// Channel is where it came from: web, or a chat channel.
	Channel    string
	FollowerID *int64
	// Client is who sends it, for FeedbackPerClient: the client address
	// (an IP /64) on the web, the channel and sender on a chat channel.
	Client string
	// ChatAddress is the sender's address on a chat channel, so a person
	// answering from a chat has one answer per project even when they do
	// not follow the account.
	ChatAddress string
}

// ContactKey normalizes an e-mail address or phone number so the same
// person is recognised however they type it; "" when contact is neither.
func ContactKey(contact string) (string, bool) {
	c := strings.TrimSpace(contact)
	if c == "" {
		return "", true
	}
	if strings.Contains(c, "@") {
		addr, err := mail.ParseAddress(c)
		if err != nil || addr.Name != "" || !strings.Contains(addr.Address[strings.LastIndex(addr.Address, "@")+1:], ".") {
			return "", false
		}
		return "email:" + strings.ToLower(addr.Address), true
	}
	var digits strings.Builder
	for i, r := range c {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", false
		}
	}
	d := strings.TrimPrefix(digits.String(), "+")
	if len(d) < 6 || len(d) > 15 {
		return "", false
	}
	return "tel:" + digits.String(), true
}

// Submission is what storing a piece of feedback did.
type Submission struct {
	Feedback *Feedback
	// Updated is set when the person's chat channel vouches for them, they
	// had answered before, and this answer replaced their earlier one.
	Updated bool
	// Revision is set when the contact typed had answered before: this
	// answer waits, unconfirmed, beside the earlier one. Whoever sent it
	// must not be told (it would tell them the contact took part).
	Revision bool
}

// StanceCount is how many answers took each stance.
type StanceCount struct {
	Support, Oppose, Neutral int64
}

// Total adds the stances up.
func (c StanceCount) Total() int64 { return c.Support + c.Oppose + c.Neutral }

// DistrictCount is the stances of one district.
type DistrictCount struct {
	District string
	StanceCount
}

// Results are a consultation's counts, over every current answer but
// spam (an unconfirmed revision or a replaced answer is not counted).
type Results struct {
	All        StanceCount
	ByDistrict []DistrictCount
}
