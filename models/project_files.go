package models

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// Upload limits of a project's files.
const (
	MaxProjectImageBytes = 5 << 20
	MaxProjectDocBytes   = 10 << 20
	maxProjectImageSide  = 8000
)

// ProjectFile is an image or a document (PDF) of a project.
type ProjectFile struct {
	ID        int64
	ProjectID int64
	MediaID   int64
	Kind      string
	Title     string
	Filename  string
	CreatedAt time.Time
	// Size and MediaPublicID (which names the file in its URL) come from
	// the media row when listed.
	Size          int64  `gorm:"->;-:migration"`
	MediaPublicID string `gorm:"->;-:migration"`
}

// checkProjectFile sniffs the bytes (the browser's declared type is not
// trusted) and returns the kind and content type, or why it is refused.
func checkProjectFile(data []byte) (kind, ct string, err error) {
	if len(data) == 0 {
		return "", "", FieldError("file", "projects.err_file_missing")
	}
	ct = http.DetectContentType(data)
	switch ct {
	case "image/png", "image/jpeg", "image/gif":
		if len(data) > MaxProjectImageBytes {
			return "", "", FieldError("file", "projects.err_image_too_big")
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 {
			return "", "", FieldError("file", "projects.err_file_type")
		}
		if cfg.Width > maxProjectImageSide || cfg.Height > maxProjectImageSide {
			return "", "", FieldError("file", "err.avatar_dimensions")
		}
		return "image", ct, nil
	case "application/pdf":
		if len(data) > MaxProjectDocBytes {
			return "", "", FieldError("file", "projects.err_doc_too_big")
		}
		return "document", ct, nil
	}
	return "", "", FieldError("file", "projects.err_file_type")
}

// AddProjectFile stores an uploaded image or PDF with the project.
func (s *Store) AddProjectFile(ctx context.Context, m *Member, a *Account, projectID int64, title, filename string, data []byte) (*ProjectFile, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	title = cleanText(title)
	filename = cleanText(path.Base(strings.ReplaceAll(filename, `\`, "/")))
	if filename == "." || filename == "/" {
		filename = ""
	}
	if tooLong(title, maxProjectTitle) {
		return nil, FieldError("title", "err.too_long")
	}
	if tooLong(filename, 200) {
		filename = string([]rune(filename)[:200])
	}
	kind, ct, err := checkProjectFile(data)
	if err != nil {
		return nil, err
	}
	var f *ProjectFile
	err = s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.conn(ctx).Model(&ProjectFile{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count project files: %w", err)
		}
		if n >= maxProjectFiles {
			return FieldError("file", "projects.err_too_many_files")
		}
		md := newMedia(m.Org.ID, ct, data)
		if err := tx.conn(ctx).Create(md).Error; err != nil {
			return fmt.Errorf("store project file: %w", err)
		}
		f = &ProjectFile{ProjectID: p.ID, MediaID: md.ID, Kind: kind, Title: title, Filename: filename, CreatedAt: s.Now(), Size: md.Size, MediaPublicID: md.PublicID}
		if err := tx.conn(ctx).Omit("Size", "MediaPublicID").Create(f).Error; err != nil {
			return fmt.Errorf("add project file: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.file_add", projectTarget(a, p), filename)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteProjectFile removes a file and its bytes.
func (s *Store) DeleteProjectFile(ctx context.Context, m *Member, a *Account, projectID, fileID int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		var f ProjectFile
		if err := tx.conn(ctx).Where("id = ? AND project_id = ?", fileID, p.ID).First(&f).Error; err != nil {
			return notFound(err, "project file")
		}
		if err := tx.conn(ctx).Delete(&f).Error; err != nil {
			return fmt.Errorf("delete project file: %w", err)
		}
		if err := tx.conn(ctx).Delete(&Media{}, f.MediaID).Error; err != nil {
			return fmt.Errorf("delete project media: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.file_delete", projectTarget(a, p), f.Filename)
	})
}

// ProjectFiles lists a project's files, images first.
func (s *Store) ProjectFiles(ctx context.Context, projectID int64) ([]ProjectFile, error) {
	var out []ProjectFile
	err := s.conn(ctx).Table("project_files f").Joins("JOIN media m ON m.id = f.media_id").
		Select("f.*, m.size, m.public_id AS media_public_id").Where("f.project_id = ?", projectID).Order("f.kind DESC, f.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("project files: %w", err)
	}
	return out, nil
}

// Question kinds.
const (
	QuestionText     = "text"
	QuestionSingle   = "single"
	QuestionMultiple = "multiple"
)

// QuestionKinds lists the kinds of extra question.
func QuestionKinds() []string { return []string{QuestionText, QuestionSingle, QuestionMultiple} }

// ProjectQuestion is an extra question on a project's form.
type ProjectQuestion struct {
	ID        int64
	ProjectID int64
	Position  int
	Kind      string
	LabelEn   string
	LabelZh   string
	OptionsEn string
	OptionsZh string
	Required  bool
}

// Label is the question in lang, falling back to the other language.
func (q *ProjectQuestion) Label(lang string) string {
	if lang == "zh" && q.LabelZh != "" || q.LabelEn == "" {
		return q.LabelZh
	}
	return q.LabelEn
}

// Choice is one option of a choice question: the value stored (the
// English text, so answers compare across languages) and what is shown.
type Choice struct {
	Value, Label string
}

// Choices lists the options in lang.
func (q *ProjectQuestion) Choices(lang string) []Choice {
	en, zh := lines(q.OptionsEn), lines(q.OptionsZh)
	out := make([]Choice, len(en))
	for i, v := range en {
		out[i] = Choice{Value: v, Label: v}
		if lang == "zh" && i < len(zh) {
			out[i].Label = zh[i]
		}
	}
	return out
}

// QuestionInput is a new extra question.
type QuestionInput struct {
	Kind                 string
	LabelEn, LabelZh     string
	OptionsEn, OptionsZh string
	Required             bool
}

const maxQuestionText = 300

// AddProjectQuestion appends an extra question to the form.
func (s *Store) AddProjectQuestion(ctx context.Context, m *Member, a *Account, projectID int64, in QuestionInput) (*ProjectQuestion, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v ValidationError
	in.LabelEn, in.LabelZh = cleanText(in.LabelEn), cleanText(in.LabelZh)
	if !slices.Contains(QuestionKinds(), in.Kind) {
		v.Add("q_kind", "err.choose_one")
	}
	if in.LabelEn == "" && in.LabelZh == "" {
		v.Add("q_label_en", "projects.err_question_label")
	}
	if tooLong(in.LabelEn, maxQuestionText) {
		v.Add("q_label_en", "err.too_long")
	}
	if tooLong(in.LabelZh, maxQuestionText) {
		v.Add("q_label_zh", "err.too_long")
	}
	en, zh := lines(cleanText(in.OptionsEn)), lines(cleanText(in.OptionsZh))
	if in.Kind == QuestionText {
		en, zh = nil, nil
	} else if in.Kind != "" {
		if len(en) < 2 || len(en) > 20 {
			v.Add("q_options_en", "projects.err_options_count")
		}
		if len(zh) > 0 && len(zh) != len(en) {
			v.Add("q_options_zh", "projects.err_options_match")
		}
		for _, o := range append(slices.Clone(en), zh...) {
			if tooLong(o, 100) {
				v.Add("q_options_en", "err.too_long")
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(en)))) != len(en) {
			v.Add("q_options_en", "projects.err_options_unique")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var q *ProjectQuestion
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.conn(ctx).Model(&ProjectQuestion{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count questions: %w", err)
		}
		if n >= maxQuestions {
			return FieldError("q_kind", "projects.err_too_many_questions")
		}
		q = &ProjectQuestion{ProjectID: p.ID, Position: int(n) + 1, Kind: in.Kind, LabelEn: in.LabelEn, LabelZh: in.LabelZh,
			OptionsEn: strings.Join(en, "\n"), OptionsZh: strings.Join(zh, "\n"), Required: in.Required}
		if err := tx.conn(ctx).Create(q).Error; err != nil {
			return fmt.Errorf("add question: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.question_add", projectTarget(a, p), q.Label("en"))
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteProjectQuestion removes a question; answers already given to it
// stay in the feedback they came with.
func (s *Store) DeleteProjectQuestion(ctx context.Context, m *Member, a *Account, projectID, questionID int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.conn(ctx).Where("id = ? AND project_id = ?", questionID, p.ID).Delete(&ProjectQuestion{})
		if res.Error != nil {
			return fmt.Errorf("delete question: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("question: %w", ErrNotFound)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.question_delete", projectTarget(a, p), "")
	})
}

// ProjectQuestions lists a project's extra questions in order.
func (s *Store) ProjectQuestions(ctx context.Context, projectID int64) ([]ProjectQuestion, error) {
	var out []ProjectQuestion
	if err := s.conn(ctx).Where("project_id = ?", projectID).Order("position, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("project questions: %w", err)
	}
	return out, nil
}
