package handlers

import (
	"context"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/templates"
)

// districtShapes are the organization's districts as the map components
// take them, named in lang.
func districtShapes(ctx context.Context, districts *district.Service, orgID int64, lang string) ([]templates.DistrictShape, error) {
	ds, err := districts.List(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]templates.DistrictShape, len(ds))
	for i, d := range ds {
		out[i] = templates.DistrictShape{ID: d.ID, Name: d.NameIn(lang), Geometry: d.Polygons}
	}
	return out, nil
}

// areaForm is the area section of an editor: the districts to tick, the
// map, and the shapes as GeoJSON. stored is the checked area; posted ids
// and text, when there are any, are what staff sent and are shown back
// as they were (a refused GeoJSON is kept to fix).
func areaForm(c echo.Context, districts *district.Service, tileURL string, a *models.Account, stored *area.Area, postedIDs []string, postedGeoJSON string) (templates.AreaForm, error) {
	ctx := c.Request().Context()
	lang := string(templates.EnvOf(ctx).Lang)
	shapes, err := districtShapes(ctx, districts, a.OrgID(), lang)
	if err != nil {
		return templates.AreaForm{}, err
	}
	ar := area.Area{}
	if stored != nil {
		ar = *stored
	}
	f := templates.AreaForm{Districts: shapes, Chosen: map[int64]bool{}, GeoJSON: postedGeoJSON}
	for _, id := range ar.Districts {
		f.Chosen[id] = true
	}
	for _, s := range postedIDs {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			f.Chosen[id] = true
		}
	}
	if f.GeoJSON == "" && ar.Shapes() {
		f.GeoJSON = templates.ShapesGeoJSON(ar)
	}
	shown := ar
	shown.Districts = nil
	for id := range f.Chosen {
		shown.Districts = append(shown.Districts, id)
	}
	slices.Sort(shown.Districts)
	caption := ""
	if !shown.IsZero() {
		caption = templates.AreaText(ctx, shown, shapes)
	}
	f.Map = templates.NewMapView(shown, shapes, tileURL, "", caption)
	return f, nil
}

// areaView is the map of a stored area (a notice's, a project's) among
// the organization's districts, with the area in words as its caption;
// nil when there is no area.
func areaView(ctx context.Context, districts *district.Service, tileURL string, orgID int64, stored string) (*templates.MapView, error) {
	a := area.MustParse(stored)
	if a.IsZero() {
		return nil, nil
	}
	shapes, err := districtShapes(ctx, districts, orgID, string(templates.EnvOf(ctx).Lang))
	if err != nil {
		return nil, err
	}
	v := templates.NewMapView(a, shapes, tileURL, "", templates.AreaText(ctx, a, shapes))
	return &v, nil
}
