package project

import (
	"math"
	"slices"
	"strings"
	"time"

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
	TitleEn        string   `form:"title_en" json:"title_en"`
	TitleZh        string   `form:"title_zh" json:"title_zh"`
	SummaryEn      string   `form:"summary_en" json:"summary_en"`
	SummaryZh      string   `form:"summary_zh" json:"summary_zh"`
	BodyEn         string   `form:"body_en" json:"description_en"`
	BodyZh         string   `form:"body_zh" json:"description_zh"`
	Address        string   `form:"address" json:"address"`
	Latitude       *float64 `form:"latitude" json:"latitude"`
	Longitude      *float64 `form:"longitude" json:"longitude"`
	Budget         *int64   `form:"budget" json:"budget"`
	BudgetCurrency string   `form:"budget_currency" json:"budget_currency"`
	// Districts is one district a line, as staff type them; the API
	// shows them as a list.
	Districts string     `form:"districts" json:"districts"`
	Public    bool       `form:"public" json:"public"`
	OpensAt   *time.Time `form:"opens_at" json:"opens_at"`
	ClosesAt  *time.Time `form:"closes_at" json:"closes_at"`
}

// InputOf is a project's fields as the editor shows them.
func InputOf(p *models.Project) Input {
	return Input{
		TitleEn: p.TitleEn, TitleZh: p.TitleZh, SummaryEn: p.SummaryEn, SummaryZh: p.SummaryZh, BodyEn: p.BodyEn, BodyZh: p.BodyZh,
		Address: p.Address, Latitude: p.Latitude, Longitude: p.Longitude, Budget: p.Budget, BudgetCurrency: p.BudgetCurrency,
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
	for _, p := range []*string{&in.TitleEn, &in.TitleZh, &in.SummaryEn, &in.SummaryZh, &in.BodyEn, &in.BodyZh,
		&in.Address, &in.BudgetCurrency, &in.Districts} {
		*p = models.CleanText(*p)
	}
	if in.TitleEn == "" && in.TitleZh == "" {
		v.Add("title_en", "projects.err_title_one_language")
	}
	for _, l := range []struct {
		suffix               string
		title, summary, body string
	}{{"en", in.TitleEn, in.SummaryEn, in.BodyEn}, {"zh", in.TitleZh, in.SummaryZh, in.BodyZh}} {
		if models.TooLong(l.title, maxProjectTitle) {
			v.Add("title_"+l.suffix, "err.too_long")
		}
		if models.TooLong(l.summary, maxProjectSummary) {
			v.Add("summary_"+l.suffix, "err.too_long")
		}
		if models.TooLong(l.body, maxProjectBody) {
			v.Add("body_"+l.suffix, "err.too_long")
		}
		if l.title == "" && (l.summary != "" || l.body != "") {
			v.Add("title_"+l.suffix, "projects.err_text_without_title")
		}
	}
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
	in.OpensAt, in.ClosesAt = models.UTCPtr(in.OpensAt), models.UTCPtr(in.ClosesAt)
	if in.OpensAt != nil && in.ClosesAt != nil && !in.ClosesAt.After(*in.OpensAt) {
		v.Add("closes_at", "projects.err_closes_before_opens")
	}
	return in, v.Err()
}

// applyProject copies the editor's fields onto p.
func applyProject(in Input, p *models.Project) {
	p.TitleEn, p.TitleZh, p.SummaryEn, p.SummaryZh, p.BodyEn, p.BodyZh = in.TitleEn, in.TitleZh, in.SummaryEn, in.SummaryZh, in.BodyEn, in.BodyZh
	p.Address, p.Latitude, p.Longitude = in.Address, in.Latitude, in.Longitude
	p.Budget, p.BudgetCurrency, p.Districts, p.Public = in.Budget, in.BudgetCurrency, in.Districts, in.Public
	p.OpensAt, p.ClosesAt = in.OpensAt, in.ClosesAt
}
