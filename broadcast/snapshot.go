package broadcast

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/plazahq/plaza/models"
)

// snapshotVersion is the current layout of a broadcast's notice snapshot.
// Version 0 is the layout before it had one: models.Notice marshalled with
// Go's field names.
// Version 1 had English and Chinese fields; version 2 has translations.
const snapshotVersion = 2

// Snapshot is the notice as a broadcast sends it, frozen when the broadcast
// starts so later edits never change what followers of this broadcast get.
// Its JSON names are fixed here: renaming a field of models.Notice must
// never break the rendering of a broadcast stored before the rename.
type Snapshot struct {
	Version     int    `json:"v"`
	NoticeID    int64  `json:"notice_id"`
	AccountID   int64  `json:"account_id"`
	Kind        string `json:"kind"`
	DefaultLang string `json:"default_lang"`
	// Translations hold "title", "body" and "instruction" per language.
	Translations models.Translations `json:"translations"`
	// Version 1 and 0 carried these; ParseSnapshot folds them into
	// Translations.
	TitleEn     string `json:"title_en,omitempty"`
	TitleZh     string `json:"title_zh,omitempty"`
	BodyEn      string `json:"body_en,omitempty"`
	BodyZh      string `json:"body_zh,omitempty"`
	CapCategory string `json:"cap_category,omitempty"`
	CapEvent    string `json:"cap_event,omitempty"`
	Urgency     string `json:"urgency,omitempty"`
	Severity    string `json:"severity,omitempty"`
	Certainty   string `json:"certainty,omitempty"`
	// ResponseTypes came in version 2 without a new version: left out
	// when empty, a snapshot without them reads as before.
	ResponseTypes string     `json:"response_types,omitempty"`
	AreaDesc      string     `json:"area_desc,omitempty"`
	Routes        string     `json:"routes,omitempty"`
	Stops         string     `json:"stops,omitempty"`
	Cause         string     `json:"cause,omitempty"`
	Effect        string     `json:"effect,omitempty"`
	EffectiveAt   *time.Time `json:"effective_at,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	Revision      int        `json:"revision"`
	// Area is the notice's area (area.Area's stored form), if any.
	Area string `json:"area,omitempty"`
}

// legacySnapshot reads version 0: the names Go gave models.Notice's fields
// when snapshots had no tags, written out so they survive any rename.
type legacySnapshot struct {
	ID          int64      `json:"ID"`
	AccountID   int64      `json:"AccountID"`
	Kind        string     `json:"Kind"`
	TitleEn     string     `json:"TitleEn"`
	TitleZh     string     `json:"TitleZh"`
	BodyEn      string     `json:"BodyEn"`
	BodyZh      string     `json:"BodyZh"`
	CapCategory string     `json:"CapCategory"`
	CapEvent    string     `json:"CapEvent"`
	Urgency     string     `json:"Urgency"`
	Severity    string     `json:"Severity"`
	Certainty   string     `json:"Certainty"`
	AreaDesc    string     `json:"AreaDesc"`
	Routes      string     `json:"Routes"`
	Stops       string     `json:"Stops"`
	Cause       string     `json:"Cause"`
	Effect      string     `json:"Effect"`
	EffectiveAt *time.Time `json:"EffectiveAt"`
	ExpiresAt   *time.Time `json:"ExpiresAt"`
	Revision    int        `json:"Revision"`
}

// SnapshotOf freezes n.
func SnapshotOf(n *models.Notice) Snapshot {
	return Snapshot{Version: snapshotVersion, NoticeID: n.ID, AccountID: n.AccountID, Kind: n.Kind,
		DefaultLang: n.DefaultLang, Translations: n.Translations.Clone(),
		CapCategory: n.CapCategory, CapEvent: n.CapEvent, Urgency: n.Urgency, Severity: n.Severity, Certainty: n.Certainty,
		ResponseTypes: n.ResponseTypes, AreaDesc: n.AreaDesc, Routes: n.Routes, Stops: n.Stops, Cause: n.Cause, Effect: n.Effect,
		EffectiveAt: n.EffectiveAt, ExpiresAt: n.ExpiresAt, Revision: n.Revision, Area: n.Area}
}

// ParseSnapshot reads a stored snapshot of any version.
func ParseSnapshot(data string) (*Snapshot, error) {
	var probe struct {
		Version int `json:"v"`
	}
	if err := json.Unmarshal([]byte(data), &probe); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	switch probe.Version {
	case 0:
		var l legacySnapshot
		if err := json.Unmarshal([]byte(data), &l); err != nil {
			return nil, fmt.Errorf("read snapshot v0: %w", err)
		}
		s := &Snapshot{Version: 0, NoticeID: l.ID, AccountID: l.AccountID, Kind: l.Kind,
			TitleEn: l.TitleEn, TitleZh: l.TitleZh, BodyEn: l.BodyEn, BodyZh: l.BodyZh,
			CapCategory: l.CapCategory, CapEvent: l.CapEvent, Urgency: l.Urgency, Severity: l.Severity, Certainty: l.Certainty,
			AreaDesc: l.AreaDesc, Routes: l.Routes, Stops: l.Stops, Cause: l.Cause, Effect: l.Effect,
			EffectiveAt: l.EffectiveAt, ExpiresAt: l.ExpiresAt, Revision: l.Revision}
		s.foldLegacy()
		return s, nil
	case 1, snapshotVersion:
		var s Snapshot
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			return nil, fmt.Errorf("read snapshot v%d: %w", probe.Version, err)
		}
		s.foldLegacy()
		return &s, nil
	default:
		return nil, fmt.Errorf("read snapshot: version %d is newer than this Plaza knows (%d)", probe.Version, snapshotVersion)
	}
}

// foldLegacy moves the English and Chinese fields of versions 0 and 1
// into Translations, as the database migration moved the notices' own.
func (s *Snapshot) foldLegacy() {
	if s.Translations == nil {
		s.Translations = models.Translations{}
	}
	for _, f := range []struct{ lang, field, text string }{
		{"en", "title", s.TitleEn}, {"en", "body", s.BodyEn}, {"zh-Hans", "title", s.TitleZh}, {"zh-Hans", "body", s.BodyZh},
	} {
		if f.text != "" {
			s.Translations.Set(f.lang, f.field, f.text)
		}
	}
	if s.DefaultLang == "" {
		s.DefaultLang = "en"
		if s.TitleEn == "" && s.TitleZh != "" {
			s.DefaultLang = "zh-Hans"
		}
	}
	s.TitleEn, s.TitleZh, s.BodyEn, s.BodyZh = "", "", "", ""
}

// Notice is the snapshot as a notice, for the language helpers of
// models.Notice (title and body in the reader's language or the other).
func (s *Snapshot) Notice() *models.Notice {
	return &models.Notice{ID: s.NoticeID, AccountID: s.AccountID, Kind: s.Kind,
		DefaultLang: s.DefaultLang, Translations: s.Translations,
		CapCategory: s.CapCategory, CapEvent: s.CapEvent, Urgency: s.Urgency, Severity: s.Severity, Certainty: s.Certainty,
		ResponseTypes: s.ResponseTypes, AreaDesc: s.AreaDesc, Routes: s.Routes, Stops: s.Stops, Cause: s.Cause, Effect: s.Effect,
		EffectiveAt: s.EffectiveAt, ExpiresAt: s.ExpiresAt, Revision: s.Revision, Area: s.Area}
}
