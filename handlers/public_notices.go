package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/templates"
)

// publicNotices serves notices to citizens: lists, pages and the alerts in
// force (the feeds are in feeds.go).
type publicNotices struct {
	store *models.Store
}

func registerPublicNotices(e *echo.Echo, h *publicNotices) {
	e.GET("/alerts", h.allAlerts)
	e.GET("/@:handle/notices", h.list)
	e.GET("/@:handle/notices/:id", h.show)
	e.GET("/@:handle/alerts", h.alerts)
}

// readerLang is the language a notice is read in: ?lang= when it names
// one, else the page's language.
func readerLang(c echo.Context) string {
	switch c.QueryParam("lang") {
	case "en", "zh":
		return c.QueryParam("lang")
	}
	return string(templates.EnvOf(c.Request().Context()).Lang)
}

func (h *publicNotices) list(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AccountByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	page := pageParam(c)
	list, total, err := h.store.PublicNotices(ctx, a.ID, page)
	if err != nil {
		return err
	}
	templates.EnvOf(ctx).Feed = "/@" + a.Handle + "/notices.atom"
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.Path}
	return render(c, http.StatusOK, templates.PublicNoticeList(a, list, pager))
}

func (h *publicNotices) show(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AccountByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.PublicNotice(ctx, a.ID, id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.PublicNotice(a, n, readerLang(c)))
}

func (h *publicNotices) alerts(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AccountByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	list, err := h.store.ActiveAlerts(ctx, a.ID, h.store.Now(), 100)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AlertsPage(a, list))
}

func (h *publicNotices) allAlerts(c echo.Context) error {
	list, err := h.store.ActiveAlerts(c.Request().Context(), 0, h.store.Now(), 200)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AlertsPage(nil, list))
}
