package models

import (
	"regexp"
	"strings"
	"time"
)

// The records of the accounts' domain and the validation of their input;
// the services (creating, editing, loading, the public directory) live in
// models/account.

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

// ValidCategory reports whether c is one of the Categories.
func ValidCategory(c string) bool {
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
	lang = LegacyLang(lang)
	if lang == "zh" && a.NameZh != "" {
		return a.NameZh
	}
	return a.Name
}

// LocalBio is the account's bio in lang, falling back to the other one.
func (a *Account) LocalBio(lang string) string {
	lang = LegacyLang(lang)
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
	lang = LegacyLang(lang)
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

// Validate normalizes the input and checks it, the handle only when
// checkHandle (a handle never changes once the account exists). It
// returns the languages as stored, comma-separated.
func (in *AccountInput) Validate(checkHandle bool) (string, error) {
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
	if !ValidCategory(in.Category) {
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

// PublicAccount is an account as citizens see it, with its organization.
type PublicAccount struct {
	Account
	OrgName    string
	OrgKind    OrgKind
	VerifiedAt *time.Time
}

// Verified reports whether the account's organization is verified.
func (p *PublicAccount) Verified() bool { return p.VerifiedAt != nil }
