package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ChatKeyword is an automatic reply staff set for a word people send.
type ChatKeyword struct {
	ID        int64
	AccountID int64
	Keyword   string
	// Match is exact (the whole message) or contains (anywhere in it).
	Match string
	// Lang limits the reply to people writing in en or zh ('' for both).
	Lang      string
	Reply     string
	CreatedAt time.Time
}

// Keyword match kinds.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
)

// maxKeywords bounds an account's keyword list, which every message is
// checked against.
const maxKeywords = 200

// ChatKeywords lists an account's automatic replies, for the router (no
// member check) and the studio.
func (s *Store) ChatKeywords(ctx context.Context, accountID int64) ([]ChatKeyword, error) {
	var out []ChatKeyword
	if err := s.conn(ctx).Where("account_id = ?", accountID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("chat keywords: %w", err)
	}
	return out, nil
}

// NormalizeKeyword is how a keyword and a message are compared: lower
// case, inner spaces collapsed, surrounding punctuation kept.
func NormalizeKeyword(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// MatchKeyword finds the reply for text among keywords in lang: an exact
// match wins over a contained one, then the oldest rule.
func MatchKeyword(keywords []ChatKeyword, text, lang string) *ChatKeyword {
	t := NormalizeKeyword(text)
	if t == "" {
		return nil
	}
	var contained *ChatKeyword
	for i := range keywords {
		k := &keywords[i]
		if k.Lang != "" && k.Lang != lang {
			continue
		}
		kw := NormalizeKeyword(k.Keyword)
		switch {
		case k.Match == MatchExact && t == kw:
			return k
		case k.Match == MatchContains && contained == nil && strings.Contains(t, kw):
			contained = k
		}
	}
	return contained
}

// AddChatKeyword adds an automatic reply.
func (s *Store) AddChatKeyword(ctx context.Context, m *Member, a *Account, k ChatKeyword) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	k.Keyword, k.Reply = strings.TrimSpace(cleanText(k.Keyword)), strings.TrimSpace(cleanText(k.Reply))
	var v ValidationError
	if k.Keyword == "" || utf8.RuneCountInString(k.Keyword) > 100 {
		v.Add("keyword", "chat.err_keyword")
	}
	if k.Match != MatchExact && k.Match != MatchContains {
		v.Add("match", "err.choose_one")
	}
	if k.Lang != "" && k.Lang != "en" && k.Lang != "zh" {
		v.Add("lang", "err.choose_one")
	}
	if k.Reply == "" || utf8.RuneCountInString(k.Reply) > 2000 {
		v.Add("reply", "chat.err_reply")
	}
	if err := v.Err(); err != nil {
		return err
	}
	defer s.chat.clear()
	return s.Tx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.conn(ctx).Model(&ChatKeyword{}).Where("account_id = ?", a.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count keywords: %w", err)
		}
		if n >= maxKeywords {
			return FieldError("keyword", "chat.err_too_many")
		}
		k.ID, k.AccountID, k.CreatedAt = 0, a.ID, tx.Now()
		if err := tx.conn(ctx).Create(&k).Error; err != nil {
			return fmt.Errorf("add keyword: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.keyword_add", "@"+a.Handle, k.Keyword)
	})
}

// DeleteChatKeyword removes an automatic reply.
func (s *Store) DeleteChatKeyword(ctx context.Context, m *Member, a *Account, id int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	defer s.chat.clear()
	return s.Tx(ctx, func(tx *Store) error {
		var k ChatKeyword
		res := tx.conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).Limit(1).Find(&k)
		if res.Error != nil {
			return fmt.Errorf("find keyword: %w", res.Error)
		}
		if k.ID == 0 {
			return ErrNotFound
		}
		if err := tx.conn(ctx).Delete(&ChatKeyword{}, k.ID).Error; err != nil {
			return fmt.Errorf("delete keyword: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.keyword_delete", "@"+a.Handle, k.Keyword)
	})
}

// SetChatWelcome sets the message new chat followers get (” for the
// default).
func (s *Store) SetChatWelcome(ctx context.Context, m *Member, a *Account, en, zh string) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	en, zh = strings.TrimSpace(cleanText(en)), strings.TrimSpace(cleanText(zh))
	var v ValidationError
	if utf8.RuneCountInString(en) > 2000 {
		v.Add("welcome_en", "chat.err_reply")
	}
	if utf8.RuneCountInString(zh) > 2000 {
		v.Add("welcome_zh", "chat.err_reply")
	}
	if err := v.Err(); err != nil {
		return err
	}
	defer s.chat.clear()
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&Account{}).Where("id = ?", a.ID).
			Updates(map[string]any{"chat_welcome_en": en, "chat_welcome_zh": zh}).Error; err != nil {
			return fmt.Errorf("set welcome: %w", err)
		}
		a.ChatWelcomeEn, a.ChatWelcomeZh = en, zh
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.welcome", "@"+a.Handle, "")
	})
}
