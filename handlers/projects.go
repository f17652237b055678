package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// projects is the studio area where staff set up public projects, their
// files, questions and timeline, and moderate what citizens answer.
type projects struct {
	store    *models.Store
	notices  *notice.Service
	projects *project.Service
	accounts *account.Service
	media    *media.Service
	loc      *time.Location
	baseURL  string
	// districts and tileURL draw the project's area.
	districts *district.Service
	tileURL   string
}

func registerProjects(acc accountRoutes, s *studio) {
	loc := s.loc
	if loc == nil {
		loc = time.UTC
	}
	h := &projects{store: s.store, notices: s.notices, projects: s.projects, accounts: s.accounts, media: s.media, loc: loc, baseURL: strings.TrimRight(s.baseURL, "/"), districts: s.districts, tileURL: s.tileURL}
	view, write, moderate := need(models.PermView), need(models.PermWrite), need(models.PermModerate)

	acc.GET("/projects", h.list, view)
	acc.POST("/projects/settings", h.settings, write)
	acc.GET("/projects/new", h.newProject, write)
	acc.POST("/projects", h.create, write)
	acc.GET("/projects/:id", h.show, view)
	acc.POST("/projects/:id", h.save, write)
	acc.POST("/projects/:id/status", h.status, write)
	acc.POST("/projects/:id/events/:event/delete", h.deleteEvent, write)
	acc.POST("/projects/:id/files", h.upload, write)
	acc.POST("/projects/:id/files/:file/delete", h.deleteFile, write)
	acc.POST("/projects/:id/questions", h.addQuestion, write)
	acc.POST("/projects/:id/questions/:question/delete", h.deleteQuestion, write)
	acc.POST("/projects/:id/announce", h.announce, write)
	acc.GET("/projects/:id/delete", h.confirmDelete, write)
	acc.POST("/projects/:id/delete", h.remove, write)

	acc.GET("/projects/:id/feedback", h.queue, view)
	acc.POST("/projects/:id/feedback", h.bulk, moderate)
	acc.GET("/projects/:id/feedback/:feedback", h.feedbackItem, view)
	acc.POST("/projects/:id/feedback/:feedback", h.respond, moderate)
	acc.POST("/projects/:id/feedback/:feedback/accept", h.acceptRevision, moderate)
	acc.POST("/projects/:id/summary", h.summary, moderate)
	// Exports hold every answer's contact details.
	contacts := need(models.PermContacts)
	acc.GET("/projects/:id/export.csv", h.exportCSV, contacts)
	acc.GET("/projects/:id/export.json", h.exportJSON, contacts)
}

func (h *projects) project(c echo.Context) (*models.Member, *models.Account, *models.Project, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := h.projects.OrgProject(c.Request().Context(), m, a, id)
	return m, a, p, err
}

func (h *projects) list(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	page := pageParam(c)
	list, total, err := h.projects.OrgProjects(c.Request().Context(), m, a, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.ProjectList(m, a, list, pager))
}

func (h *projects) settings(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	if err := h.accounts.SetFeedbackReview(c.Request().Context(), m, a, c.FormValue("feedback_review") == "on"); err != nil {
		return err
	}
	return redirect(c, paths.Projects(m.Org.ID, a.Handle), "projects.settings_saved")
}

// form reads the project editor into a project.Input by its form tags.
// Numbers and times that do not parse are field errors, with everything
// else the staff member typed kept.
// p is the project edited, nil for a new one.
func (h *projects) form(c echo.Context, p *models.Project) (templates.ProjectForm, project.Input) {
	var in project.Input
	params, _ := c.FormParams()
	typed, bad := bindForm(params, &in, h.loc)
	a := studioAccount(c)
	in.DefaultLang = strings.TrimSpace(params.Get("default_lang"))
	if in.DefaultLang == "" {
		in.DefaultLang = models.AccountDefaultLang(a)
	}
	langs := templates.LangsFirst(in.DefaultLang, models.AccountLangs(a))
	if p != nil {
		langs = templates.LangsFirst(in.DefaultLang, formLangs(a, p))
	}
	in.Translations = models.FormTexts(params, langs, project.ProjectFields...)
	f := templates.ProjectForm{
		Langs: langs, DefaultLang: in.DefaultLang, Texts: in.Translations,
		Address: in.Address, Latitude: typed["latitude"], Longitude: typed["longitude"], Budget: typed["budget"],
		BudgetCurrency: in.BudgetCurrency, Districts: in.Districts, Public: in.Public, OpensAt: typed["opens_at"], ClosesAt: typed["closes_at"],
		Errors: map[string]string{},
	}
	for _, name := range bad {
		f.Errors[name] = badProjectField[name]
	}
	return f, in
}

// formLangs is the languages the studio's forms about p have a version
// for: the project's default language, then the account's others, then
// any the project is written in that the account no longer lists (shown
// rather than dropped unseen on the next save; saving them is refused
// until they are emptied or the account lists them again).
func formLangs(a *models.Account, p *models.Project) []string {
	def := p.DefaultLang
	if def == "" {
		def = models.AccountDefaultLang(a)
	}
	langs := models.AccountLangs(a)
	for _, l := range p.Translations.Langs() {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return templates.LangsFirst(def, langs)
}

// badProjectField is the message of each field of the editor that can
// fail to parse.
var badProjectField = map[string]string{
	"latitude": "projects.err_number", "longitude": "projects.err_number", "budget": "projects.err_budget",
	"opens_at": "notices.err_time_format", "closes_at": "notices.err_time_format",
}

// parseLocalTime reads a datetime-local value ("2026-11-23T08:30",
// seconds optional) in loc.
func parseLocalTime(s string, loc *time.Location) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && t.Year() >= 2000 && t.Year() < 3000 {
			return &t, true
		}
	}
	return nil, false
}

func (h *projects) formOf(a *models.Account, p *models.Project) templates.ProjectForm {
	local := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(h.loc).Format("2006-01-02T15:04")
	}
	f := templates.ProjectForm{
		ID: p.ID, Langs: formLangs(a, p), DefaultLang: p.DefaultLang, Texts: p.Translations,
		Address: p.Address, BudgetCurrency: p.BudgetCurrency, Districts: p.Districts, Public: p.Public,
		OpensAt: local(p.OpensAt), ClosesAt: local(p.ClosesAt), Errors: map[string]string{},
	}
	if p.Latitude != nil && p.Longitude != nil {
		f.Latitude, f.Longitude = strconv.FormatFloat(*p.Latitude, 'f', -1, 64), strconv.FormatFloat(*p.Longitude, 'f', -1, 64)
	}
	if p.Budget != nil {
		f.Budget = strconv.FormatInt(*p.Budget, 10)
	}
	return f
}

func (h *projects) newProject(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	def := models.AccountDefaultLang(a)
	f := templates.ProjectForm{Langs: templates.LangsFirst(def, models.AccountLangs(a)), DefaultLang: def, Texts: models.Translations{}, Errors: map[string]string{}}
	var err error
	if f.Area, err = areaForm(c, h.districts, h.tileURL, a, nil, nil, ""); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ProjectEditor(m, a, f, h.loc.String()))
}

func (h *projects) create(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	f, in := h.form(c, nil)
	var err error
	if f.Area, err = areaForm(c, h.districts, h.tileURL, a, nil, in.AreaDistrictIDs, in.AreaGeoJSON); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, templates.ProjectEditor(m, a, f, h.loc.String()))
	}
	p, err := h.projects.CreateProject(c.Request().Context(), m, a, in, h.loc)
	if v, ok := models.AsValidation(err); ok {
		f.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.ProjectEditor(m, a, f, h.loc.String()))
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID), "projects.created")
}

// page gathers what the studio page of a project shows.
func (h *projects) page(c echo.Context, m *models.Member, a *models.Account, p *models.Project) (templates.ProjectStudio, error) {
	ctx := c.Request().Context()
	ps := templates.ProjectStudio{Project: p, Langs: formLangs(a, p), Form: h.formOf(a, p), Errors: map[string]string{}, Zone: h.loc.String(), Now: h.store.Now()}
	var err error
	if ps.Form.Area, err = areaForm(c, h.districts, h.tileURL, a, models.AreaOf(p.Area), nil, ""); err != nil {
		return ps, err
	}
	if ps.Timeline, err = h.projects.ProjectTimeline(ctx, p.ID); err != nil {
		return ps, err
	}
	if ps.Files, err = h.media.ProjectFiles(ctx, p.ID); err != nil {
		return ps, err
	}
	if ps.Questions, err = h.projects.ProjectQuestions(ctx, p.ID); err != nil {
		return ps, err
	}
	if ps.Counts, err = h.projects.FeedbackCounts(ctx, p.ID); err != nil {
		return ps, err
	}
	if ps.Results, err = h.projects.ProjectResults(ctx, p.ID); err != nil {
		return ps, err
	}
	ps.Status = templates.StatusForm{Status: p.Status}
	ps.Question = templates.QuestionForm{Kind: models.QuestionSingle}
	return ps, nil
}

func (h *projects) show(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	ps, err := h.page(c, m, a, p)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.ProjectStudioPage(m, a, ps))
}

// again shows the project page with one of its forms sent back.
func (h *projects) again(c echo.Context, m *models.Member, a *models.Account, p *models.Project, fill func(*templates.ProjectStudio)) error {
	ps, err := h.page(c, m, a, p)
	if err != nil {
		return err
	}
	fill(&ps)
	return render(c, http.StatusUnprocessableEntity, templates.ProjectStudioPage(m, a, ps))
}

func (h *projects) save(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	f, in := h.form(c, p)
	f.ID = p.ID
	if f.Area, err = areaForm(c, h.districts, h.tileURL, a, nil, in.AreaDistrictIDs, in.AreaGeoJSON); err != nil {
		return err
	}
	if len(f.Errors) == 0 {
		_, err = h.projects.SaveProject(c.Request().Context(), m, a, p.ID, in)
		if v, ok := models.AsValidation(err); ok {
			f.Errors = v.Fields
		} else if err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return h.again(c, m, a, p, func(ps *templates.ProjectStudio) { ps.Form = f })
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID), "projects.saved")
}

func (h *projects) status(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	params, _ := c.FormParams()
	sf := templates.StatusForm{Status: c.FormValue("status"), On: c.FormValue("on"), Notes: models.FormTexts(params, formLangs(a, p), "note")}
	_, err = h.projects.SetProjectStatus(c.Request().Context(), m, a, p.ID,
		models.StatusChange{Status: sf.Status, On: sf.On, Notes: sf.Notes.Clone()}, h.loc)
	if v, ok := models.AsValidation(err); ok {
		sf.Errors = v.Fields
		return h.again(c, m, a, p, func(ps *templates.ProjectStudio) { ps.Status = sf })
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#status", "projects.status_saved")
}

func (h *projects) deleteEvent(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "event")
	if err != nil {
		return err
	}
	if err := h.projects.DeleteProjectEvent(c.Request().Context(), m, a, p.ID, id); err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#status", "projects.event_deleted")
}

func (h *projects) upload(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	title := c.FormValue("title")
	name, data, err := readUpload(c, "file", media.MaxDocumentBytes)
	if err == nil {
		_, err = h.media.AddProjectFile(c.Request().Context(), m, a, p.ID, title, name, data)
	}
	if v, ok := models.AsValidation(err); ok {
		return h.again(c, m, a, p, func(ps *templates.ProjectStudio) { ps.Errors, ps.FileTitle = v.Fields, title })
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#files", "projects.file_added")
}

func (h *projects) deleteFile(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "file")
	if err != nil {
		return err
	}
	if err := h.media.DeleteProjectFile(c.Request().Context(), m, a, p.ID, id); err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#files", "projects.file_deleted")
}

func (h *projects) addQuestion(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	params, _ := c.FormParams()
	qf := templates.QuestionForm{Kind: c.FormValue("q_kind"), Texts: models.FormTexts(params, formLangs(a, p), "label", "options"),
		Required: c.FormValue("q_required") == "on"}
	_, err = h.projects.AddProjectQuestion(c.Request().Context(), m, a, p.ID, models.QuestionInput{
		Kind: qf.Kind, Translations: qf.Texts.Clone(), Required: qf.Required})
	if v, ok := models.AsValidation(err); ok {
		qf.Errors = v.Fields
		return h.again(c, m, a, p, func(ps *templates.ProjectStudio) { ps.Question = qf })
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#questions", "projects.question_added")
}

func (h *projects) deleteQuestion(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "question")
	if err != nil {
		return err
	}
	if err := h.projects.DeleteProjectQuestion(c.Request().Context(), m, a, p.ID, id); err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#questions", "projects.question_deleted")
}

// announce drafts a notice of kind update about the project (its
// consultation opening, a decision, or the official summary) in each
// language the project is written in, with a link to its page, and
// opens it in the notice editor so staff read it before it goes to
// followers.
func (h *projects) announce(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	what := c.FormValue("what")
	if what == "decision" && !p.Decided() {
		// The page offers it only once decided; a stale page says why.
		return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#announce-h", "projects.err_not_decided")
	}
	ctx := c.Request().Context()
	timeline, err := h.projects.ProjectTimeline(ctx, p.ID)
	if err != nil {
		return err
	}
	in := notice.Input{Kind: models.NoticeUpdate, Translations: models.Translations{}}
	link := h.baseURL + paths.PublicProject(a.Handle, p.ID)
	// One version per language the project is written in, its words
	// around the project's text in that language.
	for _, tag := range p.Languages() {
		if !a.HasLanguage(tag) {
			continue // a language the account no longer publishes in
		}
		title, body := announcement(tag, what, p, timeline, link, h.loc)
		if title == "" {
			return echo.NewHTTPError(http.StatusBadRequest, "unknown announcement")
		}
		in.Translations.Set(tag, "title", title)
		in.Translations.Set(tag, "body", body)
	}
	n, err := h.notices.CreateNotice(ctx, m, a, in)
	if err != nil {
		return err
	}
	return redirect(c, paths.Notice(m.Org.ID, a.Handle, n.ID), "projects.announcement_drafted")
}

// announcement writes the title and Markdown body of a notice about p in
// the project's language lang (the words around the project's texts in
// the interface language nearest to it).
func announcement(lang, what string, p *models.Project, timeline []models.ProjectEvent, link string, loc *time.Location) (string, string) {
	l := i18n.UILang(lang)
	var title, lead string
	switch what {
	case "opening":
		title = i18n.T(l, "projects.notice_opening_title", p.Title(lang))
		if p.ClosesAt != nil {
			lead = i18n.T(l, "projects.notice_opening_body", p.ClosesAt.In(loc).Format("2006-01-02 15:04"))
		}
	case "decision":
		title = i18n.T(l, "projects.notice_decision_title", p.Title(lang))
		for i := len(timeline) - 1; i >= 0; i-- {
			if note := timeline[i].Note(lang, p.DefaultLang); note != "" {
				lead = note
				break
			}
		}
	case "summary":
		title = i18n.T(l, "projects.notice_summary_title", p.Title(lang))
		lead = p.Result(lang)
	default:
		return "", ""
	}
	parts := []string{}
	for _, s := range []string{p.Summary(lang), lead} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	parts = append(parts, "["+i18n.T(l, "projects.notice_link")+"]("+link+")")
	return title, strings.Join(parts, "\n\n")
}

func (h *projects) confirmDelete(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	counts, err := h.projects.FeedbackCounts(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	var answers int64
	for _, s := range models.FeedbackStatuses() {
		answers += counts[s]
	}
	return render(c, http.StatusOK, templates.ProjectDeleteConfirm(m, a, p, answers))
}

func (h *projects) remove(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	if err := h.projects.DeleteProject(c.Request().Context(), m, a, p.ID); err != nil {
		return err
	}
	return redirect(c, paths.Projects(m.Org.ID, a.Handle), "projects.deleted")
}
