package models

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Project statuses, in the order a project moves through them.
const (
	ProjectProposed     = "proposed"
	ProjectConsultation = "consultation"
	ProjectDecided      = "decided"
	ProjectInProgress   = "in_progress"
	ProjectDone         = "done"
)

// ProjectStatuses lists the statuses in order.
func ProjectStatuses() []string {
	return []string{ProjectProposed, ProjectConsultation, ProjectDecided, ProjectInProgress, ProjectDone}
}

// Project is a public project an account asks the public about.
type Project struct {
	ID        int64
	AccountID int64
	Status    string
	// DefaultLang is the language the project is written in first, the
	// one a reader gets when the project has no text in theirs; its
	// timeline steps and questions fall back to it too.
	DefaultLang string
	// Translations holds "title", "summary", "body" and "result" in each
	// language the project is written in.
	Translations Translations `gorm:"type:text"`
	Address      string
	Latitude     *float64
	Longitude    *float64
	// Area is where the project is (area.Area's stored form), if drawn.
	Area           string
	Budget         *int64
	BudgetCurrency string
	Districts      string
	Public         bool
	OpensAt        *time.Time
	ClosesAt       *time.Time
	ResultAt       *time.Time
	CreatedBy      *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Language is the language a reader of lang gets the project in: lang
// when the project has a title in it, else its default language (never
// the other Chinese script silently).
func (p *Project) Language(lang string) string {
	return p.Translations.Pick(lang, p.DefaultLang, "title")
}

// Title, Summary and Body are the project's texts in the language a
// reader of lang gets it in (Language).
func (p *Project) Title(lang string) string   { return p.Translations.Get(p.Language(lang), "title") }
func (p *Project) Summary(lang string) string { return p.Translations.Get(p.Language(lang), "summary") }
func (p *Project) Body(lang string) string    { return p.Translations.Get(p.Language(lang), "body") }

// Result is the official summary in lang, else in the default language.
func (p *Project) Result(lang string) string {
	return p.Translations.Get(p.Translations.Pick(lang, p.DefaultLang, "result"), "result")
}

// HasLanguage reports whether the project was written in lang (has a
// title in it).
func (p *Project) HasLanguage(lang string) bool { return p.Translations.Has(lang, "title") }

// Languages lists the languages the project has a title in, its default
// language first.
func (p *Project) Languages() []string {
	var out []string
	if p.HasLanguage(p.DefaultLang) {
		out = append(out, p.DefaultLang)
	}
	for _, l := range p.Translations.Langs() {
		if l != p.DefaultLang && p.HasLanguage(l) {
			out = append(out, l)
		}
	}
	return out
}

// DistrictList is the districts the form offers, if staff listed any.
func (p *Project) DistrictList() []string { return Lines(p.Districts) }

// HasLocation reports whether the project has coordinates.
func (p *Project) HasLocation() bool { return p.Latitude != nil && p.Longitude != nil }

// Open reports whether the consultation takes answers at now.
func (p *Project) Open(now time.Time) bool {
	return p.Status == ProjectConsultation && (p.OpensAt == nil || !now.Before(*p.OpensAt)) &&
		p.ClosesAt != nil && now.Before(*p.ClosesAt)
}

// Decided reports whether the project has been decided (and may be
// under way or done): only then is there a decision to announce.
func (p *Project) Decided() bool {
	return p.Status == ProjectDecided || p.Status == ProjectInProgress || p.Status == ProjectDone
}

// NotYetOpen reports whether the consultation is announced but has not
// begun.
func (p *Project) NotYetOpen(now time.Time) bool {
	return p.Status == ProjectConsultation && p.OpensAt != nil && now.Before(*p.OpensAt)
}

func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cleanText drops what a database or a browser should never get from a
// form: invalid UTF-8, NUL and other control characters (line breaks and
// tabs are kept).
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return -1
		}
		return r
	}, s))
}

func TooLong(s string, n int) bool { return len([]rune(s)) > n }

// ProjectEvent is one dated step of a project's timeline.
type ProjectEvent struct {
	ID         int64
	ProjectID  int64
	Status     string
	HappenedOn string
	// Translations holds the step's "note" in each language.
	Translations Translations `gorm:"type:text"`
	CreatedAt    time.Time
}

// Note is the step's note in lang, else in def, its project's default
// language.
func (e *ProjectEvent) Note(lang, def string) string {
	return e.Translations.Get(e.Translations.Pick(lang, def, "note"), "note")
}

// NoteLanguage is the language Note(lang, def) is in.
func (e *ProjectEvent) NoteLanguage(lang, def string) string {
	return e.Translations.Pick(lang, def, "note")
}

// Date parses HappenedOn.
func (e *ProjectEvent) Date() time.Time {
	t, _ := time.Parse(time.DateOnly, e.HappenedOn)
	return t
}

// ProjectSummary is a project in a list, with how many answers it has.
type ProjectSummary struct {
	Project
	Answers int64
	Pending int64
}

func ProjectTarget(a *Account, p *Project) string {
	return fmt.Sprintf("@%s project %d", a.Handle, p.ID)
}

// StatusChange moves a project to a status on a date, with an optional
// note for the timeline.
type StatusChange struct {
	Status string
	// On is the date it happened, YYYY-MM-DD; empty means today.
	On string
	// Notes is the step's "note" in each language.
	Notes Translations
}
