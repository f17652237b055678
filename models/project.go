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
	ID             int64
	AccountID      int64
	Status         string
	TitleEn        string
	TitleZh        string
	SummaryEn      string
	SummaryZh      string
	BodyEn         string
	BodyZh         string
	Address        string
	Latitude       *float64
	Longitude      *float64
	Budget         *int64
	BudgetCurrency string
	Districts      string
	Public         bool
	OpensAt        *time.Time
	ClosesAt       *time.Time
	ResultEn       string
	ResultZh       string
	ResultAt       *time.Time
	CreatedBy      *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Language is the language a reader of lang gets the project in.
func (p *Project) Language(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" && p.TitleZh != "" || lang != "zh" && p.TitleEn == "" {
		return "zh"
	}
	return "en"
}

func (p *Project) pick(lang, en, zh string) string {
	lang = LegacyLang(lang)
	if p.Language(lang) == "zh" {
		return zh
	}
	return en
}

// Title, Summary, Body and Result are the project's texts in the
// reader's language, or in the other one when it has none in theirs.
func (p *Project) Title(lang string) string   { return p.pick(lang, p.TitleEn, p.TitleZh) }
func (p *Project) Summary(lang string) string { return p.pick(lang, p.SummaryEn, p.SummaryZh) }
func (p *Project) Body(lang string) string    { return p.pick(lang, p.BodyEn, p.BodyZh) }

// Result is the official summary in lang, falling back to the other
// language.
func (p *Project) Result(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" && p.ResultZh != "" || p.ResultEn == "" {
		return p.ResultZh
	}
	return p.ResultEn
}

// HasLanguage reports whether the project was written in lang.
func (p *Project) HasLanguage(lang string) bool {
	lang = LegacyLang(lang)
	if lang == "zh" {
		return p.TitleZh != ""
	}
	return p.TitleEn != ""
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
	NoteEn     string
	NoteZh     string
	CreatedAt  time.Time
}

// Note is the event's note in lang, falling back to the other language.
func (e *ProjectEvent) Note(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" && e.NoteZh != "" || e.NoteEn == "" {
		return e.NoteZh
	}
	return e.NoteEn
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
	On             string
	NoteEn, NoteZh string
}
