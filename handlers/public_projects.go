package handlers

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/templates"
)

// publicProjects serves projects to citizens: the lists, a project's
// page with its feedback form and results, and reports of comments.
type publicProjects struct {
	store         *models.Store
	feedbackLimit int
	tileURL       string
	// reporterKey makes the identity a report is counted under.
	reporterKey []byte
}

// contactLimit is how many answers one e-mail address or phone number
// may send per hour, whatever address they come from.
const contactLimit = 5

func registerPublicProjects(e *echo.Echo, h *publicProjects) {
	e.GET("/projects", h.cityList)
	e.GET("/@:handle/projects", h.accountList)
	e.GET("/@:handle/projects/:id", h.show)
	e.POST("/@:handle/projects/:id/feedback", h.submit)
	e.GET("/@:handle/projects/:id/thanks", h.thanks)
	e.POST("/@:handle/projects/:id/comments/:feedback/report", h.report)
}

func (h *publicProjects) cityList(c echo.Context) error {
	page := pageParam(c)
	list, total, err := h.store.PublicProjects(c.Request().Context(), 0, page)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.RequestURI()}
	return render(c, http.StatusOK, templates.PublicProjectList(nil, list, pager, h.store.Now()))
}

func (h *publicProjects) accountList(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AccountByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	page := pageParam(c)
	list, total, err := h.store.PublicProjects(ctx, a.ID, page)
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
	return h.store.PublicProjectByID(c.Request().Context(), c.Param("handle"), id)
}

// view gathers the project page.
func (h *publicProjects) view(c echo.Context, p *models.PublicProject, form templates.FeedbackForm) (templates.ProjectView, error) {
	ctx := c.Request().Context()
	v := templates.ProjectView{Project: p, Form: form, Now: h.store.Now(), Map: templates.MapOf(h.tileURL, p.Latitude, p.Longitude)}
	var err error
	if v.Timeline, err = h.store.ProjectTimeline(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Files, err = h.store.ProjectFiles(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Questions, err = h.store.ProjectQuestions(ctx, p.ID); err != nil {
		return v, err
	}
	if v.Results, err = h.store.ProjectResults(ctx, p.ID); err != nil {
		return v, err
	}
	page := pageParam(c)
	if v.Comments, v.CommentCount, err = h.store.PublishedFeedback(ctx, p.ID, page); err != nil {
		return v, err
	}
	v.Pager = templates.Pager{Page: page.Number, Size: page.Limit(), Total: v.CommentCount,
		BaseURL: "/@" + p.Handle + "/projects/" + strconv.FormatInt(p.ID, 10) + "?page=1#comments"}
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
	return render(c, http.StatusOK, templates.ProjectPage(v))
}

// honeypot is the name of a field hidden from people (and labelled "leave
// this empty" for screen readers); bots fill in every field they see.
const honeypot = "website"

func (h *publicProjects) submit(c echo.Context) error {
	p, err := h.project(c)
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
		District: form.District, Consent: form.Consent, Lang: string(templates.EnvOf(ctx).Lang), Answers: map[int64][]string{}}
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
		return c.Redirect(http.StatusSeeOther, h.thanksURL(p, false))
	}
	if ok, _, err := h.store.Hit(ctx, "feedback:ip:"+clientOf(c), h.feedbackLimit, time.Hour); err != nil {
		return err
	} else if !ok {
		form.Errors["form"] = "feedback.err_rate_ip"
		return back(http.StatusTooManyRequests)
	}
	// The contact's limit counts answers stored, not attempts: a citizen
	// fixing a typo five times is not abuse.
	contactKey, _ := models.ContactKey(form.Contact)
	if contactKey != "" {
		if blocked, _, err := h.store.Blocked(ctx, "feedback:contact:"+contactKey, contactLimit); err != nil {
			return err
		} else if blocked {
			form.Errors["form"] = "feedback.err_rate_contact"
			return back(http.StatusTooManyRequests)
		}
	}
	sub, err := h.store.SubmitFeedback(ctx, p, in)
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
	if contactKey != "" {
		if _, _, err := h.store.Hit(ctx, "feedback:contact:"+contactKey, contactLimit, time.Hour); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, h.thanksURL(p, sub.Updated))
}

func (h *publicProjects) thanksURL(p *models.PublicProject, updated bool) string {
	u := "/@" + p.Handle + "/projects/" + strconv.FormatInt(p.ID, 10) + "/thanks"
	if updated {
		u += "?updated=1"
	}
	return u
}

func (h *publicProjects) thanks(c echo.Context) error {
	p, err := h.project(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FeedbackThanks(p, c.QueryParam("updated") == "1"))
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
	if ok, _, err := h.store.Hit(ctx, "report:ip:"+client, h.feedbackLimit, time.Hour); err != nil {
		return err
	} else if !ok {
		return echo.NewHTTPError(http.StatusTooManyRequests)
	}
	// A keyed hash, so a copy of the database cannot be matched against
	// the few billion IPv4 addresses to learn who reported what.
	reporter := hex.EncodeToString(keyedHash(h.reporterKey, "report", client)[:16])
	if err := h.store.ReportFeedback(ctx, p.ID, id, reporter); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/@"+p.Handle+"/projects/"+strconv.FormatInt(p.ID, 10)+"?reported=1#comments")
}
