package models

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/area"
)

// Where a notice goes when it has an area.
const (
	AreaScopeEveryone = "everyone"
	AreaScopeArea     = "area"
)

// AreaTarget is the part of a broadcast's audience chosen by place,
// worked out from its AreaSpec (models/district.Service.Target) so that
// choosing the audience is joins: followers who chose one of
// Districts, followers whose place falls in one of PlaceDistricts or in
// the stored cover named Cover, and, with Unlocated, followers who chose
// no area.
type AreaTarget struct {
	Districts      []int64
	PlaceDistricts []int64
	Cover          string
	Unlocated      bool
}

// District is a named area of an organization, imported from GeoJSON.
// Geometry is a GeoJSON MultiPolygon's coordinates; Translations hold
// "name" per language, Name the name as imported.
type District struct {
	ID             int64
	OrganizationID int64
	Code           string
	Name           string
	Translations   Translations
	Geometry       string
	MinLat         float64
	MinLon         float64
	MaxLat         float64
	MaxLon         float64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NameIn is the district's name for a reader of lang: theirs when given,
// else the name it was imported with.
func (d *District) NameIn(lang string) string {
	if n := d.Translations.Get(lang, "name"); n != "" {
		return n
	}
	return d.Name
}

// AreaSpec is what a broadcast keeps of its notice's area when the
// notice goes only to the people in it (Broadcast.Target): the area's
// stored form and whether followers who chose no area get it too. The
// delivery engine turns it into an AreaTarget when it materializes the
// audience.
type AreaSpec struct {
	Area      string `json:"a"`
	Unlocated bool   `json:"u"`
}

// TargetSpec is the Broadcast.Target of a broadcast of n: "" when n goes
// to everyone.
func (n *Notice) TargetSpec() string {
	if n.AreaScope != AreaScopeArea || n.Area == "" {
		return ""
	}
	b, _ := json.Marshal(AreaSpec{Area: n.Area, Unlocated: n.AreaUnlocated})
	return string(b)
}

// ParseAreaSpec reads Broadcast.Target; "" is nil.
func ParseAreaSpec(s string) (*AreaSpec, error) {
	if s == "" {
		return nil, nil
	}
	var sp AreaSpec
	if err := json.Unmarshal([]byte(s), &sp); err != nil {
		return nil, err
	}
	return &sp, nil
}

// FoldArea is the area an editor posted: base (the API's, or nil), the
// districts ticked (ids as posted) and the shapes drawn or pasted as
// GeoJSON, checked; problems go on v under area_district and
// area_geojson. nil means no area.
func FoldArea(v *ValidationError, base *area.Area, ids []string, geojson string) *area.Area {
	a := area.Area{}
	if base != nil {
		a = *base
	}
	for _, s := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			v.Add("area_district", "err.choose_one")
			continue
		}
		a.Districts = append(a.Districts, id)
	}
	if g := strings.TrimSpace(geojson); g != "" {
		shapes, err := area.FromGeoJSON([]byte(g))
		if err != nil {
			v.Add("area_geojson", AreaProblem(err))
		}
		a.Polygons = append(a.Polygons, shapes.Polygons...)
		a.Circles = append(a.Circles, shapes.Circles...)
	}
	if err := a.Validate(); err != nil {
		v.Add("area_geojson", AreaProblem(err))
	}
	if a = a.Normalize(); a.IsZero() {
		return nil
	}
	return &a
}

// AreaProblem is an area package's problem as a message key with its
// arguments (KeyArgs), for a field's message.
func AreaProblem(err error) string {
	var p *area.Problem
	if errors.As(err, &p) {
		return KeyArgs(p.Key, p.Args...)
	}
	return "area.err_geojson_plain"
}

// AreaOf reads a stored area; nil when there is none.
func AreaOf(s string) *area.Area {
	a := area.MustParse(s)
	if a.IsZero() {
		return nil
	}
	return &a
}

// DistrictCover names the stored lattice cover of a district.
type DistrictCover struct {
	ID    int64
	Cover string
}
