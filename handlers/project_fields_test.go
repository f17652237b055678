package handlers

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
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
		"title.en": {"Park"}, "public": {"on"}, "latitude": {" 22.3193 "}, "longitude": {"east"},
		"budget": {"1,200 000_5"}, "closes_at": {"2026-12-24T18:00"}, "opens_at": {""},
	}, &in, loc)
	if len(in.Translations) != 0 || !in.Public || in.Latitude == nil || *in.Latitude != 22.3193 || in.Longitude != nil ||
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

// The texts of a form with a version per language are read by their
// names, field.<tag>, for the languages asked for only.
func TestFormTexts(t *testing.T) {
	got := models.FormTexts(url.Values{
		"title.en": {"Park"}, "title.zh-Hant": {"公園"}, "body.zh-Hant": {"正文"}, "summary.es": {""}, "title.ar": {"حديقة"}, "title_en": {"old"},
	}, []string{"en", "zh-Hant", "es"}, project.ProjectFields...)
	want := models.Translations{"en": {"title": "Park"}, "zh-Hant": {"title": "公園", "body": "正文"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("bound %v, want %v", got, want)
	}
}

// The API shows a project's fields by project.Input's json tags, under
// its texts by language under translations (no more title_en...), and
// the districts are a list (projectJSON's own field shadows the text).
func TestProjectJSONNames(t *testing.T) {
	b, err := json.Marshal(projectJSON{ID: 7, Input: project.Input{DefaultLang: "en", Translations: models.Translations{"en": {"title": "Park", "body": "Body"}, "es": {"title": "Parque"}},
		Districts: "North\nSouth", Public: true, Langs: []string{"en"}},
		Districts: []string{"North", "South"}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	tr, _ := got["translations"].(map[string]any)
	en, _ := tr["en"].(map[string]any)
	es, _ := tr["es"].(map[string]any)
	if got["default_lang"] != "en" || en["title"] != "Park" || en["body"] != "Body" || es["title"] != "Parque" || got["public"] != true || got["id"] != float64(7) {
		t.Fatalf("fields: %s", b)
	}
	if ds, ok := got["districts"].([]any); !ok || len(ds) != 2 || ds[0] != "North" {
		t.Fatalf("districts: %s", b)
	}
	for _, k := range []string{"body_en", "title_en", "title_zh", "description_en", "summary_zh", "official_summary_en", "Input", "Langs"} {
		if _, ok := got[k]; ok {
			t.Fatalf("%s shown: %s", k, b)
		}
	}
	for _, k := range []string{"latitude", "longitude", "budget", "budget_currency", "opens_at", "closes_at", "address", "official_summary"} {
		if _, ok := got[k]; !ok {
			t.Fatalf("%s missing: %s", k, b)
		}
	}
}

// The API still accepts the fields of before projects had any number of
// languages, as English and simplified Chinese, where translations does
// not give the text.
func TestProjectInputLegacyJSON(t *testing.T) {
	var in project.Input
	err := json.Unmarshal([]byte(`{"title_en": "Park", "title_zh": "公园", "summary_en": "Green", "description_zh": "正文",
		"default_lang": "en", "translations": {"en": {"title": "Park!"}, "es": {"title": "Parque"}}, "public": true}`), &in)
	if err != nil {
		t.Fatal(err)
	}
	want := models.Translations{"en": {"title": "Park!", "summary": "Green"}, "zh-Hans": {"title": "公园", "body": "正文"}, "es": {"title": "Parque"}}
	if !reflect.DeepEqual(in.Translations, want) || in.DefaultLang != "en" || !in.Public {
		t.Fatalf("read %+v", in)
	}
}
