package handlers

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/templates"
)

// publicNotices serves notices to citizens: lists, pages, alerts in force
// and the Atom feed.
type publicNotices struct {
	store   *models.Store
	baseURL string
}

func registerPublicNotices(e *echo.Echo, h *publicNotices) {
	e.GET("/alerts", h.allAlerts)
	e.GET("/@:handle/notices", h.list)
	e.GET("/@:handle/notices.atom", h.atom)
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

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string       `xml:"id"`
	Title     string       `xml:"title"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published,omitempty"`
	Link      atomLink     `xml:"link"`
	Category  *atomCat     `xml:"category,omitempty"`
	Content   atomText     `xml:"content"`
	Lang      string       `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	Summary   *atomText    `xml:"summary,omitempty"`
	Authors   []atomAuthor `xml:"author,omitempty"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

// atom is an account's notices as an Atom feed, newest first, in the
// reader's language (?lang=).
func (h *publicNotices) atom(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.store.AccountByHandle(ctx, c.Param("handle"))
	if err != nil {
		return err
	}
	list, _, err := h.store.PublicNotices(ctx, a.ID, models.Page{Number: 1, Size: 50})
	if err != nil {
		return err
	}
	lang := readerLang(c)
	host := h.baseURL
	updated := a.UpdatedAt
	for _, n := range list {
		if n.UpdatedAt.After(updated) {
			updated = n.UpdatedAt
		}
	}
	feed := atomFeed{
		ID:      fmt.Sprintf("%s/@%s/notices", host, a.Handle),
		Title:   a.LocalName(lang),
		Updated: updated.UTC().Format(time.RFC3339),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: fmt.Sprintf("%s/@%s/notices.atom", host, a.Handle)},
			{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s/@%s", host, a.Handle)}},
		Author: atomAuthor{Name: a.OrgName},
	}
	for i := range list {
		n := &list[i]
		url := fmt.Sprintf("%s/@%s/notices/%d", host, a.Handle, n.ID)
		e := atomEntry{
			ID: url, Title: n.Title(lang), Updated: n.UpdatedAt.UTC().Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Type: "text/html", Href: url}, Category: &atomCat{Term: n.Kind},
			Content: atomText{Type: "html", Body: markdown.HTML(n.Body(lang))}, Lang: n.Language(lang),
		}
		if n.PublishedAt != nil {
			e.Published = n.PublishedAt.UTC().Format(time.RFC3339)
		}
		feed.Entries = append(feed.Entries, e)
	}
	etag := fmt.Sprintf(`"%d-%d-%s"`, len(list), updated.UnixNano(), lang)
	hdr := c.Response().Header()
	hdr.Set("ETag", etag)
	hdr.Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	hdr.Set("Cache-Control", "public, max-age=60")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return fmt.Errorf("atom feed: %w", err)
	}
	return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), out...))
}
