package chat

import (
	"context"
	"fmt"
	"slices"
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

// KeywordReply finds the automatic reply for text, or nil, for the
// router, which asks for every message (no member check) and picks the
// reply's language (models.ChatKeyword.ReplyFor). The list comes through
// the cache: a change made on this instance shows at once, one made on
// another within keywordCacheTTL.
func (s *Service) KeywordReply(ctx context.Context, accountID int64, text string) (*models.ChatKeyword, error) {
	keywords, err := s.keywords.Get(ctx, accountKey(accountID), func(ctx context.Context) ([]models.ChatKeyword, error) {
		return s.ChatKeywords(ctx, accountID)
	})
	if err != nil {
		return nil, err
	}
	// The cached list is shared: hand out a copy of the match.
	k := MatchKeyword(keywords, text)
	if k == nil {
		return nil, nil
	}
	c := *k
	c.Translations = k.Translations.Clone()
	return &c, nil
}

// NormalizeKeyword is how a keyword and a message are compared: lower
// case, inner spaces collapsed, surrounding punctuation kept.
func NormalizeKeyword(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// MatchKeyword finds the rule for text among keywords: an exact match
// wins over a contained one, then the oldest rule. Every rule answers
// people of every language, each in theirs when it has it.
func MatchKeyword(keywords []models.ChatKeyword, text string) *models.ChatKeyword {
	t := NormalizeKeyword(text)
	if t == "" {
		return nil
	}
	var contained *models.ChatKeyword
	for i := range keywords {
		k := &keywords[i]
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
	k.Keyword = strings.TrimSpace(models.CleanText(k.Keyword))
	var v models.ValidationError
	if k.Keyword == "" || utf8.RuneCountInString(k.Keyword) > 100 {
		v.Add("keyword", "chat.err_keyword")
	}
	if k.Match != models.MatchExact && k.Match != models.MatchContains {
		v.Add("match", "err.choose_one")
	}
	k.Translations = validReplies(&v, a, k.Translations)
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

// maxReply bounds a keyword's reply in each language.
const maxReply = 2000

// validReplies cleans a keyword's replies and checks them: at least one,
// each of up to maxReply characters, each in one of the account's
// languages. The errors name the field of the reply's language,
// "reply.<tag>", as the studio's form does.
func validReplies(v *models.ValidationError, a *models.Account, t models.Translations) models.Translations {
	langs := models.AccountLangs(a)
	out := models.Translations{}
	for lang, fields := range t {
		text := strings.TrimSpace(models.CleanText(fields[models.KeywordReplyField]))
		if text == "" {
			continue
		}
		field := "reply." + lang
		switch {
		case !slices.Contains(langs, lang):
			v.Add(field, "err.not_account_language")
		case utf8.RuneCountInString(text) > maxReply:
			v.Add(field, "chat.err_reply")
		}
		out.Set(lang, models.KeywordReplyField, text)
	}
	if len(out) == 0 {
		v.Add("reply."+langs[0], "chat.err_reply")
	}
	return out
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
// welcome holds one text per language of the account; others are
// ignored.
func (s *Service) SetChatWelcome(ctx context.Context, m *models.Member, a *models.Account, welcome map[string]string) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	clean := map[string]string{}
	var v models.ValidationError
	for _, l := range a.LangList() {
		text := strings.TrimSpace(models.CleanText(welcome[l]))
		if utf8.RuneCountInString(text) > 2000 {
			v.Add("welcome."+l, "chat.err_reply")
		}
		clean[l] = text
	}
	if err := v.Err(); err != nil {
		return err
	}
	// After the commit, so an endpoint cannot read the old text back
	// into the cache in between.
	defer s.channels.ClearChatCache()
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := s.accounts.WriteChatWelcome(ctx, tx, a, clean); err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "chat.welcome", "@"+a.Handle, "")
	})
}
