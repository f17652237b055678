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

// Notice is one notice of an account, in English and Chinese.
type Notice struct {
	ID          int64
	AccountID   int64
	Kind        string
	Status      string
	Ended       string
	TitleEn     string
	TitleZh     string
	BodyEn      string
	BodyZh      string
	CapCategory string
	CapEvent    string
	Urgency     string
	Severity    string
	Certainty   string
	AreaDesc    string
	Routes      string
	Stops       string
	Cause       string
	Effect      string
	EffectiveAt *time.Time
	ExpiresAt   *time.Time
	// PublishAt is when a scheduled notice publishes itself.
	PublishAt    *time.Time
	AudienceTags string
	// Revision counts the versions followers were sent: 1 after
	// publication, +1 per update.
	Revision    int
	PublishedAt *time.Time
	EndedAt     *time.Time
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Title is the notice's title in lang, or in the other language when it
// has none in lang.
func (n *Notice) Title(lang string) string {
	lang = LegacyLang(lang)
	t, _ := n.localized(lang)
	return t
}

// Body is the Markdown body matching Title's language.
func (n *Notice) Body(lang string) string {
	lang = LegacyLang(lang)
	_, b := n.localized(lang)
	return b
}

// Language is the language Title and Body are in for a reader of lang.
func (n *Notice) Language(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" {
		if n.TitleZh != "" {
			return "zh"
		}
		return "en"
	}
	if n.TitleEn != "" {
		return "en"
	}
	return "zh"
}

func (n *Notice) localized(lang string) (string, string) {
	lang = LegacyLang(lang)
	if n.Language(lang) == "zh" {
		return n.TitleZh, n.BodyZh
	}
	return n.TitleEn, n.BodyEn
}

// HasLanguage reports whether the notice was written in lang.
func (n *Notice) HasLanguage(lang string) bool {
	lang = LegacyLang(lang)
	if lang == "zh" {
		return n.TitleZh != ""
	}
	return n.TitleEn != ""
}

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
type NoticeTitle struct{ En, Zh string }

// Alert is a live notice with the account that issued it.
type Alert struct {
	Notice
	Handle  string
	Name    string
	NameZh  string
	OrgName string
}

// LocalName is the issuing account's name in lang.
func (a *Alert) LocalName(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" && a.NameZh != "" {
		return a.NameZh
	}
	return a.Name
}
