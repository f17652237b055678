package chat

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plazahq/plaza/models"
)

// maxSavedReplies bounds an account's saved replies: the reply box offers
// them all in one list.
const maxSavedReplies = 50

// maxSavedTitle bounds a saved reply's title, which is what the list shows.
const maxSavedTitle = 100

// SavedReplies lists the account's saved replies by title.
func (s *Service) SavedReplies(ctx context.Context, m *models.Member, a *models.Account) ([]models.ChatSavedReply, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	var out []models.ChatSavedReply
	if err := s.core.Conn(ctx).Where("account_id = ?", a.ID).Order("title, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("saved replies: %w", err)
	}
	return out, nil
}

// SavedReply loads one of the account's saved replies.
func (s *Service) SavedReply(ctx context.Context, m *models.Member, a *models.Account, id int64) (*models.ChatSavedReply, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	var r models.ChatSavedReply
	if err := s.core.Conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).First(&r).Error; err != nil {
		return nil, models.NotFound(err, "saved reply")
	}
	return &r, nil
}

// AddSavedReply saves a reply for the account's inbox. The errors name
// the form's fields, title and body.
func (s *Service) AddSavedReply(ctx context.Context, m *models.Member, a *models.Account, title, body string) (*models.ChatSavedReply, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	title = strings.TrimSpace(models.CleanText(title))
	body = strings.TrimSpace(models.CleanText(body))
	var v models.ValidationError
	switch {
	case title == "":
		v.Add("title", "err.required")
	case utf8.RuneCountInString(title) > maxSavedTitle:
		v.Add("title", "inbox.err_saved_title")
	}
	switch {
	case body == "":
		v.Add("body", "err.required")
	case models.TooLong(body, models.MaxChatText):
		v.Add("body", "inbox.err_too_long")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := models.ChatSavedReply{AccountID: a.ID, Title: title, Body: body}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		var n int64
		if err := tx.Conn(ctx).Model(&models.ChatSavedReply{}).Where("account_id = ?", a.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count saved replies: %w", err)
		}
		if n >= maxSavedReplies {
			return models.FieldError("title", "inbox.err_saved_too_many")
		}
		r.CreatedAt = tx.Now()
		if err := tx.Conn(ctx).Create(&r).Error; err != nil {
			return fmt.Errorf("add saved reply: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.saved_reply_add", "@"+a.Handle, title)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// DeleteSavedReply removes one of the account's saved replies.
func (s *Service) DeleteSavedReply(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		var r models.ChatSavedReply
		res := tx.Conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).Limit(1).Find(&r)
		if res.Error != nil {
			return fmt.Errorf("find saved reply: %w", res.Error)
		}
		if r.ID == 0 {
			return models.ErrNotFound
		}
		if err := tx.Conn(ctx).Delete(&models.ChatSavedReply{}, r.ID).Error; err != nil {
			return fmt.Errorf("delete saved reply: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.saved_reply_delete", "@"+a.Handle, r.Title)
	})
}
