package models

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Account is an official account: the public identity people follow.
type Account struct {
	ID             int64
	OrganizationID int64
	Handle         string
	Name           string
	NameZh         string
	BioEn          string
	BioZh          string
	Category       string
	Languages      string
	Topics         string
	AvatarMediaID  *int64
	// AvatarPublicID names the avatar in its URL (see Media.PublicID).
	AvatarPublicID *string
	// SendRate caps the account's messages per second (0: no cap of its
	// own).
	SendRate int
	// GTFSAgencyID is the agency id of the account in its GTFS data.
	GTFSAgencyID string `gorm:"column:gtfs_agency_id"`
	// FeedbackReview holds citizens' feedback for a moderator before it
	// is shown.
	FeedbackReview bool
	// ChatWelcomeEn and ChatWelcomeZh greet a new follower on a chat
	// channel ('' for Plaza's default).
	ChatWelcomeEn string
	ChatWelcomeZh string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Categories an account can be listed under in the directory.
func Categories() []string {
	return []string{"transit", "safety", "government", "health", "education", "environment", "community", "charity", "business", "other"}
}

func validCategory(c string) bool {
	for _, x := range Categories() {
		if x == c {
			return true
		}
	}
	return false
}

// OrgID is the organization that owns the account, 0 for no account, so
// that Require(m, p, a.OrgID()) answers ErrNotFound for a missing account
// instead of panicking.
func (a *Account) OrgID() int64 {
	if a == nil {
		return 0
	}
	return a.OrganizationID
}

// AgencyID is the GTFS agency id of the account: the configured one, or
// its handle.
func (a *Account) AgencyID() string {
	if a.GTFSAgencyID != "" {
		return a.GTFSAgencyID
	}
	return a.Handle
}

// LocalName is the account's name in lang, falling back to English.
func (a *Account) LocalName(lang string) string {
	if lang == "zh" && a.NameZh != "" {
		return a.NameZh
	}
	return a.Name
}

// LocalBio is the account's bio in lang, falling back to the other one.
func (a *Account) LocalBio(lang string) string {
	if lang == "zh" && a.BioZh != "" {
		return a.BioZh
	}
	if a.BioEn == "" {
		return a.BioZh
	}
	return a.BioEn
}

// HasLanguage reports whether the account publishes in lang.
func (a *Account) HasLanguage(lang string) bool {
	for _, l := range strings.Split(a.Languages, ",") {
		if l == lang {
			return true
		}
	}
	return false
}

var handleRE = regexp.MustCompile(`^[a-z][a-z0-9_]{2,29}$`)

// reservedHandles could be mistaken for Plaza itself.
func reservedHandle(h string) bool {
	switch h {
	case "admin", "administrator", "api", "plaza", "studio", "support", "help", "root", "system", "official", "staff", "security", "www":
		return true
	}
	return false
}

// AccountInput is what staff fill in on the account form.
type AccountInput struct {
	Handle    string
	Name      string
	NameZh    string
	BioEn     string
	BioZh     string
	Category  string
	Languages []string
	// Topics is a comma-separated list of the tags followers may pick.
	Topics string
}

func (in *AccountInput) normalize() {
	in.Handle = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(in.Handle), "@")))
	in.Name = strings.TrimSpace(in.Name)
	in.NameZh = strings.TrimSpace(in.NameZh)
	in.BioEn = strings.TrimSpace(in.BioEn)
	in.BioZh = strings.TrimSpace(in.BioZh)
}

func (in *AccountInput) validate(checkHandle bool) (string, error) {
	in.normalize()
	var v ValidationError
	topics, bad := NormalizeTags(strings.Split(in.Topics, ","))
	switch {
	case bad != "":
		v.Add("topics", "err.tag_format")
	case len(topics) > 30:
		v.Add("topics", "err.too_many_topics")
	default:
		in.Topics = strings.Join(topics, ",")
	}
	if checkHandle {
		switch {
		case in.Handle == "":
			v.Add("handle", "err.required")
		case !handleRE.MatchString(in.Handle):
			v.Add("handle", "err.handle_format")
		case reservedHandle(in.Handle):
			v.Add("handle", "err.handle_reserved")
		}
	}
	if in.Name == "" {
		v.Add("name", "err.required")
	} else if len([]rune(in.Name)) > 80 {
		v.Add("name", "err.too_long")
	}
	if len([]rune(in.NameZh)) > 80 {
		v.Add("name_zh", "err.too_long")
	}
	if len([]rune(in.BioEn)) > 1000 {
		v.Add("bio_en", "err.too_long")
	}
	if len([]rune(in.BioZh)) > 1000 {
		v.Add("bio_zh", "err.too_long")
	}
	if !validCategory(in.Category) {
		v.Add("category", "err.choose_one")
	}
	var langs []string
	for _, l := range in.Languages {
		if (l == "en" || l == "zh") && !strings.Contains(strings.Join(langs, ","), l) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		v.Add("languages", "err.choose_language")
	}
	return strings.Join(langs, ","), v.Err()
}

// CreateAccount adds an official account to the member's organization.
func (s *Store) CreateAccount(ctx context.Context, m *Member, in AccountInput) (*Account, error) {
	if err := Require(m, PermWrite, m.OrgID()); err != nil {
		return nil, err
	}
	langs, err := in.validate(true)
	if err != nil {
		return nil, err
	}
	a := &Account{
		OrganizationID: m.Org.ID, Handle: in.Handle, Name: in.Name, NameZh: in.NameZh, FeedbackReview: true,
		BioEn: in.BioEn, BioZh: in.BioZh, Category: in.Category, Languages: langs, Topics: in.Topics,
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(a).Error; err != nil {
			if isUniqueViolation(err) {
				return FieldError("handle", "err.handle_taken")
			}
			return fmt.Errorf("create account: %w", err)
		}
		if err := tx.conn(ctx).Exec("INSERT INTO account_channels (account_id, channel, enabled, created_at) VALUES (?, ?, ?, ?)",
			a.ID, ChannelEmail, true, tx.Now()).Error; err != nil {
			return fmt.Errorf("enable e-mail channel: %w", err)
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
func (s *Store) UpdateAccount(ctx context.Context, m *Member, a *Account, in AccountInput) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	// The chat endpoints answer with the account's name.
	defer s.chat.clear()
	if s.channels != nil {
		defer s.channels.Forget()
	}
	langs, err := in.validate(false)
	if err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		err := tx.conn(ctx).Model(a).Updates(map[string]any{
			"name": in.Name, "name_zh": in.NameZh, "bio_en": in.BioEn, "bio_zh": in.BioZh,
			"category": in.Category, "languages": langs, "topics": in.Topics, "updated_at": s.Now(),
		}).Error
		if err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		a.Name, a.NameZh, a.BioEn, a.BioZh, a.Category, a.Languages, a.Topics = in.Name, in.NameZh, in.BioEn, in.BioZh, in.Category, langs, in.Topics
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.update", "@"+a.Handle, "")
	})
}

// OrgAccount loads an account by handle inside the member's organization;
// another organization's account is ErrNotFound.
func (s *Store) OrgAccount(ctx context.Context, m *Member, handle string) (*Account, error) {
	var a Account
	err := s.conn(ctx).Where("organization_id = ? AND handle = ?", m.Org.ID, strings.ToLower(handle)).First(&a).Error
	if err != nil {
		return nil, notFound(err, "account")
	}
	return &a, nil
}

// OrgAccounts lists the accounts of the member's organization.
func (s *Store) OrgAccounts(ctx context.Context, m *Member) ([]Account, error) {
	var out []Account
	if err := s.conn(ctx).Where("organization_id = ?", m.Org.ID).Order("handle").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("accounts of organization %d: %w", m.Org.ID, err)
	}
	return out, nil
}

// PublicAccount is an account as citizens see it, with its organization.
type PublicAccount struct {
	Account
	OrgName    string
	OrgKind    OrgKind
	VerifiedAt *time.Time
}

// Verified reports whether the account's organization is verified.
func (p *PublicAccount) Verified() bool { return p.VerifiedAt != nil }

const publicAccountColumns = "accounts.*, organizations.name AS org_name, organizations.kind AS org_kind, organizations.verified_at"

func (s *Store) publicAccounts(ctx context.Context) *gorm.DB {
	return s.conn(ctx).Table("accounts").
		Joins("JOIN organizations ON organizations.id = accounts.organization_id")
}

// AccountByHandle loads the public view of one account.
func (s *Store) AccountByHandle(ctx context.Context, handle string) (*PublicAccount, error) {
	var a PublicAccount
	err := s.publicAccounts(ctx).Select(publicAccountColumns).Where("accounts.handle = ?", strings.ToLower(handle)).Take(&a).Error
	if err != nil {
		return nil, notFound(err, "account")
	}
	return &a, nil
}

// DirectoryFilter narrows the public directory.
type DirectoryFilter struct {
	Query    string
	Category string
}

// Directory lists accounts for citizens: verified organizations first,
// then by name.
func (s *Store) Directory(ctx context.Context, f DirectoryFilter, page Page) ([]PublicAccount, int64, error) {
	q := s.publicAccounts(ctx)
	if t := strings.TrimSpace(f.Query); t != "" {
		p := LikePattern(strings.TrimPrefix(t, "@"))
		q = q.Where("("+LikeExpr("accounts.handle")+" OR "+LikeExpr("accounts.name")+" OR "+LikeExpr("accounts.name_zh")+
			" OR "+LikeExpr("accounts.bio_en")+" OR "+LikeExpr("accounts.bio_zh")+" OR "+LikeExpr("organizations.name")+")",
			p, p, p, p, p, p)
	}
	if validCategory(f.Category) {
		q = q.Where("accounts.category = ?", f.Category)
	}
	q = q.Session(&gorm.Session{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count directory: %w", err)
	}
	var out []PublicAccount
	err := q.Select(publicAccountColumns).Order("CASE WHEN organizations.verified_at IS NULL THEN 1 ELSE 0 END, accounts.name, accounts.id").
		Limit(page.Limit()).Offset(page.Offset()).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list directory: %w", err)
	}
	return out, total, nil
}
