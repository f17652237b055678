package models

import (
	"slices"
	"strings"
	"time"
)

// What staff fill in on the notice editor, and its rules: the CAP and
// GTFS-realtime vocabularies, limits and validation.

// The Common Alerting Protocol 1.2 vocabulary safety notices carry.
var (
	capCategories = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	capUrgency    = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	capSeverity   = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	capCertainty  = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
	// GTFS-realtime Alert.Cause and Alert.Effect.
	gtfsCauses = []string{"UNKNOWN_CAUSE", "OTHER_CAUSE", "TECHNICAL_PROBLEM", "STRIKE", "DEMONSTRATION", "ACCIDENT",
		"HOLIDAY", "WEATHER", "MAINTENANCE", "CONSTRUCTION", "POLICE_ACTIVITY", "MEDICAL_EMERGENCY"}
	gtfsEffects = []string{"NO_SERVICE", "REDUCED_SERVICE", "SIGNIFICANT_DELAYS", "DETOUR", "ADDITIONAL_SERVICE",
		"MODIFIED_SERVICE", "OTHER_EFFECT", "UNKNOWN_EFFECT", "STOP_MOVED", "NO_EFFECT", "ACCESSIBILITY_ISSUE"}
)

// CAPCategories, CAPUrgencies, CAPSeverities and CAPCertainties are the
// choices the editor offers for a safety notice.
func CAPCategories() []string { return slices.Clone(capCategories) }

func CAPUrgencies() []string { return slices.Clone(capUrgency) }

func CAPSeverities() []string { return slices.Clone(capSeverity) }

func CAPCertainties() []string { return slices.Clone(capCertainty) }

// GTFSCauses and GTFSEffects are the choices for a transit notice.
func GTFSCauses() []string { return slices.Clone(gtfsCauses) }

func GTFSEffects() []string { return slices.Clone(gtfsEffects) }

// NoticeInput is what staff fill in on the notice editor.
type NoticeInput struct {
	Kind        string
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
	PublishAt   *time.Time
	// Tags limits the audience to followers with any of these tags; empty
	// means every follower.
	Tags []string
}

// Limits on notice text, in characters.
const (
	maxNoticeTitle = 200
	maxNoticeBody  = 20000
	maxNoticeField = 500
)

// listField cleans a comma- or newline-separated list of route or stop ids.
func listField(s string) (string, bool) {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(p) > 64 {
			return "", false
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) > 200 {
		return "", false
	}
	return strings.Join(out, ","), true
}

// Validate checks the input as of now and returns it cleaned, or a
// *ValidationError naming each field at fault. A draft may be incomplete
// in the kind-specific fields; publish checks everything. It is pure, so
// forms, the API and tests can call it without a database.
func (in NoticeInput) Validate(publish bool, now time.Time) (NoticeInput, error) {
	return in.validate(publish, now)
}

// validate is Validate; complete is publish.
func (in NoticeInput) validate(complete bool, now time.Time) (NoticeInput, error) {
	var v ValidationError
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.TitleEn, &in.TitleZh, &in.BodyEn, &in.BodyZh, &in.CapEvent, &in.AreaDesc} {
		trim(p)
	}
	if !slices.Contains(NoticeKinds(), in.Kind) {
		v.Add("kind", "err.choose_one")
	}
	if in.TitleEn == "" && in.TitleZh == "" {
		v.Add("title_en", "notices.err_title_one_language")
	}
	for field, pair := range map[string][2]string{"en": {in.TitleEn, in.BodyEn}, "zh": {in.TitleZh, in.BodyZh}} {
		title, body := pair[0], pair[1]
		if len([]rune(title)) > maxNoticeTitle {
			v.Add("title_"+field, "err.too_long")
		}
		if len([]rune(body)) > maxNoticeBody {
			v.Add("body_"+field, "err.too_long")
		}
		if body != "" && title == "" {
			v.Add("title_"+field, "notices.err_body_without_title")
		}
		if complete && title != "" && body == "" {
			v.Add("body_"+field, "err.required")
		}
	}
	for field, val := range map[string]string{"cap_event": in.CapEvent, "area_desc": in.AreaDesc} {
		if len([]rune(val)) > maxNoticeField {
			v.Add(field, "err.too_long")
		}
	}
	choose := func(field string, val *string, allowed []string, required bool) {
		if *val == "" {
			if required {
				v.Add(field, "err.required")
			}
			return
		}
		if !slices.Contains(allowed, *val) {
			v.Add(field, "err.choose_one")
		}
	}
	safety := in.Kind == NoticeSafety
	choose("cap_category", &in.CapCategory, capCategories, complete && safety)
	choose("urgency", &in.Urgency, capUrgency, complete && safety)
	choose("severity", &in.Severity, capSeverity, complete && safety)
	choose("certainty", &in.Certainty, capCertainty, complete && safety)
	if complete && safety && in.CapEvent == "" {
		v.Add("cap_event", "err.required")
	}
	if in.Kind == NoticeTransit {
		if in.Cause == "" {
			in.Cause = "UNKNOWN_CAUSE"
		}
		if in.Effect == "" {
			in.Effect = "UNKNOWN_EFFECT"
		}
	}
	choose("cause", &in.Cause, gtfsCauses, false)
	choose("effect", &in.Effect, gtfsEffects, false)
	var ok bool
	if in.Routes, ok = listField(in.Routes); !ok {
		v.Add("routes", "notices.err_list")
	}
	if in.Stops, ok = listField(in.Stops); !ok {
		v.Add("stops", "notices.err_list")
	}
	if in.EffectiveAt != nil && in.ExpiresAt != nil && !in.ExpiresAt.After(*in.EffectiveAt) {
		v.Add("expires_at", "notices.err_expires_before_effective")
	}
	if complete && in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		v.Add("expires_at", "notices.err_expires_past")
	}
	if in.PublishAt != nil && in.ExpiresAt != nil && !in.ExpiresAt.After(*in.PublishAt) {
		v.Add("publish_at", "notices.err_publish_after_expiry")
	}
	tags, bad := NormalizeTags(in.Tags)
	if bad != "" {
		v.Add("tags", "err.tag_format")
	}
	in.Tags = tags
	return in, v.Err()
}

func (in NoticeInput) apply(n *Notice) {
	n.Kind = in.Kind
	n.TitleEn, n.TitleZh, n.BodyEn, n.BodyZh = in.TitleEn, in.TitleZh, in.BodyEn, in.BodyZh
	n.CapCategory, n.CapEvent, n.AreaDesc = in.CapCategory, in.CapEvent, in.AreaDesc
	n.Urgency, n.Severity, n.Certainty = in.Urgency, in.Severity, in.Certainty
	n.Routes, n.Stops, n.Cause, n.Effect = in.Routes, in.Stops, in.Cause, in.Effect
	n.EffectiveAt, n.ExpiresAt, n.PublishAt = utcPtr(in.EffectiveAt), utcPtr(in.ExpiresAt), utcPtr(in.PublishAt)
	n.AudienceTags = strings.Join(in.Tags, ",")
}

// Input turns a notice back into the editor's input.
func (n *Notice) Input() NoticeInput {
	return NoticeInput{
		Kind: n.Kind, TitleEn: n.TitleEn, TitleZh: n.TitleZh, BodyEn: n.BodyEn, BodyZh: n.BodyZh,
		CapCategory: n.CapCategory, CapEvent: n.CapEvent, Urgency: n.Urgency, Severity: n.Severity,
		Certainty: n.Certainty, AreaDesc: n.AreaDesc, Routes: n.Routes, Stops: n.Stops, Cause: n.Cause,
		Effect: n.Effect, EffectiveAt: n.EffectiveAt, ExpiresAt: n.ExpiresAt, PublishAt: n.PublishAt, Tags: n.TagList(),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
