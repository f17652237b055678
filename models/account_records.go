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
	// Name is the account's name in its default language, kept beside
	// Translations for sorting, searching and the audit log.
	Name     string
	Category string
	// Languages are the BCP 47 tags the account publishes in,
	// comma-separated; DefaultLang is one of them, the language every
	// reader without their own gets.
	Languages   string
	DefaultLang string
	// Translations hold "name", "bio" and "welcome" (the greeting a new
	// chat follower gets; none for Plaza's default) per language.
	Translations  Translations
	Topics        string
	AvatarMediaID *int64
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
	CreatedAt      time.Time
	UpdatedAt      time.Time
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

// LocalName is the account's name for a reader of lang: theirs when the
// account has one, else the default language's.
func (a *Account) LocalName(lang string) string {
	if n := a.Translations.Get(a.Translations.Pick(lang, a.DefaultLang, "name"), "name"); n != "" {
		return n
	}
	return a.Name
}

// LocalBio is the account's bio for a reader of lang, falling back to
// the default language.
func (a *Account) LocalBio(lang string) string {
	return a.Translations.Get(a.Translations.Pick(lang, a.DefaultLang, "bio"), "bio")
}

// Welcome is the chat welcome for a reader of lang ("" for Plaza's
// default).
func (a *Account) Welcome(lang string) string {
	return a.Translations.Get(a.Translations.Pick(lang, a.DefaultLang, "welcome"), "welcome")
}

// LangList lists the account's languages, its default first.
func (a *Account) LangList() []string {
	out := []string{}
	if a.DefaultLang != "" {
		out = append(out, a.DefaultLang)
	}
	for _, l := range LangList(a.Languages) {
		if l != a.DefaultLang {
			out = append(out, l)
		}
	}
	return out
}

// HasLanguage reports whether the account publishes in lang.
func (a *Account) HasLanguage(lang string) bool {
	for _, l := range LangList(a.Languages) {
		if l == lang {
			return true
		}
	}
	return false
}

// FollowerLang is the language a follower who asks for lang gets: lang
// when the account publishes in it, else the account's default (never
// the other Chinese script, or any other language, silently).
func (a *Account) FollowerLang(lang string) string {
	if a.HasLanguage(lang) {
		return lang
	}
	return AccountDefaultLang(a)
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
	Handle string
	// Name is the name in the default language, when Texts does not hold
	// it (a shortcut for code that creates an account in one language).
	Name     string
	Category string
	// Languages are BCP 47 tags from i18n.ContentLanguages; DefaultLang
	// is one of them (the first when empty).
	Languages   []string
	DefaultLang string
	// Texts hold "name" and "bio" per language.
	Texts Translations
	// Topics is a comma-separated list of the tags followers may pick.
	Topics string
}

// Limits of an account's texts, in characters.
const (
	maxAccountName = 80
	maxAccountBio  = 1000
)

// Validate normalizes the input and checks it, the handle only when
// checkHandle (a handle never changes once the account exists). canonical
// maps a language code to its tag in the list accounts choose from (false
// when not listed). It returns the languages as stored, comma-separated.
func (in *AccountInput) Validate(checkHandle bool, canonical func(string) (string, bool)) (string, error) {
	in.Handle = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(in.Handle), "@")))
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
	if !ValidCategory(in.Category) {
		v.Add("category", "err.choose_one")
	}
	var langs []string
	for _, code := range in.Languages {
		l, ok := canonical(code)
		if !ok {
			v.Add("languages", "err.choose_language")
			continue
		}
		if !strings.Contains(","+strings.Join(langs, ",")+",", ","+l+",") {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		v.Add("languages", "err.choose_language")
		return "", v.Err()
	}
	if in.DefaultLang == "" {
		in.DefaultLang = langs[0]
	} else if l, ok := canonical(in.DefaultLang); ok {
		in.DefaultLang = l
	}
	defaultOK := strings.Contains(","+strings.Join(langs, ",")+",", ","+in.DefaultLang+",")
	if !defaultOK {
		v.Add("default_lang", "err.default_not_chosen")
	}
	texts := Translations{}
	for l, fields := range in.Texts {
		for _, f := range []string{"name", "bio"} {
			texts.Set(l, f, strings.TrimSpace(fields[f]))
		}
	}
	if name := strings.TrimSpace(in.Name); name != "" && !texts.Has(in.DefaultLang, "name") {
		texts.Set(in.DefaultLang, "name", name)
	}
	for _, l := range texts.Langs() {
		if !strings.Contains(","+strings.Join(langs, ",")+",", ","+l+",") {
			delete(texts, l) // a language just unticked: its texts go with it
			continue
		}
		if len([]rune(texts.Get(l, "name"))) > maxAccountName {
			v.Add("name."+l, "err.too_long")
		}
		if len([]rune(texts.Get(l, "bio"))) > maxAccountBio {
			v.Add("bio."+l, "err.too_long")
		}
	}
	if defaultOK && !texts.Has(in.DefaultLang, "name") {
		v.Add("name."+in.DefaultLang, "err.required")
	}
	in.Texts = texts
	in.Languages = langs
	in.Name = texts.Get(in.DefaultLang, "name")
	return strings.Join(langs, ","), v.Err()
}

// PublicAccount is an account as citizens see it, with its organization.
type PublicAccount struct {
	Account
	OrgName    string
	OrgKind    OrgKind
	VerifiedAt *time.Time
	// OrgGeocodeName is the organization's name for its districts' codes
	// in CAP (Organization.GeocodeName).
	OrgGeocodeName string
}

// Verified reports whether the account's organization is verified.
func (p *PublicAccount) Verified() bool { return p.VerifiedAt != nil }
