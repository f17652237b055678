package project

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// Input is the fields of a project that staff fill in on the project
// editor and that the API shows: the studio form binds it by its form
// tags, the API's project type embeds it by its json tags (its names are
// the API's: the body is the description), so a new field is declared
// once here and validated in Validate rather than copied into each of
// them. The times are datetime-local text in the studio's zone on the
// form and RFC 3339 in the API.
type Input struct {
	// DefaultLang is the language a reader without theirs gets; its
	// title is required. Empty means the account's default language.
	DefaultLang string `form:"-" json:"default_lang"`
	// Translations holds "title", "summary" and "body" in each language
	// (the studio form names them title.<tag>, summary.<tag>,
	// body.<tag>).
	Translations   models.Translations `form:"-" json:"translations"`
	Address        string              `form:"address" json:"address"`
	Latitude       *float64            `form:"latitude" json:"latitude"`
	Longitude      *float64            `form:"longitude" json:"longitude"`
	Budget         *int64              `form:"budget" json:"budget"`
	BudgetCurrency string              `form:"budget_currency" json:"budget_currency"`
	// Districts is one district a line, as staff type them; the API
	// shows them as a list.
	Districts string     `form:"districts" json:"districts"`
	Public    bool       `form:"public" json:"public"`
	OpensAt   *time.Time `form:"opens_at" json:"opens_at"`
	ClosesAt  *time.Time `form:"closes_at" json:"closes_at"`
	// Langs is the account's languages, the only ones the texts may be
	// in; the services set it from the account.
	Langs []string `form:"-" json:"-"`
	// Area is where the project is, as the API gives it; the editor
	// posts the districts ticked and the shapes as GeoJSON, which
	// validation folds into Area.
	Area            *area.Area `form:"-" json:"area,omitempty"`
	AreaDistrictIDs []string   `form:"area_district" json:"-"`
	AreaGeoJSON     string     `form:"area_geojson" json:"-"`
}

// ProjectFields are the fields of a project's Translations that Input
// carries; "result" (the official summary) is set on its own.
var ProjectFields = []string{"title", "summary", "body"}

// UnmarshalJSON reads an Input from the API (the districts as a list,
// as the API shows them, or as text), also from the fields before
// projects had any number of languages: title_en, summary_en,
// description_en (English) and title_zh, summary_zh, description_zh
// (simplified Chinese), where translations does not give that text.
func (in *Input) UnmarshalJSON(b []byte) error {
	type plain Input
	var aux struct {
		plain
		TitleEn       string `json:"title_en"`
		TitleZh       string `json:"title_zh"`
		SummaryEn     string `json:"summary_en"`
		SummaryZh     string `json:"summary_zh"`
		DescriptionEn string `json:"description_en"`
		DescriptionZh string `json:"description_zh"`
		// Districts are a list as the API shows them, or one a line.
		Districts json.RawMessage `json:"districts"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*in = Input(aux.plain)
	if len(aux.Districts) > 0 && string(aux.Districts) != "null" {
		var list []string
		if err := json.Unmarshal(aux.Districts, &list); err == nil {
			in.Districts = strings.Join(list, "\n")
		} else if err := json.Unmarshal(aux.Districts, &in.Districts); err != nil {
			return fmt.Errorf("districts: a list of names or one a line: %w", err)
		}
	}
	if in.Translations == nil {
		in.Translations = models.Translations{}
	}
	for _, old := range []struct{ lang, field, text string }{
		{"en", "title", aux.TitleEn}, {"en", "summary", aux.SummaryEn}, {"en", "body", aux.DescriptionEn},
		{"zh-Hans", "title", aux.TitleZh}, {"zh-Hans", "summary", aux.SummaryZh}, {"zh-Hans", "body", aux.DescriptionZh},
	} {
		if old.text != "" && !in.Translations.Has(old.lang, old.field) {
			in.Translations.Set(old.lang, old.field, old.text)
		}
	}
	return nil
}

// InputOf is a project's fields as the editor shows them.
func InputOf(p *models.Project) Input {
	return Input{
		DefaultLang: p.DefaultLang, Translations: projectTexts(p.Translations),
		Area: models.AreaOf(p.Area), Address: p.Address, Latitude: p.Latitude, Longitude: p.Longitude, Budget: p.Budget, BudgetCurrency: p.BudgetCurrency,
		Districts: p.Districts, Public: p.Public, OpensAt: p.OpensAt, ClosesAt: p.ClosesAt,
	}
}

// Limits on project text, in characters.
const (
	maxProjectTitle    = 200
	maxProjectSummary  = 500
	maxProjectBody     = 20000
	maxProjectDistrict = 100
	maxQuestions       = 10
)

// Validate checks a project's fields and returns them cleaned, or the
// fields' errors (a *models.ValidationError). It is pure: no database, so
// the rules are tested on their own. now is the moment of the check; no
// rule of a project needs the clock yet, but every entity's validator
// takes it (notice.Validate(in, now)) so a rule that does needs no change
// of its callers.
func Validate(in Input, now time.Time) (Input, error) {
	var v models.ValidationError
	for _, p := range []*string{&in.Address, &in.BudgetCurrency, &in.Districts} {
		*p = models.CleanText(*p)
	}
	in.DefaultLang = strings.TrimSpace(in.DefaultLang)
	if in.DefaultLang == "" && len(in.Langs) > 0 {
		in.DefaultLang = in.Langs[0]
	}
	texts := models.Translations{}
	for _, l := range sortedLangs(in.Translations) {
		given := models.Translations{}
		for _, f := range ProjectFields {
			given.Set(l, f, models.CleanText(in.Translations[l][f]))
		}
		if len(given) == 0 {
			continue
		}
		if !Offered(in.Langs, l) {
			v.Add("title."+l, "err.not_account_language")
			continue
		}
		texts[l] = given[l]
	}
	switch {
	case !Offered(in.Langs, in.DefaultLang):
		v.Add("default_lang", "err.not_account_language")
	case !texts.Has(in.DefaultLang, "title"):
		v.Add("title."+in.DefaultLang, "projects.err_title_default")
	}
	for _, l := range texts.Langs() {
		if models.TooLong(texts.Get(l, "title"), maxProjectTitle) {
			v.Add("title."+l, "err.too_long")
		}
		if models.TooLong(texts.Get(l, "summary"), maxProjectSummary) {
			v.Add("summary."+l, "err.too_long")
		}
		if models.TooLong(texts.Get(l, "body"), maxProjectBody) {
			v.Add("body."+l, "err.too_long")
		}
		if !texts.Has(l, "title") && (texts.Has(l, "summary") || texts.Has(l, "body")) {
			v.Add("title."+l, "projects.err_text_without_title")
		}
	}
	in.Translations = texts
	if models.TooLong(in.Address, maxProjectSummary) {
		v.Add("address", "err.too_long")
	}
	if (in.Latitude == nil) != (in.Longitude == nil) {
		v.Add("latitude", "projects.err_both_coordinates")
	}
	if in.Latitude != nil && (math.IsNaN(*in.Latitude) || *in.Latitude < -85 || *in.Latitude > 85) {
		v.Add("latitude", "projects.err_latitude")
	}
	if in.Longitude != nil && (math.IsNaN(*in.Longitude) || *in.Longitude < -180 || *in.Longitude > 180) {
		v.Add("longitude", "projects.err_longitude")
	}
	if in.Budget != nil && *in.Budget < 0 {
		v.Add("budget", "projects.err_budget")
	}
	in.BudgetCurrency = strings.ToUpper(in.BudgetCurrency)
	if in.BudgetCurrency != "" && (len(in.BudgetCurrency) != 3 || strings.IndexFunc(in.BudgetCurrency, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0) {
		v.Add("budget_currency", "projects.err_currency")
	}
	ds := models.Lines(in.Districts)
	var clean []string
	for _, d := range ds {
		if models.TooLong(d, maxProjectDistrict) {
			v.Add("districts", "err.too_long")
		}
		if !slices.Contains(clean, d) {
			clean = append(clean, d)
		}
	}
	if len(clean) > 100 {
		v.Add("districts", "projects.err_too_many_districts")
	}
	in.Districts = strings.Join(clean, "\n")
	in.Area = models.FoldArea(&v, in.Area, in.AreaDistrictIDs, in.AreaGeoJSON)
	in.AreaDistrictIDs, in.AreaGeoJSON = nil, ""
	in.OpensAt, in.ClosesAt = models.UTCPtr(in.OpensAt), models.UTCPtr(in.ClosesAt)
	if in.OpensAt != nil && in.ClosesAt != nil && !in.ClosesAt.After(*in.OpensAt) {
		v.Add("closes_at", "projects.err_closes_before_opens")
	}
	return in, v.Err()
}

// applyProject copies the editor's fields onto p.
func applyProject(in Input, p *models.Project) {
	texts := in.Translations.Clone()
	// The official summary is not the editor's: it stays as it is.
	for l, fields := range p.Translations {
		if r := fields["result"]; r != "" {
			texts.Set(l, "result", r)
		}
	}
	p.DefaultLang, p.Translations = in.DefaultLang, texts
	p.Address, p.Latitude, p.Longitude = in.Address, in.Latitude, in.Longitude
	p.Budget, p.BudgetCurrency, p.Districts, p.Public = in.Budget, in.BudgetCurrency, in.Districts, in.Public
	p.OpensAt, p.ClosesAt = in.OpensAt, in.ClosesAt
	p.Area = ""
	if in.Area != nil {
		p.Area = in.Area.String()
	}
}

// projectTexts is the editor's fields of t (no official summary).
func projectTexts(t models.Translations) models.Translations {
	out := models.Translations{}
	for l := range t {
		for _, f := range ProjectFields {
			out.Set(l, f, t.Get(l, f))
		}
	}
	return out
}

// tagPattern is what a language tag looks like ("en", "zh-Hant",
// "sr-Latn-RS").
var tagPattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Offered reports whether texts may be in lang: one of the account's
// languages langs (any well-formed tag when langs is empty, as for a
// check without an account).
func Offered(langs []string, lang string) bool {
	if !tagPattern.MatchString(lang) || len(lang) > 35 {
		return false
	}
	return len(langs) == 0 || slices.Contains(langs, lang)
}

func sortedLangs(t models.Translations) []string {
	out := make([]string, 0, len(t))
	for l := range t {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
