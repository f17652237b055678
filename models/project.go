package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Project statuses, in the order a project moves through them.
const (
	ProjectProposed     = "proposed"
	ProjectConsultation = "consultation"
	ProjectDecided      = "decided"
	ProjectInProgress   = "in_progress"
	ProjectDone         = "done"
)

// ProjectStatuses lists the statuses in order.
func ProjectStatuses() []string {
	return []string{ProjectProposed, ProjectConsultation, ProjectDecided, ProjectInProgress, ProjectDone}
}

// Project is a public project an account asks the public about.
type Project struct {
	ID             int64
	AccountID      int64
	Status         string
	TitleEn        string
	TitleZh        string
	SummaryEn      string
	SummaryZh      string
	BodyEn         string
	BodyZh         string
	Address        string
	Latitude       *float64
	Longitude      *float64
	Budget         *int64
	BudgetCurrency string
	Districts      string
	Public         bool
	OpensAt        *time.Time
	ClosesAt       *time.Time
	ResultEn       string
	ResultZh       string
	ResultAt       *time.Time
	CreatedBy      *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Language is the language a reader of lang gets the project in.
func (p *Project) Language(lang string) string {
	if lang == "zh" && p.TitleZh != "" || lang != "zh" && p.TitleEn == "" {
		return "zh"
	}
	return "en"
}

func (p *Project) pick(lang, en, zh string) string {
	if p.Language(lang) == "zh" {
		return zh
	}
	return en
}

// Title, Summary, Body and Result are the project's texts in the
// reader's language, or in the other one when it has none in theirs.
func (p *Project) Title(lang string) string   { return p.pick(lang, p.TitleEn, p.TitleZh) }
func (p *Project) Summary(lang string) string { return p.pick(lang, p.SummaryEn, p.SummaryZh) }
func (p *Project) Body(lang string) string    { return p.pick(lang, p.BodyEn, p.BodyZh) }

// Result is the official summary in lang, falling back to the other
// language.
func (p *Project) Result(lang string) string {
	if lang == "zh" && p.ResultZh != "" || p.ResultEn == "" {
		return p.ResultZh
	}
	return p.ResultEn
}

// HasLanguage reports whether the project was written in lang.
func (p *Project) HasLanguage(lang string) bool {
	if lang == "zh" {
		return p.TitleZh != ""
	}
	return p.TitleEn != ""
}

// DistrictList is the districts the form offers, if staff listed any.
func (p *Project) DistrictList() []string { return Lines(p.Districts) }

// HasLocation reports whether the project has coordinates.
func (p *Project) HasLocation() bool { return p.Latitude != nil && p.Longitude != nil }

// Open reports whether the consultation takes answers at now.
func (p *Project) Open(now time.Time) bool {
	return p.Status == ProjectConsultation && (p.OpensAt == nil || !now.Before(*p.OpensAt)) &&
		p.ClosesAt != nil && now.Before(*p.ClosesAt)
}

// NotYetOpen reports whether the consultation is announced but has not
// begun.
func (p *Project) NotYetOpen(now time.Time) bool {
	return p.Status == ProjectConsultation && p.OpensAt != nil && now.Before(*p.OpensAt)
}

func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ProjectInput is what staff fill in on the project editor.
type ProjectInput struct {
	TitleEn, TitleZh     string
	SummaryEn, SummaryZh string
	BodyEn, BodyZh       string
	Address              string
	Latitude, Longitude  *float64
	Budget               *int64
	BudgetCurrency       string
	Districts            string
	Public               bool
	OpensAt, ClosesAt    *time.Time
}

// Limits on project text, in characters.
const (
	maxProjectTitle    = 200
	maxProjectSummary  = 500
	maxProjectBody     = 20000
	maxProjectDistrict = 100
	maxQuestions       = 10
)

// cleanText drops what a database or a browser should never get from a
// form: invalid UTF-8, NUL and other control characters (line breaks and
// tabs are kept).
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return -1
		}
		return r
	}, s))
}

func TooLong(s string, n int) bool { return len([]rune(s)) > n }

func (in ProjectInput) validate() (ProjectInput, error) {
	var v ValidationError
	for _, p := range []*string{&in.TitleEn, &in.TitleZh, &in.SummaryEn, &in.SummaryZh, &in.BodyEn, &in.BodyZh,
		&in.Address, &in.BudgetCurrency, &in.Districts} {
		*p = cleanText(*p)
	}
	if in.TitleEn == "" && in.TitleZh == "" {
		v.Add("title_en", "projects.err_title_one_language")
	}
	for _, l := range []struct {
		suffix               string
		title, summary, body string
	}{{"en", in.TitleEn, in.SummaryEn, in.BodyEn}, {"zh", in.TitleZh, in.SummaryZh, in.BodyZh}} {
		if TooLong(l.title, maxProjectTitle) {
			v.Add("title_"+l.suffix, "err.too_long")
		}
		if TooLong(l.summary, maxProjectSummary) {
			v.Add("summary_"+l.suffix, "err.too_long")
		}
		if TooLong(l.body, maxProjectBody) {
			v.Add("body_"+l.suffix, "err.too_long")
		}
		if l.title == "" && (l.summary != "" || l.body != "") {
			v.Add("title_"+l.suffix, "projects.err_text_without_title")
		}
	}
	if TooLong(in.Address, maxProjectSummary) {
		v.Add("address", "err.too_long")
	}
	if (in.Latitude == nil) != (in.Longitude == nil) {
		v.Add("latitude", "projects.err_both_coordinates")
	}
	if in.Latitude != nil && (math.IsNaN(*in.Latitude) || *in.Latitude < -85 || *in.Latitude > 85) {
		v.Add("latitude", "projects.err_latitude")
	}
	if in.Longitude != nil && (math.IsNaN(*in.Longitude) || *in.Longitude < -180 || *in.Longitude > 180) {
		v.Add("longitude", "projects.err_longitude")
	}
	if in.Budget != nil && *in.Budget < 0 {
		v.Add("budget", "projects.err_budget")
	}
	in.BudgetCurrency = strings.ToUpper(in.BudgetCurrency)
	if in.BudgetCurrency != "" && (len(in.BudgetCurrency) != 3 || strings.IndexFunc(in.BudgetCurrency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		v.Add("budget_currency", "projects.err_currency")
	}
	ds := Lines(in.Districts)
	var clean []string
	for _, d := range ds {
		if TooLong(d, maxProjectDistrict) {
			v.Add("districts", "err.too_long")
		}
		if !slices.Contains(clean, d) {
			clean = append(clean, d)
		}
	}
	if len(clean) > 100 {
		v.Add("districts", "projects.err_too_many_districts")
	}
	in.Districts = strings.Join(clean, "\n")
	in.OpensAt, in.ClosesAt = UTCPtr(in.OpensAt), UTCPtr(in.ClosesAt)
	if in.OpensAt != nil && in.ClosesAt != nil && !in.ClosesAt.After(*in.OpensAt) {
		v.Add("closes_at", "projects.err_closes_before_opens")
	}
	return in, v.Err()
}

func (in ProjectInput) apply(p *Project) {
	p.TitleEn, p.TitleZh, p.SummaryEn, p.SummaryZh, p.BodyEn, p.BodyZh = in.TitleEn, in.TitleZh, in.SummaryEn, in.SummaryZh, in.BodyEn, in.BodyZh
	p.Address, p.Latitude, p.Longitude = in.Address, in.Latitude, in.Longitude
	p.Budget, p.BudgetCurrency, p.Districts, p.Public = in.Budget, in.BudgetCurrency, in.Districts, in.Public
	p.OpensAt, p.ClosesAt = in.OpensAt, in.ClosesAt
}

// Input turns a project back into the editor's input.
func (p *Project) Input() ProjectInput {
	return ProjectInput{
		TitleEn: p.TitleEn, TitleZh: p.TitleZh, SummaryEn: p.SummaryEn, SummaryZh: p.SummaryZh, BodyEn: p.BodyEn, BodyZh: p.BodyZh,
		Address: p.Address, Latitude: p.Latitude, Longitude: p.Longitude, Budget: p.Budget, BudgetCurrency: p.BudgetCurrency,
		Districts: p.Districts, Public: p.Public, OpensAt: p.OpensAt, ClosesAt: p.ClosesAt,
	}
}

// ProjectEvent is one dated step of a project's timeline.
type ProjectEvent struct {
	ID         int64
	ProjectID  int64
	Status     string
	HappenedOn string
	NoteEn     string
	NoteZh     string
	CreatedAt  time.Time
}

// Note is the event's note in lang, falling back to the other language.
func (e *ProjectEvent) Note(lang string) string {
	if lang == "zh" && e.NoteZh != "" || e.NoteEn == "" {
		return e.NoteZh
	}
	return e.NoteEn
}

// Date parses HappenedOn.
func (e *ProjectEvent) Date() time.Time {
	t, _ := time.Parse(time.DateOnly, e.HappenedOn)
	return t
}

// OrgProject loads a project of one of the member's accounts.
func (s *Store) OrgProject(ctx context.Context, m *Member, a *Account, id int64) (*Project, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	return s.accountProject(ctx, a.ID, id)
}

func (s *Store) accountProject(ctx context.Context, accountID, id int64) (*Project, error) {
	var p Project
	if err := s.conn(ctx).Where("id = ? AND account_id = ?", id, accountID).First(&p).Error; err != nil {
		return nil, notFound(err, "project")
	}
	return &p, nil
}

// ProjectSummary is a project in a list, with how many answers it has.
type ProjectSummary struct {
	Project
	Answers int64
	Pending int64
}

// OrgProjects lists an account's projects for staff, most recently
// changed first.
func (s *Store) OrgProjects(ctx context.Context, m *Member, a *Account, page Page) ([]ProjectSummary, int64, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	var total int64
	if err := s.conn(ctx).Model(&Project{}).Where("account_id = ?", a.ID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	var out []ProjectSummary
	err := s.conn(ctx).Raw(`SELECT p.*,
		(SELECT COUNT(*) FROM feedback f WHERE f.project_id = p.id AND f.status <> 'spam' AND f.revision_state = 'current') AS answers,
		(SELECT COUNT(*) FROM feedback f WHERE f.project_id = p.id AND f.status = 'pending' AND `+queueSQL+`) AS pending
		FROM projects p WHERE p.account_id = ? ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?`,
		a.ID, page.Limit(), page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list projects: %w", err)
	}
	return out, total, nil
}

func today(now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return now.In(loc).Format(time.DateOnly)
}

// CreateProject saves a new project as proposed, not yet public unless
// staff said so; its first timeline step is today in loc (nil: UTC), the
// zone staff work in.
func (s *Store) CreateProject(ctx context.Context, m *Member, a *Account, in ProjectInput, loc *time.Location) (*Project, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in, err := in.validate()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	p := &Project{AccountID: a.ID, Status: ProjectProposed, CreatedAt: now, UpdatedAt: now}
	if m.User.ID != 0 {
		p.CreatedBy = &m.User.ID
	}
	in.apply(p)
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(p).Error; err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		ev := &ProjectEvent{ProjectID: p.ID, Status: ProjectProposed, HappenedOn: today(now, loc), CreatedAt: now}
		if err := tx.conn(ctx).Create(ev).Error; err != nil {
			return fmt.Errorf("create project event: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.create", ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func ProjectTarget(a *Account, p *Project) string {
	return fmt.Sprintf("@%s project %d", a.Handle, p.ID)
}

// SaveProject changes a project's details.
func (s *Store) SaveProject(ctx context.Context, m *Member, a *Account, id int64, in ProjectInput) (*Project, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in, err := in.validate()
	if err != nil {
		return nil, err
	}
	var p *Project
	err = s.Tx(ctx, func(tx *Store) error {
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		if p.Status == ProjectConsultation && in.ClosesAt == nil {
			return FieldError("closes_at", "projects.err_consultation_needs_close")
		}
		in.apply(p)
		p.UpdatedAt = s.Now()
		if err := tx.conn(ctx).Save(p).Error; err != nil {
			return fmt.Errorf("save project: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.update", ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// StatusChange moves a project to a status on a date, with an optional
// note for the timeline.
type StatusChange struct {
	Status string
	// On is the date it happened, YYYY-MM-DD; empty means today.
	On             string
	NoteEn, NoteZh string
}

// SetProjectStatus moves a project along and adds the step to its
// timeline. Opening the consultation needs a closing time.
func (s *Store) SetProjectStatus(ctx context.Context, m *Member, a *Account, id int64, ch StatusChange, loc *time.Location) (*Project, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v ValidationError
	if !slices.Contains(ProjectStatuses(), ch.Status) {
		v.Add("status", "err.choose_one")
	}
	ch.NoteEn, ch.NoteZh = cleanText(ch.NoteEn), cleanText(ch.NoteZh)
	if TooLong(ch.NoteEn, maxProjectSummary) {
		v.Add("note_en", "err.too_long")
	}
	if TooLong(ch.NoteZh, maxProjectSummary) {
		v.Add("note_zh", "err.too_long")
	}
	ch.On = strings.TrimSpace(ch.On)
	if ch.On == "" {
		ch.On = today(s.Now(), loc)
	} else if d, err := time.Parse(time.DateOnly, ch.On); err != nil || d.Year() < 1900 || d.Year() > 2999 {
		v.Add("on", "projects.err_date")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var p *Project
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		if ch.Status == ProjectConsultation && p.ClosesAt == nil {
			return FieldError("status", "projects.err_consultation_needs_close")
		}
		from := p.Status
		p.Status, p.UpdatedAt = ch.Status, s.Now()
		if err := tx.conn(ctx).Model(p).Updates(map[string]any{"status": p.Status, "updated_at": p.UpdatedAt}).Error; err != nil {
			return fmt.Errorf("set project status: %w", err)
		}
		ev := &ProjectEvent{ProjectID: p.ID, Status: ch.Status, HappenedOn: ch.On, NoteEn: ch.NoteEn, NoteZh: ch.NoteZh, CreatedAt: s.Now()}
		if err := tx.conn(ctx).Create(ev).Error; err != nil {
			return fmt.Errorf("add project event: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.status", ProjectTarget(a, p), from+" → "+ch.Status)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProjectEvent removes a step from the timeline (a mistake).
func (s *Store) DeleteProjectEvent(ctx context.Context, m *Member, a *Account, projectID, eventID int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.conn(ctx).Where("id = ? AND project_id = ?", eventID, p.ID).Delete(&ProjectEvent{})
		if res.Error != nil {
			return fmt.Errorf("delete project event: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("project event: %w", ErrNotFound)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.event_delete", ProjectTarget(a, p), "")
	})
}

// SetProjectResult saves the official summary of a consultation.
func (s *Store) SetProjectResult(ctx context.Context, m *Member, a *Account, id int64, en, zh string) (*Project, error) {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	en, zh = cleanText(en), cleanText(zh)
	var v ValidationError
	if TooLong(en, maxProjectBody) {
		v.Add("result_en", "err.too_long")
	}
	if TooLong(zh, maxProjectBody) {
		v.Add("result_zh", "err.too_long")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var p *Project
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		now := s.Now()
		p.ResultEn, p.ResultZh, p.UpdatedAt = en, zh, now
		p.ResultAt = &now
		if en == "" && zh == "" {
			p.ResultAt = nil
		}
		if err := tx.conn(ctx).Model(p).Updates(map[string]any{"result_en": en, "result_zh": zh, "result_at": p.ResultAt, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("save project summary: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.summary", ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProject removes a project with its files and every answer.
func (s *Store) DeleteProject(ctx context.Context, m *Member, a *Account, id int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, id)
		if err != nil {
			return err
		}
		// The files and their bytes are the media domain's rows; they go
		// in this transaction, before the project they point to.
		if s.files == nil {
			return errors.New("delete project: no project files configured")
		}
		if err := s.files.DeleteProjectFiles(ctx, tx.Core, p.ID); err != nil {
			return err
		}
		if err := tx.conn(ctx).Delete(p).Error; err != nil {
			return fmt.Errorf("delete project: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.delete", ProjectTarget(a, p), p.Title("en"))
	})
}

// ProjectTimeline lists a project's steps, oldest first.
func (s *Store) ProjectTimeline(ctx context.Context, projectID int64) ([]ProjectEvent, error) {
	var out []ProjectEvent
	if err := s.conn(ctx).Where("project_id = ?", projectID).Order("happened_on, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("project timeline: %w", err)
	}
	return out, nil
}

// SetFeedbackReview decides whether an account's feedback waits for a
// moderator before it is shown.
func (s *Store) SetFeedbackReview(ctx context.Context, m *Member, a *Account, review bool) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(a).Update("feedback_review", review).Error; err != nil {
			return fmt.Errorf("set feedback review: %w", err)
		}
		a.FeedbackReview = review
		detail := "published at once"
		if review {
			detail = "reviewed first"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.feedback_review", "@"+a.Handle, detail)
	})
}
