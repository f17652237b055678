package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// publicProjects serves projects to citizens: the lists, a project's
// page with its feedback form and results, and reports of comments.
type publicProjects struct {
	// answering keeps the consultations citizens answer.
	answering *consultations
	store     *models.Store
	accounts  *account.Service
	projects  *project.Service
	media     *media.Service
	links     *mailer.Links
	tileURL   string
	// districts draw the project's area among its organization's.
	districts *district.Service
}

// feedbackRoute is where citizens post their answers.
const feedbackRoute = "/@:handle/projects/:id/feedback"

func registerPublicProjects(e *echo.Echo, h *publicProjects) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/projects", h.cityList)
	pub.GET("/projects", h.accountList)
	e.GET("/@:handle/projects/:id", h.show)
	e.POST(feedbackRoute, h.submit)
	e.GET("/@:handle/projects/:id/thanks", h.thanks)
	e.POST("/@:handle/projects/:id/comments/:feedback/report", h.report)
	e.GET("/answers/confirm/:token", h.confirmPage)
	e.POST("/answers/confirm/:token", h.confirm)
}

func (h *publicProjects) cityList(c echo.Context) error {
	page := pageParam(c)
	list, total, err := h.projects.PublicProjects(c.Request().Context(), 0, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.PublicProjectList(nil, list, pager, h.store.Now()))
}

func (h *publicProjects) accountList(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	page := pageParam(c)
	list, total, err := h.projects.PublicProjects(ctx, a.ID, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.PublicProjectList(a, list, pager, h.store.Now()))
}

func (h *publicProjects) project(c echo.Context) (*models.PublicProject, error) {
	id, err := parseID(c, "id")
	if err != nil {
		return nil, err
	}
	return h.projects.PublicProjectByID(c.Request().Context(), c.Param("handle"), id)
}

// view gathers the project page.
func (h *publicProjects) view(c echo.Context, p *models.PublicProject, form templates.FeedbackForm) (templates.ProjectView, error) {
	ctx := c.Request().Context()
	v := templates.ProjectView{Project: p, Lang: projectReaderLang(c, p), Form: form, Now: h.store.Now(), Map: templates.MapOf(h.tileURL, p.Latitude, p.Longitude)}
	var err error
	if p.Area != "" {
		acc, err := h.accounts.AccountByID(ctx, p.AccountID)
		if err != nil {
			return v, err
		}
		if v.Where, err = areaView(ctx, h.districts, h.tileURL, acc.OrgID(), p.Area); err != nil {
			return v, err
		}
	}
	if v.Timeline, err = h.projects.ProjectTimeline(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Files, err = h.media.ProjectFiles(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Questions, err = h.projects.ProjectQuestions(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Results, err = h.projects.ProjectResults(ctx, p.ID); err != nil {
		return v, err
	}
	page := pageParam(c)
	if v.Comments, v.CommentCount, err = h.projects.PublishedFeedback(ctx, p.ID, page); err != nil {
		return v, err
	}
	v.Pager = templates.Pager{Page: page.Number, Size: page.Limit(), Total: v.CommentCount,
		BaseURL: paths.PublicProject(p.Handle, p.ID) + "?page=1#comments"}
	return v, nil
}

func (h *publicProjects) show(c echo.Context) error {
	p, err := h.project(c)
	if err != nil {
		return err
	}
	v, err := h.view(c, p, templates.FeedbackForm{Errors: map[string]string{}, Answers: map[string][]string{}})
	if err != nil {
		return err
	}
	v.Reported = c.QueryParam("reported") == "1"
	env := templates.EnvOf(c.Request().Context())
	env.Alternates = p.Languages()
	env.Share = &templates.Share{Title: p.Title(v.Lang), Description: templates.ShareText(p.Summary(v.Lang)),
		Path: paths.PublicProject(p.Handle, p.ID), Image: projectImage(v.Files), Type: "article"}
	return render(c, http.StatusOK, templates.ProjectPage(v))
}

// projectReaderLang is the language a reader of p asked for: a version of the
// project that ?lang= (or the feedback form's content_lang) names, even
// one the interface does not speak, else the interface's language.
func projectReaderLang(c echo.Context, p *models.PublicProject) string {
	for _, q := range []string{c.QueryParam("lang"), c.FormValue("content_lang")} {
		if tag, ok := i18n.CanonicalTag(q); ok && p.HasLanguage(tag) {
			return tag
		}
	}
	return string(langOf(c))
}

// honeypot is the name of a field hidden from people (and labelled "leave
// this empty" for screen readers); bots fill in every field they see.
const honeypot = "website"

func (h *publicProjects) submit(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	p, questions, err := h.answering.get(c.Request().Context(), c.Param("handle"), id)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	params, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	form := templates.FeedbackForm{
		Stance: params.Get("stance"), Comment: params.Get("comment"), Name: params.Get("name"), Contact: params.Get("contact"),
		District: params.Get("district"), Consent: params.Get("consent") == "on", Errors: map[string]string{}, Answers: map[string][]string{},
	}
	in := models.FeedbackInput{Stance: form.Stance, Comment: form.Comment, Name: form.Name, Contact: form.Contact,
		District: form.District, Consent: form.Consent, Lang: projectReaderLang(c, p), Answers: map[int64][]string{},
		Client: clientOf(c)}
	for key, vals := range params {
		if id, err := strconv.ParseInt(strings.TrimPrefix(key, "q"), 10, 64); err == nil && strings.HasPrefix(key, "q") && id > 0 {
			in.Answers[id] = vals
			form.Answers[key] = vals
		}
	}
	back := func(status int) error {
		v, err := h.view(c, p, form)
		if err != nil {
			return err
		}
		return render(c, status, templates.ProjectPage(v))
	}
	if params.Get(honeypot) != "" {
		// Looks like success to the bot; nothing is stored.
		return c.Redirect(http.StatusSeeOther, h.thanksURL(p))
	}
	sub, err := h.projects.SubmitFeedbackTo(ctx, p, questions, in)
	if l, ok := models.AsLimit(err); ok {
		form.Errors["form"] = "feedback.err_rate_ip"
		if l.Limit.Key == h.store.Limits().FeedbackPerContact.Key {
			form.Errors["form"] = "feedback.err_rate_contact"
		}
		return back(http.StatusTooManyRequests)
	}
	if errors.Is(err, models.ErrConsultationClosed) {
		form.Errors["form"] = "feedback.err_closed"
		return back(http.StatusConflict)
	}
	if v, ok := models.AsValidation(err); ok {
		form.Errors = v.Fields
		return back(http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	if sub.Feedback.Status == models.FeedbackPublished {
		// The project's page shows it now, on this instance at once.
		h.answering.changed()
	}
	// The same redirect and page whether the contact had answered before
	// or not: anyone can type a contact, and must not learn that its
	// owner took part.
	return c.Redirect(http.StatusSeeOther, h.thanksURL(p))
}

func (h *publicProjects) thanksURL(p *models.PublicProject) string {
	return paths.PublicProject(p.Handle, p.ID) + "/thanks"
}

func (h *publicProjects) thanks(c echo.Context) error {
	p, err := h.project(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FeedbackThanks(p))
}

// revision verifies the signed link of an answer revision and loads it;
// ok is false when the page explaining a bad, expired or spent link was
// written.
func (h *publicProjects) revision(c echo.Context) (*models.AnswerRevision, bool, error) {
	id, err := h.links.Verify(mailer.PurposeAnswer, c.Param("token"))
	switch {
	case errors.Is(err, auth.ErrExpired):
		return nil, false, render(c, http.StatusGone, templates.LinkProblem("link.expired_title", "answers.link_expired"))
	case err != nil:
		return nil, false, render(c, http.StatusBadRequest, templates.LinkProblem("link.bad_title", "link.bad"))
	}
	r, err := h.projects.AnswerRevisionByID(c.Request().Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, false, render(c, http.StatusGone, templates.LinkProblem("link.used_title", "answers.link_used"))
	}
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// confirmPage shows the new answer beside the earlier one and asks for a
// click: mail systems open every link in a message to check it, and must
// not replace an answer on the person's behalf.
func (h *publicProjects) confirmPage(c echo.Context) error {
	r, ok, err := h.revision(c)
	if !ok {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	switch {
	case r.Revision.RevisionState == models.RevisionCurrent:
		return render(c, http.StatusOK, templates.AnswerConfirmed(r.Project))
	case !r.Applies():
		return render(c, http.StatusGone, templates.LinkProblem("link.used_title", "answers.link_used"))
	case !r.Project.Open(h.store.Now()):
		return render(c, http.StatusConflict, templates.LinkProblem("answers.closed_title", "answers.closed"))
	}
	return render(c, http.StatusOK, templates.AnswerConfirmAsk(r, c.Request().URL.Path))
}

func (h *publicProjects) confirm(c echo.Context) error {
	r, ok, err := h.revision(c)
	if !ok {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if r.Revision.RevisionState == models.RevisionCurrent {
		// A second click: done already.
		return render(c, http.StatusOK, templates.AnswerConfirmed(r.Project))
	}
	_, err = h.projects.ConfirmAnswerRevision(c.Request().Context(), r.Revision.ID)
	switch {
	case errors.Is(err, models.ErrLinkUsed), errors.Is(err, models.ErrNotFound):
		return render(c, http.StatusGone, templates.LinkProblem("link.used_title", "answers.link_used"))
	case errors.Is(err, models.ErrConsultationClosed):
		return render(c, http.StatusConflict, templates.LinkProblem("answers.closed_title", "answers.closed"))
	case err != nil:
		return err
	}
	return render(c, http.StatusOK, templates.AnswerConfirmed(r.Project))
}

// report counts a citizen's report of a published comment; the reporter
// is known only by a keyed hash of their client address (an IPv6 /64), so
// one person counts once.
func (h *publicProjects) report(c echo.Context) error {
	p, err := h.project(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "feedback")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	client := clientOf(c)
	// A keyed hash, so a copy of the database cannot be matched against
	// the few billion IPv4 addresses to learn who reported what.
	reporter := h.links.Signer.Digest("report-client", client)
	form := templates.ReportForm{CommentID: id, Reason: c.FormValue("reason"), Note: c.FormValue("note")}
	err = h.projects.ReportFeedbackWhy(ctx, p.ID, id, reporter, form.Reason, form.Note)
	if v, ok := models.AsValidation(err); ok {
		form.Errors = v.Fields
		return render(c, http.StatusUnprocessableEntity, templates.ReportPage(p, form))
	}
	if errors.Is(err, models.ErrLimited) {
		return echo.NewHTTPError(http.StatusTooManyRequests)
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, paths.PublicProject(p.Handle, p.ID)+"?reported=1#comments")
}

// projectImage is the address of a project's first image, the picture of
// its link preview, or "" when it has none.
func projectImage(files []media.ProjectFile) string {
	for _, f := range files {
		if f.Kind == "image" {
			return paths.Media(f.MediaPublicID)
		}
	}
	return ""
}
