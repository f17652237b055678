package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// publicNotices serves notices to citizens: lists, pages and the alerts in
// force (the feeds are in feeds.go).
type publicNotices struct {
	store     *models.Store
	notices   *notice.Service
	accounts  *account.Service
	districts *district.Service
	tileURL   string
}

func registerPublicNotices(e *echo.Echo, h *publicNotices) {
	pub := newPublicAccountRoutes(e, h.accounts)
	e.GET("/alerts", h.allAlerts)
	pub.GET("/notices", h.list)
	pub.GET("/notices/:id", h.show)
	pub.GET("/alerts", h.alerts)
}

// readerLang is the language a notice is read in: ?lang= when it names
// one, else the page's language.
func readerLang(c echo.Context) string {
	// Any content language the list knows, even one the interface does
	// not speak (?lang=ms shows a Malay version in an English page).
	if tag, ok := i18n.CanonicalTag(c.QueryParam("lang")); ok {
		return tag
	}
	return string(templates.EnvOf(c.Request().Context()).Lang)
}

func (h *publicNotices) list(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	page := pageParam(c)
	list, total, err := h.notices.PublicNotices(ctx, a.ID, page)
	if err != nil {
		return err
	}
	templates.EnvOf(ctx).Feed = paths.NoticesFeed(a.Handle)
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: c.Request().URL.Path}
	return render(c, http.StatusOK, templates.PublicNoticeList(a, list, pager))
}

func (h *publicNotices) show(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.notices.PublicNotice(ctx, a.ID, id)
	if err != nil {
		return err
	}
	templates.EnvOf(ctx).Alternates = n.Languages()
	where, err := areaView(ctx, h.districts, h.tileURL, a.OrgID(), n.Area)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.PublicNotice(a, n, readerLang(c), where))
}

func (h *publicNotices) alerts(c echo.Context) error {
	ctx, a := c.Request().Context(), publicAccount(c)
	list, err := h.notices.ActiveAlerts(ctx, a.ID, h.store.Now(), 100)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AlertsPage(a, list))
}

func (h *publicNotices) allAlerts(c echo.Context) error {
	list, err := h.notices.ActiveAlerts(c.Request().Context(), 0, h.store.Now(), 200)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AlertsPage(nil, list))
}
