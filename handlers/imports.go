package handlers

import (
	"cmp"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/followerimport"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// imports is the CSV import of an account's followers.
type imports struct {
	followers *follower.Service
}

// importPageSize is how many rows of a preview one page shows.
const importPageSize = 100

// registerImports adds its routes to the studio's account routes; the
// handlers may use the studio's dependencies.
func registerImports(acc accountRoutes, s *studio) {
	h := &imports{followers: s.followers}
	// Importing writes followers, so even reading the previews (which show
	// a whole uploaded list) needs the write permission.
	write := need(models.PermWrite)
	acc.GET("/imports/new", h.form, write)
	acc.GET("/imports/example.csv", h.example, write)
	acc.POST("/imports", h.upload, write)
	acc.GET("/imports/:id", h.show, write)
	acc.POST("/imports/:id/apply", h.apply, write)
	acc.POST("/imports/:id/cancel", h.cancel, write)
}

// load resolves :handle and :id to an import of the member's organization.
func (h *imports) load(c echo.Context) (*models.Member, *models.Account, *follower.Import, error) {
	m, a := member(c), studioAccount(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	imp, err := h.followers.ImportByID(c.Request().Context(), m, a, id)
	return m, a, imp, err
}

// formPage is the upload form; channel is the one chosen ("" for the
// default, e-mail).
func (h *imports) formPage(c echo.Context, status int, m *models.Member, a *models.Account, channel string, csvErr *followerimport.CSVError) error {
	ctx := c.Request().Context()
	list, err := h.followers.ListImports(ctx, m, a, 20)
	if err != nil {
		return err
	}
	channels, err := h.followers.ImportChannels(ctx, a.ID)
	if err != nil {
		return err
	}
	return render(c, status, templates.ImportNew(m, templates.ImportForm{Account: a, Imports: list, Error: csvErr, Channels: channels, Channel: channel}))
}

func (h *imports) form(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	return h.formPage(c, http.StatusOK, m, a, "", nil)
}

// exampleCSV starts with a byte order mark so that Excel opens it as UTF-8
// and keeps it so when saved again.
const exampleCSV = "\ufeffaddress,name,language,tags,consent\r\n" +
	"ann.lee@example.org,Ann Lee,en,donor;north,2024-03-01\r\n" +
	"wang.fang@example.org,王芳,zh,donor|volunteer,2024-05-12 14:30\r\n" +
	"sam.okafor@example.org,\"Okafor, Sam\",en,,2025-01-20T09:00:00+08:00\r\n"

func (h *imports) example(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="followers-example.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(exampleCSV))
}

func (h *imports) upload(c echo.Context) error {
	m, a := member(c), studioAccount(c)
	fh, err := c.FormFile("file")
	// The channel as posted; CreateImportOn refuses one the account
	// cannot import on.
	channel := cmp.Or(c.FormValue("channel"), models.ChannelEmail)
	switch {
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		return h.formPage(c, http.StatusUnprocessableEntity, m, a, channel, &followerimport.CSVError{Key: "import.err.no_file"})
	case err != nil:
		return err
	case fh.Size > followerimport.MaxBytes:
		return h.formPage(c, http.StatusRequestEntityTooLarge, m, a, channel, &followerimport.CSVError{Key: "import.err.too_big", Args: []any{followerimport.MaxBytes >> 20}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, followerimport.MaxBytes+1))
	f.Close()
	if err != nil {
		return err
	}
	p, err := h.followers.CreateImportOn(c.Request().Context(), m, a, fh.Filename, channel, data)
	if e, ok := followerimport.AsCSVError(err); ok {
		return h.formPage(c, http.StatusUnprocessableEntity, m, a, channel, e)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Import(m.Org.ID, a.Handle, p.Import.ID), "")
}

func (h *imports) page(c echo.Context, status int, m *models.Member, a *models.Account, imp *follower.Import, closed bool) error {
	p, err := h.followers.PreviewImport(c.Request().Context(), m, a, imp)
	if err != nil {
		return err
	}
	v := templates.ImportView{Account: a, Preview: p, Closed: closed}
	if show := c.QueryParam("show"); slices.Contains(followerimport.Outcomes(), show) {
		v.Show = show
	}
	rows := p.Filter(v.Show)
	page := pageParam(c)
	page.Size = importPageSize
	v.Pager = templates.Pager{Page: page.Number, Size: importPageSize, Total: int64(len(rows)), BaseURL: c.Request().URL.RequestURI()}
	if closed {
		v.Pager.BaseURL = paths.Import(m.Org.ID, a.Handle, imp.ID)
	}
	if page.Offset() >= len(rows) && len(rows) > 0 {
		// Past the end (a filter with fewer rows, an edited URL): the last page.
		page.Number = v.Pager.Pages()
		v.Pager.Page = page.Number
	}
	start := min(page.Offset(), len(rows))
	v.Rows = rows[start:min(start+importPageSize, len(rows))]
	return render(c, status, templates.ImportPage(m, v))
}

func (h *imports) show(c echo.Context) error {
	m, a, imp, err := h.load(c)
	if err != nil {
		return err
	}
	return h.page(c, http.StatusOK, m, a, imp, false)
}

// closed shows the import as it is now, with a note that the request came
// after it was applied or cancelled.
func (h *imports) closed(c echo.Context, m *models.Member, a *models.Account, id int64) error {
	imp, err := h.followers.ImportByID(c.Request().Context(), m, a, id)
	if err != nil {
		return err
	}
	return h.page(c, http.StatusConflict, m, a, imp, true)
}

func (h *imports) apply(c echo.Context) error {
	m, a, imp, err := h.load(c)
	if err != nil {
		return err
	}
	_, err = h.followers.ApplyImport(c.Request().Context(), m, a, imp)
	if errors.Is(err, follower.ErrImportClosed) {
		return h.closed(c, m, a, imp.ID)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Import(m.Org.ID, a.Handle, imp.ID), "flash.import_applied")
}

func (h *imports) cancel(c echo.Context) error {
	m, a, imp, err := h.load(c)
	if err != nil {
		return err
	}
	err = h.followers.CancelImport(c.Request().Context(), m, a, imp)
	if errors.Is(err, follower.ErrImportClosed) {
		return h.closed(c, m, a, imp.ID)
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.NewImport(m.Org.ID, a.Handle), "flash.import_cancelled")
}
