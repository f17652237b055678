package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

// Channels is what the service needs of the channels' domain, whose rows
// it neither queries nor writes itself. app.NewDomains wires it.
type Channels interface {
	// EnableEmailChannel turns on a new account's e-mail channel inside
	// tx, the transaction that creates the account.
	EnableEmailChannel(ctx context.Context, tx models.Core, accountID int64) error
	// ClearChatCache forgets the chat endpoints' cached settings, which
	// hold the account's name they answer with.
	ClearChatCache()
}

// Service is the accounts' domain; see the package comment.
type Service struct {
	core     models.Core
	channels Channels
}

// New builds the service on core (a Store's Core), reaching the channels
// through channels.
func New(core models.Core, channels Channels) *Service {
	return &Service{core: core, channels: channels}
}

// CreateAccount adds an official account to the member's organization.
func (s *Service) CreateAccount(ctx context.Context, m *models.Member, in models.AccountInput) (*models.Account, error) {
	if err := models.Require(m, models.PermWrite, m.OrgID()); err != nil {
		return nil, err
	}
	langs, err := in.Validate(true, i18n.CanonicalTag)
	if err != nil {
		return nil, err
	}
	a := &models.Account{
		OrganizationID: m.Org.ID, Handle: in.Handle, Name: in.Name, FeedbackReview: true, Category: in.Category,
		Languages: langs, DefaultLang: in.DefaultLang, Translations: in.Texts, Topics: in.Topics,
	}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Create(a).Error; err != nil {
			if models.IsUniqueViolation(err) {
				return models.FieldError("handle", "err.handle_taken")
			}
			return fmt.Errorf("create account: %w", err)
		}
		if err := s.channels.EnableEmailChannel(ctx, tx, a.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.create", "@"+a.Handle, "")
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAccount edits an account's profile. The handle never changes: it is
// printed on QR posters and in links people have saved.
func (s *Service) UpdateAccount(ctx context.Context, m *models.Member, a *models.Account, in models.AccountInput) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	// The chat endpoints answer with the account's name.
	defer s.channels.ClearChatCache()
	langs, err := in.Validate(false, i18n.CanonicalTag)
	if err != nil {
		return err
	}
	// The form holds names and bios; the chat welcomes of the languages
	// still chosen stay.
	texts := in.Texts.Clone()
	for _, l := range models.LangList(langs) {
		if w := a.Translations.Get(l, "welcome"); w != "" {
			texts.Set(l, "welcome", w)
		}
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		err := tx.Conn(ctx).Model(a).Updates(map[string]any{
			"name": in.Name, "translations": texts, "default_lang": in.DefaultLang,
			"category": in.Category, "languages": langs, "topics": in.Topics, "updated_at": s.core.Now(),
		}).Error
		if err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		a.Name, a.Translations, a.DefaultLang, a.Category, a.Languages, a.Topics = in.Name, texts, in.DefaultLang, in.Category, langs, in.Topics
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.update", "@"+a.Handle, "")
	})
}

// OrgAccount loads an account by handle inside the member's organization;
// another organization's account is ErrNotFound.
func (s *Service) OrgAccount(ctx context.Context, m *models.Member, handle string) (*models.Account, error) {
	var a models.Account
	err := s.core.Conn(ctx).Where("organization_id = ? AND handle = ?", m.Org.ID, strings.ToLower(handle)).First(&a).Error
	if err != nil {
		return nil, models.NotFound(err, "account")
	}
	return &a, nil
}

// OrgAccounts lists the accounts of the member's organization.
func (s *Service) OrgAccounts(ctx context.Context, m *models.Member) ([]models.Account, error) {
	var out []models.Account
	if err := s.core.Conn(ctx).Where("organization_id = ?", m.Org.ID).Order("handle").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("accounts of organization %d: %w", m.Org.ID, err)
	}
	return out, nil
}

// WriteChatWelcome stores the account's chat welcome messages through tx,
// the chat domain's transaction, which has checked the member and the
// text.
func (s *Service) WriteChatWelcome(ctx context.Context, tx models.Core, a *models.Account, welcome map[string]string) error {
	texts := a.Translations.Clone()
	for _, l := range a.LangList() {
		texts.Set(l, "welcome", welcome[l])
	}
	if err := tx.Conn(ctx).Model(&models.Account{}).Where("id = ?", a.ID).
		Updates(map[string]any{"translations": texts}).Error; err != nil {
		return fmt.Errorf("set welcome: %w", err)
	}
	a.Translations = texts
	return nil
}
