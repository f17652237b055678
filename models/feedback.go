package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"
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

// Limits on what a citizen types, in characters.
const (
	MaxComment      = 2000
	maxFeedbackName = 100
	maxContact      = 200
	maxAnswerText   = 500
	maxResponse     = 5000
)

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

// validate checks a submission against the project's questions and
// districts and returns it cleaned.
func (in FeedbackInput) validate(p *Project, questions []ProjectQuestion) (FeedbackInput, string, error) {
	var v ValidationError
	for _, s := range []*string{&in.Stance, &in.Comment, &in.Name, &in.Contact, &in.District} {
		*s = cleanText(*s)
	}
	if in.Stance == "" {
		v.Add("stance", "feedback.err_stance")
	} else if !slices.Contains(Stances(), in.Stance) {
		v.Add("stance", "err.choose_one")
	}
	if TooLong(in.Comment, MaxComment) {
		v.Add("comment", "feedback.err_comment_long")
	}
	if TooLong(in.Name, maxFeedbackName) {
		v.Add("name", "err.too_long")
	}
	key, ok := ContactKey(in.Contact)
	if TooLong(in.Contact, maxContact) || !ok {
		v.Add("contact", "feedback.err_contact")
	}
	if ds := p.DistrictList(); len(ds) > 0 && in.District != "" && !slices.Contains(ds, in.District) {
		v.Add("district", "err.choose_one")
	} else if TooLong(in.District, maxProjectDistrict) {
		v.Add("district", "err.too_long")
	}
	if !in.Consent {
		v.Add("consent", "feedback.err_consent")
	}
	answers := map[int64][]string{}
	for _, q := range questions {
		field := "q" + strconv.FormatInt(q.ID, 10)
		var given []string
		for _, a := range in.Answers[q.ID] {
			if a = cleanText(a); a != "" && !slices.Contains(given, a) {
				given = append(given, a)
			}
		}
		if len(given) == 0 {
			if q.Required {
				v.Add(field, "err.required")
			}
			continue
		}
		switch q.Kind {
		case QuestionText:
			if len(given) > 1 || TooLong(given[0], maxAnswerText) {
				v.Add(field, "err.too_long")
			}
		case QuestionSingle, QuestionMultiple:
			if q.Kind == QuestionSingle && len(given) > 1 {
				v.Add(field, "err.choose_one")
			}
			values := Lines(q.OptionsEn)
			for _, g := range given {
				if !slices.Contains(values, g) {
					v.Add(field, "err.choose_one")
				}
			}
		}
		answers[q.ID] = given
	}
	in.Answers = answers
	if in.Lang != "zh" {
		in.Lang = "en"
	}
	if in.Channel == "" {
		in.Channel = "web"
	}
	return in, key, v.Err()
}

func encodeAnswers(a map[int64][]string) string {
	m := make(map[string][]string, len(a))
	for k, v := range a {
		m[strconv.FormatInt(k, 10)] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
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
	// Uncounted is why the stored answer could not be counted against its
	// contact's limit (the database went away just after the commit). The
	// answer is stored all the same, and the citizen must be told so; the
	// caller logs this.
	Uncounted error
}

// SubmitFeedback stores a citizen's answer to an open consultation. A
// person has one current answer per project. A second answer from the
// same chat sender or follower replaces the first (the channel vouches
// for them); a second one with the same typed e-mail address or phone
// number, which anyone can type, is stored as an unconfirmed revision and
// replaces the first only when confirmed (ConfirmAnswerRevision,
// AcceptAnswerRevision).
//
// The anti-abuse limits apply here, so the web form and a chat
// conversation get the same ones: every attempt counts against its client
// (in.Client), and a contact (typed, or a chat sender) may store
// FeedbackPerContact answers an hour; past either the answer is refused
// with a LimitError.
func (s *Store) SubmitFeedback(ctx context.Context, p *PublicProject, in FeedbackInput) (*Submission, error) {
	lim := s.Limits()
	if in.Client != "" {
		if err := s.TakeLimit(ctx, lim.FeedbackPerClient, in.Client); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	if !p.Open(now) {
		return nil, ErrConsultationClosed
	}
	questions, err := s.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	in, key, err := in.validate(&p.Project, questions)
	if err != nil {
		return nil, err
	}
	status := FeedbackPublished
	if p.FeedbackReview {
		status = FeedbackPending
	}
	f := &Feedback{
		ProjectID: p.ID, Stance: in.Stance, Comment: in.Comment, Name: in.Name, Contact: in.Contact, District: in.District,
		Answers: encodeAnswers(in.Answers), Channel: in.Channel, FollowerID: in.FollowerID, Lang: in.Lang, Status: status,
		Revisions: 1, RevisionState: RevisionCurrent, CreatedAt: now, UpdatedAt: now,
	}
	if key == "" && in.ChatAddress != "" && in.Channel != "web" {
		key = "chat:" + in.Channel + ":" + in.ChatAddress
	}
	if key != "" {
		f.ContactKey = &key
		if err := s.LimitSpent(ctx, lim.FeedbackPerContact, key); err != nil {
			return nil, err
		}
	}
	// Two submissions of the same person can race; the unique index of
	// current answers lets one insert win, and the other then finds it and
	// revises it. A lost race to replace an answer is tried again.
	for attempt := 0; ; attempt++ {
		f.ID = 0
		sub, err := s.storeFeedback(ctx, f)
		if err != nil && (isUniqueViolation(err) || errors.Is(err, errAnswerMoved)) && attempt < 2 {
			continue
		}
		if err == nil && key != "" {
			// Counted once stored, even if the client has gone.
			if _, _, err := s.Hit(context.WithoutCancel(ctx), lim.FeedbackPerContact.Key+":"+key, lim.FeedbackPerContact.Max,
				lim.FeedbackPerContact.Window); err != nil {
				sub.Uncounted = err
			}
		}
		return sub, err
	}
}

func (s *Store) storeFeedback(ctx context.Context, f *Feedback) (*Submission, error) {
	if f.ContactKey == nil && f.FollowerID == nil {
		if err := s.conn(ctx).Create(f).Error; err != nil {
			return nil, fmt.Errorf("store feedback: %w", err)
		}
		return &Submission{Feedback: f}, nil
	}
	// Most answers are a person's first: one INSERT that yields to the
	// unique indexes settles those without a transaction around a lookup.
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(f)
	if res.Error != nil {
		return nil, fmt.Errorf("store feedback: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return &Submission{Feedback: f}, nil
	}
	f.ID = 0
	var sub *Submission
	err := s.Tx(ctx, func(tx *Store) error {
		old, err := tx.currentAnswer(ctx, f)
		if err != nil {
			return err
		}
		switch {
		case old == nil:
			if err := tx.conn(ctx).Create(f).Error; err != nil {
				return fmt.Errorf("store feedback: %w", err)
			}
			sub = &Submission{Feedback: f}
		case vouched(f):
			if err := tx.replaceAnswer(ctx, old, f); err != nil {
				return err
			}
			sub = &Submission{Feedback: f, Updated: true}
		default:
			if err := tx.storeRevision(ctx, old, f); err != nil {
				return err
			}
			sub = &Submission{Feedback: f, Revision: true}
		}
		return nil
	})
	return sub, err
}

// currentAnswer finds the current answer of the person who sent f (by
// contact or follower), or nil.
func (s *Store) currentAnswer(ctx context.Context, f *Feedback) (*Feedback, error) {
	q := s.conn(ctx).Where("project_id = ? AND revision_state = ?", f.ProjectID, RevisionCurrent)
	switch {
	case f.ContactKey != nil && f.FollowerID != nil:
		q = q.Where("(contact_key = ? OR follower_id = ?)", *f.ContactKey, *f.FollowerID)
	case f.ContactKey != nil:
		q = q.Where("contact_key = ?", *f.ContactKey)
	default:
		q = q.Where("follower_id = ?", *f.FollowerID)
	}
	var old []Feedback
	if err := q.Limit(1).Find(&old).Error; err != nil {
		return nil, fmt.Errorf("find earlier feedback: %w", err)
	}
	if len(old) == 0 {
		return nil, nil
	}
	return &old[0], nil
}

// PublishedFeedback lists a project's published comments, newest first
// (only those with a comment: a bare stance is counted in the results).
func (s *Store) PublishedFeedback(ctx context.Context, projectID int64, page Page) ([]Feedback, int64, error) {
	q := s.conn(ctx).Model(&Feedback{}).Where("project_id = ? AND status = ? AND revision_state = ? AND comment <> ''",
		projectID, FeedbackPublished, RevisionCurrent)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count published feedback: %w", err)
	}
	var out []Feedback
	if err := q.Order("id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("published feedback: %w", err)
	}
	return out, total, nil
}

// ReportFeedback records a citizen's report of a published comment.
// reporter identifies the citizen (a keyed hash of their network) so each counts
// once; enough reports take the comment down until a moderator looks.
// Every report, of any comment, valid or not, counts against the
// reporter's ReportPerClient.
func (s *Store) ReportFeedback(ctx context.Context, projectID, feedbackID int64, reporter string) error {
	if err := s.TakeLimit(ctx, s.Limits().ReportPerClient, reporter); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		var f Feedback
		if err := tx.conn(ctx).Where("id = ? AND project_id = ? AND status = ? AND revision_state = ?",
			feedbackID, projectID, FeedbackPublished, RevisionCurrent).First(&f).Error; err != nil {
			return notFound(err, "feedback")
		}
		res := tx.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&feedbackReport{FeedbackID: f.ID, Reporter: reporter, CreatedAt: s.Now()})
		if res.Error != nil {
			return fmt.Errorf("report feedback: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		err := tx.conn(ctx).Exec(`UPDATE feedback SET reports = reports + 1,
			status = CASE WHEN reports + 1 >= ? THEN 'pending' ELSE status END WHERE id = ?`, ReportsToHide, f.ID).Error
		if err != nil {
			return fmt.Errorf("count report: %w", err)
		}
		return nil
	})
}

type feedbackReport struct {
	FeedbackID int64  `gorm:"primaryKey"`
	Reporter   string `gorm:"primaryKey"`
	CreatedAt  time.Time
}

func (feedbackReport) TableName() string { return "feedback_reports" }

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

// ProjectResults counts a project's answers by stance and by district
// (answers without a district last, as "" ).
func (s *Store) ProjectResults(ctx context.Context, projectID int64) (*Results, error) {
	var rows []struct {
		District string
		Stance   string
		N        int64
	}
	err := s.conn(ctx).Raw(`SELECT district, stance, COUNT(*) AS n FROM feedback
		WHERE project_id = ? AND status <> 'spam' AND revision_state = 'current' GROUP BY district, stance`, projectID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("project results: %w", err)
	}
	r := &Results{}
	byDistrict := map[string]*StanceCount{}
	add := func(c *StanceCount, stance string, n int64) {
		switch stance {
		case StanceSupport:
			c.Support += n
		case StanceOppose:
			c.Oppose += n
		case StanceNeutral:
			c.Neutral += n
		}
	}
	for _, row := range rows {
		add(&r.All, row.Stance, row.N)
		c := byDistrict[row.District]
		if c == nil {
			c = &StanceCount{}
			byDistrict[row.District] = c
		}
		add(c, row.Stance, row.N)
	}
	for d, c := range byDistrict {
		r.ByDistrict = append(r.ByDistrict, DistrictCount{District: d, StanceCount: *c})
	}
	slices.SortFunc(r.ByDistrict, func(a, b DistrictCount) int {
		switch {
		case (a.District == "") != (b.District == ""):
			if a.District == "" {
				return 1
			}
			return -1
		case a.Total() != b.Total():
			if a.Total() > b.Total() {
				return -1
			}
			return 1
		}
		return strings.Compare(a.District, b.District)
	})
	return r, nil
}
