package project

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/models"
	"gorm.io/gorm/clause"
)

// Limits on what a citizen types, in characters (the comment's is
// models.MaxComment, which the form shows).
const (
	maxFeedbackName = 100
	maxContact      = 200
	maxAnswerText   = 500
	maxResponse     = 5000
)

// validateFeedback checks a submission against the project's questions
// and districts and returns it cleaned, with its contact's key.
func validateFeedback(in models.FeedbackInput, p *models.Project, questions []models.ProjectQuestion) (models.FeedbackInput, string, error) {
	var v models.ValidationError
	for _, s := range []*string{&in.Stance, &in.Comment, &in.Name, &in.Contact, &in.District} {
		*s = models.CleanText(*s)
	}
	if in.Stance == "" {
		v.Add("stance", "feedback.err_stance")
	} else if !slices.Contains(models.Stances(), in.Stance) {
		v.Add("stance", "err.choose_one")
	}
	if models.TooLong(in.Comment, models.MaxComment) {
		v.Add("comment", "feedback.err_comment_long")
	}
	if models.TooLong(in.Name, maxFeedbackName) {
		v.Add("name", "err.too_long")
	}
	key, ok := models.ContactKey(in.Contact)
	if models.TooLong(in.Contact, maxContact) || !ok {
		v.Add("contact", "feedback.err_contact")
	}
	if ds := p.DistrictList(); len(ds) > 0 && in.District != "" && !slices.Contains(ds, in.District) {
		v.Add("district", "err.choose_one")
	} else if models.TooLong(in.District, maxProjectDistrict) {
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
			if a = models.CleanText(a); a != "" && !slices.Contains(given, a) {
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
		case models.QuestionText:
			if len(given) > 1 || models.TooLong(given[0], maxAnswerText) {
				v.Add(field, "err.too_long")
			}
		case models.QuestionSingle, models.QuestionMultiple:
			if q.Kind == models.QuestionSingle && len(given) > 1 {
				v.Add(field, "err.choose_one")
			}
			values := q.Values(p.DefaultLang)
			for _, g := range given {
				if !slices.Contains(values, g) {
					v.Add(field, "err.choose_one")
				}
			}
		}
		answers[q.ID] = given
	}
	in.Answers = answers
	// The reader's language, as its tag ("zh-Hant"); anything else reads
	// as the project's default language.
	if !tagPattern.MatchString(in.Lang) || len(in.Lang) > 35 {
		in.Lang = p.DefaultLang
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
func (s *Service) SubmitFeedback(ctx context.Context, p *models.PublicProject, in models.FeedbackInput) (*models.Submission, error) {
	questions, err := s.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return s.SubmitFeedbackTo(ctx, p, questions, in)
}

// SubmitFeedbackTo is SubmitFeedback with the project's questions as the
// caller has them (the public form keeps them with the project it shows).
// A web answer outside a transaction goes through the group commit
// (answerQueue), with the same outcome as alone.
func (s *Service) SubmitFeedbackTo(ctx context.Context, p *models.PublicProject, questions []models.ProjectQuestion, in models.FeedbackInput) (*models.Submission, error) {
	f, key, refused := s.prepareFeedback(p, questions, in)
	if s.answers != nil && in.FollowerID == nil && in.ChatAddress == "" {
		return s.answers.submit(ctx, &answerJob{client: in.Client, refused: refused, f: f, done: make(chan struct{})})
	}
	if in.Client != "" {
		if err := s.core.TakeLimit(ctx, s.limits.FeedbackPerClient, in.Client); err != nil {
			return nil, err
		}
	}
	if refused != nil {
		return nil, refused
	}
	return s.storeCounted(ctx, f, key, false)
}

// prepareFeedback works out, without the database, the answer in makes
// to p and its contact's key, or why it cannot be stored.
func (s *Service) prepareFeedback(p *models.PublicProject, questions []models.ProjectQuestion, in models.FeedbackInput) (*models.Feedback, string, error) {
	now := s.core.Now()
	if !p.Open(now) {
		return nil, "", models.ErrConsultationClosed
	}
	in, key, err := validateFeedback(in, &p.Project, questions)
	if err != nil {
		return nil, "", err
	}
	status := models.FeedbackPublished
	if p.FeedbackReview {
		status = models.FeedbackPending
	}
	f := &models.Feedback{
		ProjectID: p.ID, Stance: in.Stance, Comment: in.Comment, Name: in.Name, Contact: in.Contact, District: in.District,
		Answers: encodeAnswers(in.Answers), Channel: in.Channel, FollowerID: in.FollowerID, Lang: in.Lang, Status: status,
		Revisions: 1, RevisionState: models.RevisionCurrent, CreatedAt: now, UpdatedAt: now,
	}
	if key == "" && in.ChatAddress != "" && in.Channel != "web" {
		key = "chat:" + in.Channel + ":" + in.ChatAddress
	}
	if key != "" {
		f.ContactKey = &key
	}
	return f, key, nil
}

// storeCounted stores f, its client already counted: refused when its
// contact (key, if any) has used up its answers, else counted against
// the contact and stored. The count comes first, in one statement that
// holds the contact's counter until it commits, so that answers of one
// contact through several instances (or groups) at once cannot all pass
// a limit that only some of them fit; an answer that then fails to be
// stored gives its count back. contactCounted says a group commit has
// counted the contact already.
func (s *Service) storeCounted(ctx context.Context, f *models.Feedback, key string, contactCounted bool) (*models.Submission, error) {
	lim := s.limits
	if key != "" && !contactCounted {
		if err := s.core.TakeLimit(ctx, lim.FeedbackPerContact, key); err != nil {
			return nil, err
		}
	}
	// Two submissions of the same person can race; the unique index of
	// current answers lets one insert win, and the other then finds it and
	// revises it. A lost race to replace an answer is tried again.
	for attempt := 0; ; attempt++ {
		f.ID = 0
		sub, err := s.storeFeedback(ctx, f)
		if err != nil && (models.IsUniqueViolation(err) || errors.Is(err, errAnswerMoved)) && attempt < 2 {
			continue
		}
		if err != nil && key != "" {
			// Not stored: the count was not used. Given back even if the
			// client has gone.
			if gerr := s.core.GiveBack(context.WithoutCancel(ctx), lim.FeedbackPerContact, key); gerr != nil {
				err = errors.Join(err, gerr)
			}
		}
		return sub, err
	}
}

func (s *Service) storeFeedback(ctx context.Context, f *models.Feedback) (*models.Submission, error) {
	if f.ContactKey == nil && f.FollowerID == nil {
		if err := s.core.Conn(ctx).Create(f).Error; err != nil {
			return nil, fmt.Errorf("store feedback: %w", err)
		}
		return &models.Submission{Feedback: f}, nil
	}
	// Most answers are a person's first: one INSERT that yields to the
	// unique indexes settles those without a transaction around a lookup.
	res := s.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(f)
	if res.Error != nil {
		return nil, fmt.Errorf("store feedback: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return &models.Submission{Feedback: f}, nil
	}
	f.ID = 0
	var sub *models.Submission
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		old, err := tx.currentAnswer(ctx, f)
		if err != nil {
			return err
		}
		switch {
		case old == nil:
			if err := tx.core.Conn(ctx).Create(f).Error; err != nil {
				return fmt.Errorf("store feedback: %w", err)
			}
			sub = &models.Submission{Feedback: f}
		case vouched(f):
			if err := tx.replaceAnswer(ctx, old, f); err != nil {
				return err
			}
			sub = &models.Submission{Feedback: f, Updated: true}
		default:
			if err := tx.storeRevision(ctx, old, f); err != nil {
				return err
			}
			sub = &models.Submission{Feedback: f, Revision: true}
		}
		return nil
	})
	return sub, err
}

// currentAnswer finds the current answer of the person who sent f (by
// contact or follower), or nil.
func (s *Service) currentAnswer(ctx context.Context, f *models.Feedback) (*models.Feedback, error) {
	q := s.core.Conn(ctx).Where("project_id = ? AND revision_state = ?", f.ProjectID, models.RevisionCurrent)
	switch {
	case f.ContactKey != nil && f.FollowerID != nil:
		q = q.Where("(contact_key = ? OR follower_id = ?)", *f.ContactKey, *f.FollowerID)
	case f.ContactKey != nil:
		q = q.Where("contact_key = ?", *f.ContactKey)
	default:
		q = q.Where("follower_id = ?", *f.FollowerID)
	}
	var old []models.Feedback
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
func (s *Service) PublishedFeedback(ctx context.Context, projectID int64, page models.Page) ([]models.Feedback, int64, error) {
	q := s.core.Conn(ctx).Model(&models.Feedback{}).Where("project_id = ? AND status = ? AND revision_state = ? AND comment <> ''",
		projectID, models.FeedbackPublished, models.RevisionCurrent)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count published feedback: %w", err)
	}
	var out []models.Feedback
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
func (s *Service) ReportFeedback(ctx context.Context, projectID, feedbackID int64, reporter string) error {
	return s.ReportFeedbackWhy(ctx, projectID, feedbackID, reporter, "other", "")
}

// ReportFeedbackWhy is ReportFeedback with the citizen's reason (one of
// models.ReportReasons) and an optional note; the errors name the form's
// fields, reason and note.
func (s *Service) ReportFeedbackWhy(ctx context.Context, projectID, feedbackID int64, reporter, reason, note string) error {
	note = strings.TrimSpace(models.CleanText(note))
	var v models.ValidationError
	if !slices.Contains(models.ReportReasons(), reason) {
		v.Add("reason", "feedback.err_report_reason")
	}
	if models.TooLong(note, models.MaxReportNote) {
		v.Add("note", "feedback.err_report_note")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.core.TakeLimit(ctx, s.limits.ReportPerClient, reporter); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		var f models.Feedback
		if err := tx.core.Conn(ctx).Where("id = ? AND project_id = ? AND status = ? AND revision_state = ?",
			feedbackID, projectID, models.FeedbackPublished, models.RevisionCurrent).First(&f).Error; err != nil {
			return models.NotFound(err, "feedback")
		}
		res := tx.core.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&feedbackReport{FeedbackID: f.ID, Reporter: reporter, Reason: reason, Note: note, CreatedAt: s.core.Now()})
		if res.Error != nil {
			return fmt.Errorf("report feedback: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		err := tx.core.Conn(ctx).Exec(`UPDATE feedback SET reports = reports + 1,
			status = CASE WHEN reports + 1 >= ? THEN 'pending' ELSE status END WHERE id = ?`, models.ReportsToHide, f.ID).Error
		if err != nil {
			return fmt.Errorf("count report: %w", err)
		}
		return nil
	})
}

type feedbackReport struct {
	FeedbackID int64  `gorm:"primaryKey"`
	Reporter   string `gorm:"primaryKey"`
	Reason     string
	Note       string
	CreatedAt  time.Time
}

// ProjectResults counts a project's answers by stance and by district
// (answers without a district last, as "" ).
func (s *Service) ProjectResults(ctx context.Context, projectID int64) (*models.Results, error) {
	var rows []struct {
		District string
		Stance   string
		N        int64
	}
	err := s.core.Conn(ctx).Raw(`SELECT district, stance, COUNT(*) AS n FROM feedback
		WHERE project_id = ? AND status <> 'spam' AND revision_state = 'current' GROUP BY district, stance`, projectID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("project results: %w", err)
	}
	r := &models.Results{}
	byDistrict := map[string]*models.StanceCount{}
	add := func(c *models.StanceCount, stance string, n int64) {
		switch stance {
		case models.StanceSupport:
			c.Support += n
		case models.StanceOppose:
			c.Oppose += n
		case models.StanceNeutral:
			c.Neutral += n
		}
	}
	for _, row := range rows {
		add(&r.All, row.Stance, row.N)
		c := byDistrict[row.District]
		if c == nil {
			c = &models.StanceCount{}
			byDistrict[row.District] = c
		}
		add(c, row.Stance, row.N)
	}
	for d, c := range byDistrict {
		r.ByDistrict = append(r.ByDistrict, models.DistrictCount{District: d, StanceCount: *c})
	}
	slices.SortFunc(r.ByDistrict, func(a, b models.DistrictCount) int {
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
func (feedbackReport) TableName() string { return "feedback_reports" }
