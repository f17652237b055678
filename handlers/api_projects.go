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
	NoteEn string `json:"note_en"`
	NoteZh string `json:"note_zh"`
}

type questionJSON struct {
	ID        int64    `json:"id"`
	Kind      string   `json:"kind"`
	LabelEn   string   `json:"label_en"`
	LabelZh   string   `json:"label_zh"`
	OptionsEn []string `json:"options_en"`
	OptionsZh []string `json:"options_zh"`
	Required  bool     `json:"required"`
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
	Districts         []string           `json:"districts"`
	OfficialSummaryEn string             `json:"official_summary_en"`
	OfficialSummaryZh string             `json:"official_summary_zh"`
	OfficialSummaryAt *time.Time         `json:"official_summary_at"`
	URL               string             `json:"url"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	Timeline          []projectEventJSON `json:"timeline,omitempty"`
	Questions         []questionJSON     `json:"questions,omitempty"`
	Results           *resultsJSON       `json:"results,omitempty"`
}

func (h *apiArea) projectOut(handle string, p *models.Project) projectJSON {
	return projectJSON{
		ID: p.ID, Account: handle, Status: p.Status, Open: p.Open(h.store.Now()), Input: project.InputOf(p),
		Districts: nonNil(p.DistrictList()), OfficialSummaryEn: p.ResultEn, OfficialSummaryZh: p.ResultZh, OfficialSummaryAt: p.ResultAt,
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
		out.Timeline = append(out.Timeline, projectEventJSON{Status: e.Status, Date: e.HappenedOn, NoteEn: e.NoteEn, NoteZh: e.NoteZh})
	}
	qs, err := h.projects.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return err
	}
	out.Questions = []questionJSON{}
	for _, q := range qs {
		en, zh := []string{}, []string{}
		for _, ch := range q.Choices("en") {
			en = append(en, ch.Label)
		}
		if q.OptionsZh != "" {
			for _, ch := range q.Choices("zh") {
				zh = append(zh, ch.Label)
			}
		}
		out.Questions = append(out.Questions, questionJSON{ID: q.ID, Kind: q.Kind, LabelEn: q.LabelEn, LabelZh: q.LabelZh,
			OptionsEn: en, OptionsZh: zh, Required: q.Required})
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
