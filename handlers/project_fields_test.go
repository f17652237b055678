package handlers

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza/models/project"
)

// The project editor is read into project.Input by its form tags: text,
// the public checkbox, numbers (an amount may group its digits) and
// times in the studio's zone; what does not parse is named and kept as
// typed.
func TestBindProjectForm(t *testing.T) {
	loc := time.FixedZone("HKT", 8*3600)
	var in project.Input
	typed, bad := bindForm(url.Values{
		"title_en": {"Park"}, "body_zh": {"正文"}, "public": {"on"}, "latitude": {" 22.3193 "}, "longitude": {"east"},
		"budget": {"1,200 000_5"}, "closes_at": {"2026-12-24T18:00"}, "opens_at": {""},
	}, &in, loc)
	if in.TitleEn != "Park" || in.BodyZh != "正文" || !in.Public || in.Latitude == nil || *in.Latitude != 22.3193 || in.Longitude != nil ||
		in.Budget == nil || *in.Budget != 12000005 || in.OpensAt != nil || in.ClosesAt == nil ||
		!in.ClosesAt.Equal(time.Date(2026, 12, 24, 18, 0, 0, 0, loc)) {
		t.Fatalf("bound: %+v", in)
	}
	if !slices.Equal(bad, []string{"longitude"}) || typed["longitude"] != "east" || typed["latitude"] != " 22.3193 " || typed["closes_at"] != "2026-12-24T18:00" {
		t.Fatalf("bad %v, typed %v", bad, typed)
	}
	var empty project.Input
	if _, bad := bindForm(url.Values{}, &empty, loc); len(bad) != 0 || empty.Public || empty.Budget != nil || empty.Latitude != nil {
		t.Fatalf("empty form: %+v %v", empty, bad)
	}
}

// The API shows a project's fields by project.Input's json tags, under
// the names it always had: the body is the description, and the
// districts are a list (projectJSON's own field shadows the text).
func TestProjectJSONNames(t *testing.T) {
	b, err := json.Marshal(projectJSON{ID: 7, Input: project.Input{Translations: models.Translations{"en": {"title": "Park"}}, BodyEn: "Body", Districts: "North\nSouth", Public: true},
		Districts: []string{"North", "South"}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["title_en"] != "Park" || got["description_en"] != "Body" || got["public"] != true || got["id"] != float64(7) {
		t.Fatalf("fields: %s", b)
	}
	if ds, ok := got["districts"].([]any); !ok || len(ds) != 2 || ds[0] != "North" {
		t.Fatalf("districts: %s", b)
	}
	for _, k := range []string{"body_en", "BodyEn", "Input"} {
		if _, ok := got[k]; ok {
			t.Fatalf("%s shown: %s", k, b)
		}
	}
	for _, k := range []string{"latitude", "longitude", "budget", "budget_currency", "opens_at", "closes_at", "address", "summary_zh"} {
		if _, ok := got[k]; !ok {
			t.Fatalf("%s missing: %s", k, b)
		}
	}
}
