package notice

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// What staff fill in on the notice editor, and its rules: the CAP and
// GTFS-realtime vocabularies, limits and validation.

// The Common Alerting Protocol 1.2 vocabulary safety notices carry.
var (
	capCategories = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	capUrgency    = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	capSeverity   = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	capCertainty  = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
	// capResponseTypes are CAP's responseType values, in the schema's
	// order, which is also the order the editor offers them.
	capResponseTypes = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
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

// CAPResponseTypes are the actions a safety notice may tell people to
// take (CAP's responseType).
func CAPResponseTypes() []string { return slices.Clone(capResponseTypes) }

// GTFSCauses and GTFSEffects are the choices for a transit notice.
func GTFSCauses() []string { return slices.Clone(gtfsCauses) }

func GTFSEffects() []string { return slices.Clone(gtfsEffects) }

// Input is what staff fill in on the notice editor, and what API clients
// send and get back: the studio form binds it by its form tags, the API
// decodes and embeds it by its json tags, and the editor's state embeds
// it, so a new field is declared once here (and validated below) rather
// than copied into each of them.
type Input struct {
	Kind string `form:"kind" json:"kind"`
	// Translations hold "title", "body" and, for a safety notice,
	// "instruction" (what to do) per language tag. The editor names its
	// fields title.<tag>, body.<tag> and instruction.<tag>
	// (FormTranslations reads them); the API sends {"es": {"title": …,
	// "body": …, "instruction": …}}.
	Translations models.Translations `form:"-" json:"translations"`
	// Langs and DefaultLang are the account's languages and default, set
	// by the service before validation: a notice takes only these, and
	// must have its default.
	Langs       []string `form:"-" json:"-"`
	DefaultLang string   `form:"-" json:"-"`
	// The two languages Plaza once had, as API clients written then send
	// them; check folds them into Translations (en and zh-Hans).
	LegacyTitleEn string `form:"-" json:"title_en,omitempty"`
	LegacyTitleZh string `form:"-" json:"title_zh,omitempty"`
	LegacyBodyEn  string `form:"-" json:"body_en,omitempty"`
	LegacyBodyZh  string `form:"-" json:"body_zh,omitempty"`
	CapCategory   string `form:"cap_category" json:"cap_category"`
	CapEvent      string `form:"cap_event" json:"cap_event"`
	Urgency       string `form:"urgency" json:"urgency"`
	Severity      string `form:"severity" json:"severity"`
	Certainty     string `form:"certainty" json:"certainty"`
	// ResponseTypes are a safety notice's CAP responseType values: one or
	// several, as CAP 1.2 allows ("Prepare" and "Monitor" together), so
	// what an issuer said reaches the CAP feed whole.
	ResponseTypes []string `form:"response_types" json:"response_types"`
	AreaDesc      string   `form:"area_desc" json:"area_desc"`
	Routes        IDList   `form:"routes" json:"routes"`
	Stops         IDList   `form:"stops" json:"stops"`
	Cause         string   `form:"cause" json:"cause"`
	Effect        string   `form:"effect" json:"effect"`
	// The times are datetime-local text in the studio's zone on the form
	// and RFC 3339 in the API.
	EffectiveAt *time.Time `form:"effective_at" json:"effective_at"`
	ExpiresAt   *time.Time `form:"expires_at" json:"expires_at"`
	PublishAt   *time.Time `form:"publish_at" json:"publish_at"`
	// Tags limits the audience to followers with any of these tags; empty
	// means every follower.
	Tags []string `form:"tags" json:"tags"`
	// Area is where the notice applies: the API gives it whole (districts
	// by id, polygons, circles); the editor as the districts ticked
	// (AreaDistrictIDs) and the shapes drawn or pasted as GeoJSON
	// (AreaGeoJSON), which check folds into Area.
	Area            *area.Area `form:"-" json:"area,omitempty"`
	AreaDistrictIDs []string   `form:"area_district" json:"-"`
	AreaGeoJSON     string     `form:"area_geojson" json:"-"`
	// AreaScope is models.AreaScopeArea to send the notice only to the
	// followers in its area, models.AreaScopeEveryone (the default) to
	// send it to all with the area shown. With AreaExcludeUnlocated, a
	// notice for its area skips the followers who chose no area.
	AreaScope            string `form:"area_scope" json:"area_scope"`
	AreaExcludeUnlocated bool   `form:"area_exclude_unlocated" json:"area_exclude_unlocated"`
	// AreaFromStops makes a transit notice's area the circles around its
	// affected stops (the service looks them up in the account's GTFS).
	AreaFromStops bool `form:"area_from_stops" json:"area_from_stops"`
}

// IDList is a list of route or stop ids kept as the database keeps it,
// comma-separated (a form sends the text typed, commas or lines). The API
// shows it as an array of strings, as it always has.
type IDList string

// List is the ids, without empty ones.
func (l IDList) List() []string { return models.SplitList(string(l)) }

// MarshalJSON writes an array, [] when empty (never null).
func (l IDList) MarshalJSON() ([]byte, error) {
	list := l.List()
	if list == nil {
		list = []string{}
	}
	return json.Marshal(list)
}

// UnmarshalJSON reads an array of ids; null clears the list, as it did
// when the API decoded into a []string.
func (l *IDList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*l = IDList(strings.Join(list, ","))
	return nil
}

// Limits on notice text, in characters.
const (
	maxNoticeTitle = 200
	maxNoticeBody  = 20000
	maxNoticeField = 500
	// An instruction is a few sentences; one longer than this belongs in
	// the body.
	maxNoticeInstruction = 2000
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

// Validate checks in as a notice about to go out (published, scheduled
// or updated) as of now, and returns it cleaned, or a
// *models.ValidationError naming each field at fault. It is pure, so
// forms, the API and tests can call it without a database.
func Validate(in Input, now time.Time) (Input, error) { return in.check(true, now) }

// ValidateDraft is Validate for a draft, which may still lack the
// kind-specific fields and a body; everything it does hold must be valid.
func ValidateDraft(in Input, now time.Time) (Input, error) { return in.check(false, now) }

// check is Validate when complete, ValidateDraft otherwise.
func (in Input) check(complete bool, now time.Time) (Input, error) {
	var v models.ValidationError
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&in.CapEvent, &in.AreaDesc} {
		trim(p)
	}
	if !slices.Contains(models.NoticeKinds(), in.Kind) {
		v.Add("kind", "err.choose_one")
	}
	in.Translations = in.texts()
	in.LegacyTitleEn, in.LegacyTitleZh, in.LegacyBodyEn, in.LegacyBodyZh = "", "", "", ""
	def := in.DefaultLang
	if def == "" {
		def = "en"
	}
	if !in.Translations.Has(def, "title") {
		v.Add("title."+def, "notices.err_title_default")
	}
	for _, l := range in.Translations.Langs() {
		if len(in.Langs) > 0 && !slices.Contains(in.Langs, l) {
			v.Add("translations", "err.not_account_language")
			continue
		}
		title, body := in.Translations.Get(l, "title"), in.Translations.Get(l, "body")
		if len([]rune(title)) > maxNoticeTitle {
			v.Add("title."+l, "err.too_long")
		}
		if len([]rune(body)) > maxNoticeBody {
			v.Add("body."+l, "err.too_long")
		}
		if body != "" && title == "" {
			v.Add("title."+l, "notices.err_body_without_title")
		}
		if complete && title != "" && body == "" {
			v.Add("body."+l, "err.required")
		}
		instr := in.Translations.Get(l, "instruction")
		if len([]rune(instr)) > maxNoticeInstruction {
			v.Add("instruction."+l, "err.too_long")
		}
		if instr != "" && title == "" {
			v.Add("instruction."+l, "notices.err_instruction_without_title")
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
	safety := in.Kind == models.NoticeSafety
	choose("cap_category", &in.CapCategory, capCategories, complete && safety)
	choose("urgency", &in.Urgency, capUrgency, complete && safety)
	choose("severity", &in.Severity, capSeverity, complete && safety)
	choose("certainty", &in.Certainty, capCertainty, complete && safety)
	if complete && safety && in.CapEvent == "" {
		v.Add("cap_event", "err.required")
	}
	in.checkResponse(&v, complete && safety)
	if in.Kind == models.NoticeTransit {
		if in.Cause == "" {
			in.Cause = "UNKNOWN_CAUSE"
		}
		if in.Effect == "" {
			in.Effect = "UNKNOWN_EFFECT"
		}
	}
	choose("cause", &in.Cause, gtfsCauses, false)
	choose("effect", &in.Effect, gtfsEffects, false)
	for field, p := range map[string]*IDList{"routes": &in.Routes, "stops": &in.Stops} {
		s, ok := listField(string(*p))
		if !ok {
			v.Add(field, "notices.err_list")
		}
		*p = IDList(s)
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
	tags, bad := models.NormalizeTags(in.Tags)
	if bad != "" {
		v.Add("tags", "err.tag_format")
	}
	in.Tags = tags
	in.checkArea(&v)
	return in, v.Err()
}

// texts are the input's texts trimmed, with the legacy fields folded in
// (a language the client also sent in translations keeps those).
func (in Input) texts() models.Translations {
	out := models.Translations{}
	for l, fields := range in.Translations {
		for _, f := range textFields {
			out.Set(l, f, strings.TrimSpace(fields[f]))
		}
	}
	for _, legacy := range []struct{ lang, field, text string }{
		{"en", "title", in.LegacyTitleEn}, {"en", "body", in.LegacyBodyEn},
		{"zh-Hans", "title", in.LegacyTitleZh}, {"zh-Hans", "body", in.LegacyBodyZh},
	} {
		if t := strings.TrimSpace(legacy.text); t != "" && !out.Has(legacy.lang, legacy.field) {
			out.Set(legacy.lang, legacy.field, t)
		}
	}
	return out
}

// textFields are the texts a notice has per language.
var textFields = []string{"title", "body", "instruction"}

// checkResponse cleans the response types (duplicates and blanks out)
// and checks them and the instruction: known values, and "None" or
// "AllClear" alone, since either says there is nothing else to do. A
// notice going out with an instruction must have it in every language it
// has a title in (complete), or some readers would miss what to do.
func (in *Input) checkResponse(v *models.ValidationError, complete bool) {
	var types []string
	for _, r := range in.ResponseTypes {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(types, r) {
			types = append(types, r)
		}
	}
	in.ResponseTypes = types
	for _, r := range types {
		if !slices.Contains(capResponseTypes, r) {
			v.Add("response_types", "err.choose_one")
			return
		}
	}
	if len(types) > 1 && (slices.Contains(types, "None") || slices.Contains(types, "AllClear")) {
		v.Add("response_types", "notices.err_response_alone")
	}
	if !complete {
		return
	}
	var with, without []string
	for _, l := range in.Translations.Langs() {
		switch {
		case !in.Translations.Has(l, "title"):
		case in.Translations.Has(l, "instruction"):
			with = append(with, l)
		default:
			without = append(without, l)
		}
	}
	if len(with) > 0 {
		for _, l := range without {
			v.Add("instruction."+l, "notices.err_instruction_every_language")
		}
	}
}

// ForAccount is in with the account's languages and default, which
// validation holds it to.
func (in Input) ForAccount(a *models.Account) Input {
	in.Langs, in.DefaultLang = a.LangList(), a.DefaultLang
	return in
}

// Title is the input's title for a reader of lang, for pages that show
// an input before it is saved.
func (in Input) Title(lang string) string {
	return in.Translations.Get(in.Translations.Pick(lang, in.DefaultLang, "title"), "title")
}

// FormTranslations reads the editor's title.<tag>, body.<tag> and
// instruction.<tag> fields for each of langs.
func FormTranslations(values map[string][]string, langs []string) models.Translations {
	return models.FormTexts(values, langs, textFields...)
}

// apply copies the input onto the notice record.
func (in Input) apply(n *models.Notice) {
	n.Kind = in.Kind
	n.Translations = in.Translations.Clone()
	if in.DefaultLang != "" {
		n.DefaultLang = in.DefaultLang
	}
	n.CapCategory, n.CapEvent, n.AreaDesc = in.CapCategory, in.CapEvent, in.AreaDesc
	n.Urgency, n.Severity, n.Certainty = in.Urgency, in.Severity, in.Certainty
	n.ResponseTypes = strings.Join(in.ResponseTypes, ",")
	n.Routes, n.Stops, n.Cause, n.Effect = string(in.Routes), string(in.Stops), in.Cause, in.Effect
	n.EffectiveAt, n.ExpiresAt, n.PublishAt = models.UTCPtr(in.EffectiveAt), models.UTCPtr(in.ExpiresAt), models.UTCPtr(in.PublishAt)
	n.AudienceTags = strings.Join(in.Tags, ",")
	n.Area, n.AreaScope, n.AreaUnlocated = "", in.AreaScope, !in.AreaExcludeUnlocated
	if in.Area != nil {
		n.Area = in.Area.String()
	}
	if n.AreaScope == "" {
		n.AreaScope = models.AreaScopeEveryone
	}
}

// InputOf turns a notice back into the editor's input.
func InputOf(n *models.Notice) Input {
	return Input{
		Kind: n.Kind, Translations: n.Translations.Clone(), DefaultLang: n.DefaultLang,
		CapCategory: n.CapCategory, CapEvent: n.CapEvent, Urgency: n.Urgency, Severity: n.Severity,
		Certainty: n.Certainty, ResponseTypes: models.SplitList(n.ResponseTypes), AreaDesc: n.AreaDesc, Routes: IDList(n.Routes), Stops: IDList(n.Stops), Cause: n.Cause,
		Effect: n.Effect, EffectiveAt: n.EffectiveAt, ExpiresAt: n.ExpiresAt, PublishAt: n.PublishAt, Tags: n.TagList(),
		AreaScope: n.AreaScope, AreaExcludeUnlocated: !n.AreaUnlocated, Area: models.AreaOf(n.Area),
	}
}

// checkArea folds the editor's districts and GeoJSON into Area and checks
// it: shapes the area package accepts, a known scope, and an area when the
// notice is for the people in one.
func (in *Input) checkArea(v *models.ValidationError) {
	in.Area = models.FoldArea(v, in.Area, in.AreaDistrictIDs, in.AreaGeoJSON)
	in.AreaDistrictIDs, in.AreaGeoJSON = nil, ""
	switch in.AreaScope {
	case "":
		in.AreaScope = models.AreaScopeEveryone
	case models.AreaScopeEveryone:
	case models.AreaScopeArea:
		if in.Area == nil && !in.AreaFromStops {
			v.Add("area_scope", "area.err_scope_without_area")
		}
	default:
		v.Add("area_scope", "err.choose_one")
	}
}
