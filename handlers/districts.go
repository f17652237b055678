package handlers

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// districtsArea is the organization's districts page: the list with
// followers per district, the map, the import, renames, deletes and
// the CAP geocode value name.
type districtsArea struct {
	districts *district.Service
	followers *follower.Service
	accounts  *account.Service
	orgs      *org.Service
	tileURL   string
}

func registerDistricts(g *echo.Group, s *studio) {
	h := &districtsArea{districts: s.districts, followers: s.followers, accounts: s.accounts, orgs: s.orgs, tileURL: s.tileURL}
	view, settings := need(models.PermView), need(models.PermManageSettings)
	g.GET("/districts", h.page, view)
	g.POST("/districts", h.importFile, settings)
	g.POST("/districts/geocode", h.saveGeocode, settings)
	g.POST("/districts/:district", h.rename, settings)
	g.GET("/districts/:district/delete", h.confirmDelete, settings)
	g.POST("/districts/:district/delete", h.delete, settings)
}

func (h *districtsArea) page(c echo.Context) error {
	return h.render(c, http.StatusOK, templates.DistrictsForm{GeocodeName: member(c).Org.GeocodeName})
}

// render shows the page with the form state f (a refused file, a
// rename's or the geocode name's errors).
func (h *districtsArea) render(c echo.Context, status int, f templates.DistrictsForm) error {
	m := member(c)
	ctx := c.Request().Context()
	all, err := h.districts.List(ctx, m.Org.ID)
	if err != nil {
		return err
	}
	counts, err := h.followers.DistrictFollowers(ctx, m.Org.ID)
	if err != nil {
		return err
	}
	langs, err := h.langs(c)
	if err != nil {
		return err
	}
	lang := string(langOf(c))
	v := templates.DistrictsView{Langs: langs, Form: f}
	shapes := make([]templates.DistrictShape, 0, len(all))
	for _, d := range all {
		v.Districts = append(v.Districts, templates.DistrictRow{District: d.District, Followers: counts[d.ID]})
		shapes = append(shapes, templates.DistrictShape{ID: d.ID, Name: d.NameIn(lang), Geometry: d.Polygons})
	}
	if len(shapes) > 0 {
		v.Map = templates.NewMapView(area.Area{}, shapes, h.tileURL, "", "")
	}
	return render(c, status, templates.DistrictsPage(m, v))
}

// langs are the languages districts are named in: those of the
// organization's accounts, or the interface's when it has none.
func (h *districtsArea) langs(c echo.Context) ([]string, error) {
	accounts, err := h.accounts.OrgAccounts(c.Request().Context(), member(c))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range accounts {
		for _, l := range a.LangList() {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	if len(out) == 0 {
		for _, l := range i18n.Langs() {
			out = append(out, string(l))
		}
	}
	return out, nil
}

// refused is the page again with why the file was not imported.
func (h *districtsArea) refused(c echo.Context, status int, p *area.Problem) error {
	return h.render(c, status, templates.DistrictsForm{GeocodeName: member(c).Org.GeocodeName, Problem: p, Replace: c.FormValue("replace") == "on"})
}

// importFile imports the uploaded file. With "replace" ticked and
// districts to delete, it first shows what would go and asks again; the
// confirmation carries the file's text (field geojson) and "confirm".
func (h *districtsArea) importFile(c echo.Context) error {
	m := member(c)
	ctx := c.Request().Context()
	replace := c.FormValue("replace") == "on"
	confirmed := c.FormValue("confirm") != ""
	var data []byte
	if confirmed {
		data = []byte(c.FormValue("geojson"))
	} else {
		fh, err := c.FormFile("file")
		switch {
		case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
			return h.refused(c, http.StatusUnprocessableEntity, &area.Problem{Key: "district.err_no_file"})
		case errors.As(err, new(*http.MaxBytesError)):
			return h.refused(c, http.StatusRequestEntityTooLarge, &area.Problem{Key: "district.err_too_big", Args: []any{district.MaxFileBytes >> 20}})
		case err != nil:
			// A body that is not the form's multipart (cut short, made by
			// hand) is the sender's mistake, not the server's.
			return h.refused(c, http.StatusBadRequest, &area.Problem{Key: "district.err_no_file"})
		case fh.Size > district.MaxFileBytes:
			return h.refused(c, http.StatusRequestEntityTooLarge, &area.Problem{Key: "district.err_too_big", Args: []any{district.MaxFileBytes >> 20}})
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err = io.ReadAll(io.LimitReader(f, district.MaxFileBytes+1))
		f.Close()
		if err != nil {
			return err
		}
	}
	if len(data) > district.MaxFileBytes {
		return h.refused(c, http.StatusRequestEntityTooLarge, &area.Problem{Key: "district.err_too_big", Args: []any{district.MaxFileBytes >> 20}})
	}
	if replace && !confirmed {
		dropped, err := h.districts.Dropped(ctx, m, m.Org.ID, data)
		if p, ok := asProblem(err); ok {
			return h.refused(c, http.StatusUnprocessableEntity, p)
		}
		if err != nil {
			return err
		}
		if len(dropped) > 0 {
			counts, err := h.followers.DistrictFollowers(ctx, m.Org.ID)
			if err != nil {
				return err
			}
			var followers int64
			for _, d := range dropped {
				followers += counts[d.ID]
			}
			return render(c, http.StatusOK, templates.DistrictsReplace(m, dropped, followers, string(data)))
		}
	}
	_, err := h.districts.Import(ctx, m, m.Org.ID, data, replace)
	if p, ok := asProblem(err); ok {
		return h.refused(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	if err := h.relocate(c, m); err != nil {
		return err
	}
	return redirect(c, paths.Districts(m.Org.ID), "district.imported")
}

func asProblem(err error) (*area.Problem, bool) {
	var p *area.Problem
	ok := errors.As(err, &p)
	return p, ok
}

// find is the organization's district :district, or ErrNotFound.
func (h *districtsArea) find(c echo.Context) (*district.Shape, error) {
	id, err := parseID(c, "district")
	if err != nil {
		return nil, err
	}
	all, err := h.districts.List(c.Request().Context(), member(c).Org.ID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, models.ErrNotFound
}

// rename sets the district's name in each language the form has a field
// for (name.<tag>); names in other languages stay.
func (h *districtsArea) rename(c echo.Context) error {
	m := member(c)
	d, err := h.find(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	names := d.Translations.Clone()
	if names == nil {
		names = models.Translations{}
	}
	for key, vals := range form {
		l, ok := strings.CutPrefix(key, "name.")
		if !ok || len(vals) == 0 || !knownLang(l) {
			continue
		}
		if n := strings.TrimSpace(vals[0]); n != "" {
			names.Set(l, "name", n)
		} else if names[l] != nil {
			delete(names[l], "name")
		}
	}
	err = h.districts.Rename(c.Request().Context(), m, m.Org.ID, d.ID, names)
	if v, ok := models.AsValidation(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, templates.DistrictsForm{GeocodeName: m.Org.GeocodeName,
			RenameID: d.ID, RenameNames: names, RenameErrors: v.Fields})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Districts(m.Org.ID), "district.renamed")
}

// knownLang reports whether l is a content or interface language.
func knownLang(l string) bool {
	if _, ok := i18n.Parse(l); ok && slices.Contains(i18n.Langs(), i18n.Lang(l)) {
		return true
	}
	tag, ok := i18n.CanonicalTag(l)
	return ok && tag == l
}

func (h *districtsArea) confirmDelete(c echo.Context) error {
	m := member(c)
	d, err := h.find(c)
	if err != nil {
		return err
	}
	counts, err := h.followers.DistrictFollowers(c.Request().Context(), m.Org.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.DistrictDelete(m, d.District, counts[d.ID]))
}

func (h *districtsArea) delete(c echo.Context) error {
	m := member(c)
	id, err := parseID(c, "district")
	if err != nil {
		return err
	}
	if err := h.districts.Delete(c.Request().Context(), m, m.Org.ID, id); err != nil {
		return err
	}
	if err := h.relocate(c, m); err != nil {
		return err
	}
	return redirect(c, paths.Districts(m.Org.ID), "district.deleted")
}

func (h *districtsArea) saveGeocode(c echo.Context) error {
	m := member(c)
	name := c.FormValue("geocode_name")
	err := h.orgs.SetGeocodeName(c.Request().Context(), m, name)
	if v, ok := models.AsValidation(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, templates.DistrictsForm{GeocodeName: name, GeocodeErrors: v.Fields})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Districts(m.Org.ID), "flash.saved")
}

// relocate works out again which district each follower's place is in,
// now that the districts changed.
func (h *districtsArea) relocate(c echo.Context, m *models.Member) error {
	ctx := c.Request().Context()
	accounts, err := h.accounts.OrgAccounts(ctx, m)
	if err != nil {
		return err
	}
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	_, err = h.followers.RelocatePlaces(ctx, m, ids, h.districts)
	return err
}
