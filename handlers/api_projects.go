package handlers

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
)

// The API's read side of projects and their feedback.

type projectEventJSON struct {
	Status string `json:"status"`
	Date   string `json:"date"`
	// Translations is the step's "note" in each language.
	Translations models.Translations `json:"translations"`
}

// questionTextJSON is a question in one language: its label and its
// choices, which map by position to the stored values.
type questionTextJSON struct {
	Label   string   `json:"label"`
	Options []string `json:"options"`
}

type questionJSON struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// Values are the stored answers' values: the choices in the
	// project's default language.
	Values       []string                    `json:"values"`
	Translations map[string]questionTextJSON `json:"translations"`
	Required     bool                        `json:"required"`
}

type stanceJSON struct {
	Support int64 `json:"support"`
	Oppose  int64 `json:"oppose"`
	Neutral int64 `json:"neutral"`
}

type districtJSON struct {
	District string `json:"district"`
	stanceJSON
}

type resultsJSON struct {
	stanceJSON
	ByDistrict []districtJSON `json:"by_district"`
}

// projectJSON is a project in the API: its fields (project.Input, by
// its json tags) and what the project has besides.
type projectJSON struct {
	ID      int64  `json:"id"`
	Account string `json:"account"`
	Status  string `json:"status"`
	Open    bool   `json:"open"`
	project.Input
	// Districts shadows project.Input's, one a line, with a list.
	Districts []string `json:"districts"`
	// OfficialSummary is the official summary by language.
	OfficialSummary   map[string]string  `json:"official_summary"`
	OfficialSummaryAt *time.Time         `json:"official_summary_at"`
	URL               string             `json:"url"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	Timeline          []projectEventJSON `json:"timeline,omitempty"`
	Questions         []questionJSON     `json:"questions,omitempty"`
	Results           *resultsJSON       `json:"results,omitempty"`
}

func (h *apiArea) projectOut(handle string, p *models.Project) projectJSON {
	summary := map[string]string{}
	for _, l := range p.Translations.Langs() {
		if r := p.Translations.Get(l, "result"); r != "" {
			summary[l] = r
		}
	}
	return projectJSON{
		ID: p.ID, Account: handle, Status: p.Status, Open: p.Open(h.store.Now()), Input: project.InputOf(p),
		Districts: nonNil(p.DistrictList()), OfficialSummary: summary, OfficialSummaryAt: p.ResultAt,
		URL: h.baseURL + paths.PublicProject(handle, p.ID), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// project loads a project of the token's organization.
func (h *apiArea) project(c echo.Context) (*models.Member, *models.Account, *models.Project, error) {
	m := apiMember(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	a, p, err := h.projects.APIProject(c.Request().Context(), m, id)
	return m, a, p, err
}

func (h *apiArea) listProjects(c echo.Context) error {
	m, a, err := h.account(c)
	if err != nil {
		return err
	}
	before, limit, err := pageArgs(c)
	if err != nil {
		return err
	}
	list, err := h.projects.APIProjects(c.Request().Context(), m, a, before, limit)
	if err != nil {
		return err
	}
	out := listResponse[projectJSON]{Data: []projectJSON{}}
	for i := range list {
		out.Data = append(out.Data, h.projectOut(a.Handle, &list[i]))
	}
	if len(list) > 0 {
		out.NextCursor = nextCursor(list[len(list)-1].ID, len(list) == limit)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *apiArea) getProject(c echo.Context) error {
	_, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	out := h.projectOut(a.Handle, p)
	events, err := h.projects.ProjectTimeline(ctx, p.ID)
	if err != nil {
		return err
	}
	out.Timeline = []projectEventJSON{}
	for _, e := range events {
		notes := e.Translations
		if notes == nil {
			notes = models.Translations{}
		}
		out.Timeline = append(out.Timeline, projectEventJSON{Status: e.Status, Date: e.HappenedOn, Translations: notes})
	}
	qs, err := h.projects.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return err
	}
	out.Questions = []questionJSON{}
	for _, q := range qs {
		texts := map[string]questionTextJSON{}
		for _, l := range q.Translations.Langs() {
			texts[l] = questionTextJSON{Label: q.Translations.Get(l, "label"), Options: nonNil(models.Lines(q.Translations.Get(l, "options")))}
		}
		out.Questions = append(out.Questions, questionJSON{ID: q.ID, Kind: q.Kind, Values: nonNil(q.Values(p.DefaultLang)),
			Translations: texts, Required: q.Required})
	}
	r, err := h.projects.ProjectResults(ctx, p.ID)
	if err != nil {
		return err
	}
	res := &resultsJSON{stanceJSON: stanceJSON{r.All.Support, r.All.Oppose, r.All.Neutral}, ByDistrict: []districtJSON{}}
	for _, d := range r.ByDistrict {
		res.ByDistrict = append(res.ByDistrict, districtJSON{District: d.District, stanceJSON: stanceJSON{d.Support, d.Oppose, d.Neutral}})
	}
	out.Results = res
	return c.JSON(http.StatusOK, out)
}

type feedbackJSON struct {
	ID         int64               `json:"id"`
	ProjectID  int64               `json:"project_id"`
	Stance     string              `json:"stance"`
	Comment    string              `json:"comment"`
	Name       string              `json:"name"`
	Contact    string              `json:"contact"`
	District   string              `json:"district"`
	Answers    map[string][]string `json:"answers"`
	Channel    string              `json:"channel"`
	Language   string              `json:"language"`
	Status     string              `json:"status"`
	Reports    int                 `json:"reports"`
	Response   string              `json:"response"`
	ResponseAt *time.Time          `json:"response_at"`
	Revisions  int                 `json:"revisions"`
	CreatedAt  time.Time           `json:"created_at"`
	UpdatedAt  time.Time           `json:"updated_at"`
}

func (h *apiArea) listFeedback(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	after, limit, err := pageArgs(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" && !slices.Contains(models.FeedbackStatuses(), status) {
		return apiErr(http.StatusBadRequest, "bad_status", "status is one of pending, published, hidden, spam")
	}
	list, err := h.projects.APIFeedback(c.Request().Context(), m, a, p.ID, status, after, limit)
	if err != nil {
		return err
	}
	out := listResponse[feedbackJSON]{Data: []feedbackJSON{}}
	for _, f := range list {
		out.Data = append(out.Data, feedbackJSON{ID: f.ID, ProjectID: f.ProjectID, Stance: f.Stance, Comment: f.Comment, Name: f.Name,
			Contact: f.Contact, District: f.District, Answers: f.AnswerMap(), Channel: f.Channel, Language: f.Lang, Status: f.Status,
			Reports: f.Reports, Response: f.Response, ResponseAt: f.ResponseAt, Revisions: f.Revisions, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt})
	}
	if len(list) > 0 {
		out.NextCursor = nextCursor(list[len(list)-1].ID, len(list) == limit)
	}
	return c.JSON(http.StatusOK, out)
}
