package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// gtfsArea is the studio page of an account's GTFS static feed (upload,
// summary) and the autocomplete searches of its routes and stops.
type gtfsArea struct {
	gtfs *gtfs.Service
	orgs *org.Service
}

// gtfsSearchLimit is the most results an autocomplete search returns;
// gtfsSampleSize how many routes the page shows.
const (
	gtfsSearchLimit = 20
	gtfsSampleSize  = 10
)

func registerGTFS(acc accountRoutes, s *studio) {
	h := &gtfsArea{gtfs: s.gtfs, orgs: s.orgs}
	view, write := need(models.PermView), need(models.PermWrite)
	acc.GET("/gtfs", h.page, view)
	acc.POST("/gtfs", h.upload, write)
	acc.GET("/gtfs/routes", h.routes, view)
	acc.GET("/gtfs/stops", h.stops, view)
}

func (h *gtfsArea) page(c echo.Context) error {
	return h.render(c, http.StatusOK, nil)
}

// render shows the page with the current feed and, after a refused
// upload, why.
func (h *gtfsArea) render(c echo.Context, status int, refused *gtfs.ImportError) error {
	m, a := member(c), studioAccount(c)
	ctx := c.Request().Context()
	feed, err := h.gtfs.Feed(ctx, m, a)
	if err != nil {
		return err
	}
	v := templates.GTFSView{Account: a, Feed: feed, Error: refused}
	if feed != nil {
		if v.Sample, err = h.gtfs.Routes(ctx, a.ID, "", gtfsSampleSize); err != nil {
			return err
		}
		if feed.ImportedBy != nil {
			if u, err := h.orgs.UserByID(ctx, *feed.ImportedBy); err == nil {
				v.ImportedBy = u.DisplayName()
			} else if !errors.Is(err, models.ErrNotFound) {
				return err
			}
		}
	}
	return render(c, status, templates.GTFSPage(m, v))
}

func (h *gtfsArea) upload(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	fh, err := c.FormFile("file")
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return h.render(c, http.StatusUnprocessableEntity, &gtfs.ImportError{Key: "gtfsfeed.err_no_file"})
	case errors.As(err, new(*http.MaxBytesError)):
		return h.render(c, http.StatusRequestEntityTooLarge, &gtfs.ImportError{Key: "gtfsfeed.err_too_big", Args: []any{gtfs.MaxZipBytes >> 20}})
	case err != nil:
		// A body that is not the form's multipart (cut short, made by
		// hand) is the sender's mistake, not the server's.
		return h.render(c, http.StatusBadRequest, &gtfs.ImportError{Key: "gtfsfeed.err_no_file"})
	case fh.Size > gtfs.MaxZipBytes:
		return h.render(c, http.StatusRequestEntityTooLarge, &gtfs.ImportError{Key: "gtfsfeed.err_too_big", Args: []any{gtfs.MaxZipBytes >> 20}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = h.gtfs.Import(c.Request().Context(), m, a, fh.Filename, f, fh.Size)
	if e, ok := gtfs.AsImportError(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, e)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.GTFS(m.Org.ID, a.Handle), "gtfsfeed.done")
}

// searchQuery is the autocomplete's text, at most 100 characters.
func searchQuery(c echo.Context) string {
	q := strings.TrimSpace(c.QueryParam("q"))
	if r := []rune(q); len(r) > 100 {
		q = string(r[:100])
	}
	return q
}

// routes answers the routes input's autocomplete: JSON, at most 20.
func (h *gtfsArea) routes(c echo.Context) error {
	list, err := h.gtfs.Routes(c.Request().Context(), studioAccount(c).ID, searchQuery(c), gtfsSearchLimit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

// stops answers the stops input's autocomplete: JSON, at most 20.
func (h *gtfsArea) stops(c echo.Context) error {
	list, err := h.gtfs.Stops(c.Request().Context(), studioAccount(c).ID, searchQuery(c), gtfsSearchLimit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}
