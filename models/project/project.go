package project

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plazahq/plaza/models"
)

// OrgProject loads a project of one of the member's accounts.
func (s *Service) OrgProject(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.Project, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	return s.accountProject(ctx, a.ID, id)
}

func (s *Service) accountProject(ctx context.Context, accountID, id int64) (*models.Project, error) {
	var p models.Project
	if err := s.core.Conn(ctx).Where("id = ? AND account_id = ?", id, accountID).First(&p).Error; err != nil {
		return nil, models.NotFound(err, "project")
	}
	return &p, nil
}

// OrgProjects lists an account's projects for staff, most recently
// changed first.
func (s *Service) OrgProjects(ctx context.Context, m *models.Member, a *models.Account, page models.Page) ([]models.ProjectSummary, int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	var total int64
	if err := s.core.Conn(ctx).Model(&models.Project{}).Where("account_id = ?", a.ID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	var out []models.ProjectSummary
	err := s.core.Conn(ctx).Raw(`SELECT p.*,
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
func (s *Service) CreateProject(ctx context.Context, m *models.Member, a *models.Account, in Input, loc *time.Location) (*models.Project, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in.Langs = models.AccountLangs(a)
	in, err := Validate(in, s.core.Now())
	if err != nil {
		return nil, err
	}
	if err := s.ownDistricts(ctx, a, in); err != nil {
		return nil, err
	}
	now := s.core.Now()
	p := &models.Project{AccountID: a.ID, Status: models.ProjectProposed, CreatedAt: now, UpdatedAt: now}
	if m.User.ID != 0 {
		p.CreatedBy = &m.User.ID
	}
	applyProject(in, p)
	err = s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		if err := tx.core.Conn(ctx).Create(p).Error; err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		ev := &models.ProjectEvent{ProjectID: p.ID, Status: models.ProjectProposed, HappenedOn: today(now, loc), CreatedAt: now}
		if err := tx.core.Conn(ctx).Create(ev).Error; err != nil {
			return fmt.Errorf("create project event: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.create", models.ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// SaveProject changes a project's details.
func (s *Service) SaveProject(ctx context.Context, m *models.Member, a *models.Account, id int64, in Input) (*models.Project, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	in.Langs = models.AccountLangs(a)
	in, err := Validate(in, s.core.Now())
	if err != nil {
		return nil, err
	}
	if err := s.ownDistricts(ctx, a, in); err != nil {
		return nil, err
	}
	var p *models.Project
	err = s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		if p.Status == models.ProjectConsultation && in.ClosesAt == nil {
			return models.FieldError("closes_at", "projects.err_consultation_needs_close")
		}
		applyProject(in, p)
		p.UpdatedAt = s.core.Now()
		if err := tx.core.Conn(ctx).Save(p).Error; err != nil {
			return fmt.Errorf("save project: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.update", models.ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// SetProjectStatus moves a project along and adds the step to its
// timeline. Opening the consultation needs a closing time.
func (s *Service) SetProjectStatus(ctx context.Context, m *models.Member, a *models.Account, id int64, ch models.StatusChange, loc *time.Location) (*models.Project, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v models.ValidationError
	if !slices.Contains(models.ProjectStatuses(), ch.Status) {
		v.Add("status", "err.choose_one")
	}
	ch.Notes = cleanTexts(&v, ch.Notes, models.AccountLangs(a), "note", maxProjectSummary)
	ch.On = strings.TrimSpace(ch.On)
	if ch.On == "" {
		ch.On = today(s.core.Now(), loc)
	} else if d, err := time.Parse(time.DateOnly, ch.On); err != nil || d.Year() < 1900 || d.Year() > 2999 {
		v.Add("on", "projects.err_date")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var p *models.Project
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		if ch.Status == models.ProjectConsultation && p.ClosesAt == nil {
			return models.FieldError("status", "projects.err_consultation_needs_close")
		}
		from := p.Status
		p.Status, p.UpdatedAt = ch.Status, s.core.Now()
		if err := tx.core.Conn(ctx).Model(p).Updates(map[string]any{"status": p.Status, "updated_at": p.UpdatedAt}).Error; err != nil {
			return fmt.Errorf("set project status: %w", err)
		}
		ev := &models.ProjectEvent{ProjectID: p.ID, Status: ch.Status, HappenedOn: ch.On, Translations: ch.Notes, CreatedAt: s.core.Now()}
		if err := tx.core.Conn(ctx).Create(ev).Error; err != nil {
			return fmt.Errorf("add project event: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.status", models.ProjectTarget(a, p), from+" → "+ch.Status)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProjectEvent removes a step from the timeline (a mistake).
func (s *Service) DeleteProjectEvent(ctx context.Context, m *models.Member, a *models.Account, projectID, eventID int64) error {
	return s.deleteChild(ctx, m, a, projectID, eventID, &models.ProjectEvent{}, "project event", func(tx models.Core, p *models.Project) error {
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.event_delete", models.ProjectTarget(a, p), "")
	})
}

// deleteChild removes one row of a project's own (a timeline step, a
// question) after the member's permission and the project's account are
// checked, and audits it with audit in the same transaction; a row of
// another project is ErrNotFound.
func (s *Service) deleteChild(ctx context.Context, m *models.Member, a *models.Account, projectID, id int64, row any, what string, audit func(tx models.Core, p *models.Project) error) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.core.Conn(ctx).Where("id = ? AND project_id = ?", id, p.ID).Delete(row)
		if res.Error != nil {
			return fmt.Errorf("delete %s: %w", what, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%s: %w", what, models.ErrNotFound)
		}
		return audit(tx.core, p)
	})
}

// SetProjectResult saves the official summary of a consultation: texts
// is the summary by language, every language of it (a language left out
// or empty has none).
func (s *Service) SetProjectResult(ctx context.Context, m *models.Member, a *models.Account, id int64, texts map[string]string) (*models.Project, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	var v models.ValidationError
	given := models.Translations{}
	for l, text := range texts {
		given.Set(l, "result", text)
	}
	given = cleanTexts(&v, given, models.AccountLangs(a), "result", maxProjectBody)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var p *models.Project
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		var err error
		if p, err = tx.accountProject(ctx, a.ID, id); err != nil {
			return err
		}
		now := s.core.Now()
		all := p.Translations.Clone()
		for l := range all {
			all.Set(l, "result", "")
		}
		for l := range given {
			all.Set(l, "result", given.Get(l, "result"))
		}
		p.Translations, p.UpdatedAt = all, now
		p.ResultAt = &now
		if len(given) == 0 {
			p.ResultAt = nil
		}
		if err := tx.core.Conn(ctx).Model(p).Updates(map[string]any{"translations": p.Translations, "result_at": p.ResultAt, "updated_at": now}).Error; err != nil {
			return fmt.Errorf("save project summary: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.summary", models.ProjectTarget(a, p), "")
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// cleanTexts cleans field of every language of t and checks it: a
// language the account does not publish in, or a text longer than max,
// is an error on field.<tag>. It returns t cleaned, without empty texts.
func cleanTexts(v *models.ValidationError, t models.Translations, langs []string, field string, max int) models.Translations {
	out := models.Translations{}
	for _, l := range sortedLangs(t) {
		text := models.CleanText(t.Get(l, field))
		if text == "" {
			continue
		}
		if !Offered(langs, l) {
			v.Add(field+"."+l, "err.not_account_language")
			continue
		}
		if models.TooLong(text, max) {
			v.Add(field+"."+l, "err.too_long")
		}
		out.Set(l, field, text)
	}
	return out
}

// DeleteProject removes a project with its files and every answer.
func (s *Service) DeleteProject(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		p, err := tx.accountProject(ctx, a.ID, id)
		if err != nil {
			return err
		}
		// The files and their bytes are the media domain's rows; they go
		// in this transaction, before the project they point to.
		if s.files == nil {
			return errors.New("delete project: no project files configured")
		}
		if err := s.files.DeleteProjectFiles(ctx, tx.core, p.ID); err != nil {
			return err
		}
		if err := tx.core.Conn(ctx).Delete(p).Error; err != nil {
			return fmt.Errorf("delete project: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.delete", models.ProjectTarget(a, p), p.Title(p.DefaultLang))
	})
}

// ProjectTimeline lists a project's steps, oldest first.
func (s *Service) ProjectTimeline(ctx context.Context, projectID int64) ([]models.ProjectEvent, error) {
	var out []models.ProjectEvent
	if err := s.core.Conn(ctx).Where("project_id = ?", projectID).Order("happened_on, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("project timeline: %w", err)
	}
	return out, nil
}
