package models

import (
	"fmt"
	"strings"
	"time"
)

// Notice kinds.
const (
	NoticeTransit = "transit"
	NoticeSafety  = "safety"
	NoticeGeneral = "general"
	NoticeUpdate  = "update"
)

// NoticeKinds lists the kinds in the order the editor offers them.
func NoticeKinds() []string {
	return []string{NoticeGeneral, NoticeTransit, NoticeSafety, NoticeUpdate}
}

// Notice states. A published notice becomes "updated" once an update has
// gone out; "cancelled" covers both a cancellation and an all-clear (Ended
// says which).
const (
	NoticeDraft     = "draft"
	NoticeScheduled = "scheduled"
	NoticePublished = "published"
	NoticeUpdated   = "updated"
	NoticeCancelled = "cancelled"
	NoticeExpired   = "expired"
)

// How a notice ended.
const (
	EndCancel   = "cancel"
	EndAllClear = "all_clear"
)

// Notice is one notice of an account, in any of the account's languages.
type Notice struct {
	ID        int64
	AccountID int64
	Kind      string
	Status    string
	Ended     string
	// DefaultLang is the language every reader without a version of their
	// own gets: the account's default when the notice was written.
	DefaultLang string
	// Translations hold "title", "body" (Markdown) and, for a safety
	// notice, "instruction" (plain text: what to do) per language.
	Translations Translations
	CapCategory  string
	CapEvent     string
	Urgency      string
	Severity     string
	Certainty    string
	// ResponseTypes are the CAP responseType values of a safety notice,
	// comma-separated, in the order the issuer gave them; its translated
	// instruction is "instruction" in Translations.
	ResponseTypes string
	AreaDesc      string
	Routes        string
	Stops         string
	Cause         string
	Effect        string
	EffectiveAt   *time.Time
	ExpiresAt     *time.Time
	// PublishAt is when a scheduled notice publishes itself.
	PublishAt    *time.Time
	AudienceTags string
	// Area is where the notice applies (area.Area's stored form; "" for
	// nowhere in particular). AreaScope is AreaScopeArea to send it only
	// to the followers in it (and, with AreaUnlocated, to those who chose
	// no area), or AreaScopeEveryone to send it to all with the area shown.
	Area          string
	AreaScope     string `gorm:"default:everyone"`
	AreaUnlocated bool
	// Revision counts the versions followers were sent: 1 after
	// publication, +1 per update.
	Revision    int
	PublishedAt *time.Time
	EndedAt     *time.Time
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Title is the notice's title for a reader of lang: in lang when the
// notice has it, else in its default language.
func (n *Notice) Title(lang string) string {
	return n.Translations.Get(n.Language(lang), "title")
}

// Body is the Markdown body matching Title's language.
func (n *Notice) Body(lang string) string {
	return n.Translations.Get(n.Language(lang), "body")
}

// Language is the language Title and Body are in for a reader of lang.
func (n *Notice) Language(lang string) string {
	return n.Translations.Pick(lang, n.DefaultLang, "title")
}

// Instruction is what a reader of lang should do, in the language of
// Title: a safety notice's CAP instruction ("" for other kinds, which
// carry none even when an editor left one behind while changing kind).
func (n *Notice) Instruction(lang string) string {
	if n.Kind != NoticeSafety {
		return ""
	}
	return n.Translations.Get(n.Language(lang), "instruction")
}

// ResponseTypeList is a safety notice's CAP responseType values (none for
// other kinds, as with Instruction).
func (n *Notice) ResponseTypeList() []string {
	if n.Kind != NoticeSafety {
		return nil
	}
	return SplitList(n.ResponseTypes)
}

// HasLanguage reports whether the notice was written in lang.
func (n *Notice) HasLanguage(lang string) bool { return n.Translations.Has(lang, "title") }

// Languages lists the languages the notice is written in, its default
// first.
func (n *Notice) Languages() []string { return n.Translations.Ordered(n.DefaultLang, "title") }

// Emergency reports whether the notice takes the emergency lane: a safety
// notice of severity Extreme or Severe.
func (n *Notice) Emergency() bool {
	return n.Kind == NoticeSafety && (n.Severity == "Extreme" || n.Severity == "Severe")
}

// Live reports whether the notice is published and not ended.
func (n *Notice) Live() bool { return n.Status == NoticePublished || n.Status == NoticeUpdated }

// Editable reports whether the notice can still be edited without
// sending anything.
func (n *Notice) Editable() bool { return n.Status == NoticeDraft || n.Status == NoticeScheduled }

// RouteList, StopList and TagList split the comma-separated columns.
func (n *Notice) RouteList() []string { return SplitList(n.Routes) }
func (n *Notice) StopList() []string  { return SplitList(n.Stops) }
func (n *Notice) TagList() []string   { return SplitList(n.AudienceTags) }

// SplitList splits a comma-separated column, leaving out empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// NoticeTarget names a notice in the audit log.
func NoticeTarget(a *Account, n *Notice) string { return fmt.Sprintf("@%s notice %d", a.Handle, n.ID) }

// UTCPtr is t in UTC to the second, as notices and projects store their
// times (nil stays nil).
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// NoticeTitle is a notice's title in each language, for a page that
// lists another domain's rows next to the notices they became.
type NoticeTitle struct {
	DefaultLang  string
	Translations Translations
}

// Title is the title for a reader of lang.
func (t NoticeTitle) Title(lang string) string {
	return t.Translations.Get(t.Translations.Pick(lang, t.DefaultLang, "title"), "title")
}

// Alert is a live notice with the account that issued it.
type Alert struct {
	Notice
	Handle string
	// OrganizationID is the issuing account's organization, whose
	// districts the notice's area may name.
	OrganizationID int64
	Name           string
	OrgName        string
	// AccountLang and AccountTexts are the issuing account's default
	// language and its names.
	AccountLang  string
	AccountTexts Translations
}

// LocalName is the issuing account's name for a reader of lang.
func (a *Alert) LocalName(lang string) string {
	if l := a.AccountTexts.Pick(lang, a.AccountLang, "name"); a.AccountTexts.Has(l, "name") {
		return a.AccountTexts.Get(l, "name")
	}
	return a.Name
}
