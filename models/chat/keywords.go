package chat

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/plazahq/plaza/models"
)

// maxKeywords bounds an account's keyword list, which every message is
// checked against.
const maxKeywords = 200

// ChatKeywords lists an account's automatic replies, for the studio.
func (s *Service) ChatKeywords(ctx context.Context, accountID int64) ([]models.ChatKeyword, error) {
	var out []models.ChatKeyword
	if err := s.core.Conn(ctx).Where("account_id = ?", accountID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("chat keywords: %w", err)
	}
	return out, nil
}

// KeywordReply finds the automatic reply for text in lang, or nil, for
// the router, which asks for every message (no member check). The list
// comes through the cache: a change made on this instance shows at once,
// one made on another within keywordCacheTTL.
func (s *Service) KeywordReply(ctx context.Context, accountID int64, text, lang string) (*models.ChatKeyword, error) {
	keywords, err := s.keywords.Get(ctx, accountKey(accountID), func(ctx context.Context) ([]models.ChatKeyword, error) {
		return s.ChatKeywords(ctx, accountID)
	})
	if err != nil {
		return nil, err
	}
	// The cached list is shared: hand out a copy of the match.
	k := MatchKeyword(keywords, text, models.LegacyLang(lang))
	if k == nil {
		return nil, nil
	}
	c := *k
	return &c, nil
}

// NormalizeKeyword is how a keyword and a message are compared: lower
// case, inner spaces collapsed, surrounding punctuation kept.
func NormalizeKeyword(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// MatchKeyword finds the reply for text among keywords in lang: an exact
// match wins over a contained one, then the oldest rule.
func MatchKeyword(keywords []models.ChatKeyword, text, lang string) *models.ChatKeyword {
	t := NormalizeKeyword(text)
	if t == "" {
		return nil
	}
	var contained *models.ChatKeyword
	for i := range keywords {
		k := &keywords[i]
		if k.Lang != "" && k.Lang != lang {
			continue
		}
		kw := NormalizeKeyword(k.Keyword)
		switch {
		case k.Match == models.MatchExact && t == kw:
			return k
		case k.Match == models.MatchContains && contained == nil && strings.Contains(t, kw):
			contained = k
		}
	}
	return contained
}

// AddChatKeyword adds an automatic reply.
func (s *Service) AddChatKeyword(ctx context.Context, m *models.Member, a *models.Account, k models.ChatKeyword) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	k.Keyword, k.Reply = strings.TrimSpace(models.CleanText(k.Keyword)), strings.TrimSpace(models.CleanText(k.Reply))
	var v models.ValidationError
	if k.Keyword == "" || utf8.RuneCountInString(k.Keyword) > 100 {
		v.Add("keyword", "chat.err_keyword")
	}
	if k.Match != models.MatchExact && k.Match != models.MatchContains {
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
	defer s.keywords.Remove(accountKey(a.ID))
	return s.core.Tx(ctx, func(tx models.Core) error {
		var n int64
		if err := tx.Conn(ctx).Model(&models.ChatKeyword{}).Where("account_id = ?", a.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count keywords: %w", err)
		}
		if n >= maxKeywords {
			return models.FieldError("keyword", "chat.err_too_many")
		}
		k.ID, k.AccountID, k.CreatedAt = 0, a.ID, tx.Now()
		if err := tx.Conn(ctx).Create(&k).Error; err != nil {
			return fmt.Errorf("add keyword: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.keyword_add", "@"+a.Handle, k.Keyword)
	})
}

// DeleteChatKeyword removes an automatic reply.
func (s *Service) DeleteChatKeyword(ctx context.Context, m *models.Member, a *models.Account, id int64) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	defer s.keywords.Remove(accountKey(a.ID))
	return s.core.Tx(ctx, func(tx models.Core) error {
		var k models.ChatKeyword
		res := tx.Conn(ctx).Where("id = ? AND account_id = ?", id, a.ID).Limit(1).Find(&k)
		if res.Error != nil {
			return fmt.Errorf("find keyword: %w", res.Error)
		}
		if k.ID == 0 {
			return models.ErrNotFound
		}
		if err := tx.Conn(ctx).Delete(&models.ChatKeyword{}, k.ID).Error; err != nil {
			return fmt.Errorf("delete keyword: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.keyword_delete", "@"+a.Handle, k.Keyword)
	})
}

// SetChatWelcome sets the message new chat followers get (empty for the
// default). The text is the account's (Accounts writes it); the chat
// endpoints, which keep the account, read it again (Channels).
func (s *Service) SetChatWelcome(ctx context.Context, m *models.Member, a *models.Account, en, zh string) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	en, zh = strings.TrimSpace(models.CleanText(en)), strings.TrimSpace(models.CleanText(zh))
	var v models.ValidationError
	if utf8.RuneCountInString(en) > 2000 {
		v.Add("welcome_en", "chat.err_reply")
	}
	if utf8.RuneCountInString(zh) > 2000 {
		v.Add("welcome_zh", "chat.err_reply")
	}
	if err := v.Err(); err != nil {
		return err
	}
	// After the commit, so an endpoint cannot read the old text back
	// into the cache in between.
	defer s.channels.ClearChatCache()
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.accounts.WriteChatWelcome(ctx, tx, a, en, zh); err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.welcome", "@"+a.Handle, "")
	})
}
