package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/templates"
)

// everyNoticeField is a notice.Input with a distinct, already clean value
// in every field, filled by reflection so that a field added later is
// covered without editing this test.
func everyNoticeField(t *testing.T, loc *time.Location) notice.Input {
	t.Helper()
	var in notice.Input
	v := reflect.ValueOf(&in).Elem()
	base := time.Date(2026, 11, 23, 8, 30, 0, 0, loc)
	for i := range v.NumField() {
		sf, f := v.Type().Field(i), v.Field(i)
		if languageField(sf.Name) || areaField(sf.Name) {
			continue
		}
		switch f.Interface().(type) {
		case bool:
			f.SetBool(true)
		case *time.Time:
			at := base.Add(time.Duration(i) * time.Hour)
			f.Set(reflect.ValueOf(&at))
		case []string:
			f.Set(reflect.ValueOf([]string{"a-" + strings.ToLower(sf.Name), "b-" + strings.ToLower(sf.Name)}))
		case notice.IDList:
			f.SetString("A" + sf.Name + ",B" + sf.Name)
		default:
			if f.Kind() != reflect.String {
				t.Fatalf("notice.Input.%s is a %s; teach this test (and bindForm) to fill it", sf.Name, f.Type())
			}
			f.SetString("value of " + sf.Name)
		}
	}
	in.Translations = models.Texts("en", "title", "Title", "body", "Body").
		With("zh-Hant", "title", "標題", "body", "正文").With("ar", "title", "العنوان", "body", "النص")
	return in
}

// sameInput reports the fields that differ; times compare as
// instants, whatever their zone.
// fieldLangs are the languages the test's notice is written in.
var fieldLangs = []string{"en", "zh-Hant", "ar"}

// languageField names the fields of notice.Input that carry languages
// rather than one value: Translations, read from title.<tag> and
// body.<tag> by notice.FormTranslations and sent as "translations" in
// the API; Langs and DefaultLang, which the service sets from the
// account; and the two-language fields old API clients send.
func languageField(name string) bool {
	return name == "Translations" || name == "Langs" || name == "DefaultLang" || strings.HasPrefix(name, "Legacy")
}

// areaField names the three forms of a notice's area: Area in the API,
// the ticked districts and the GeoJSON of the shapes on the form, which
// check folds into Area (TestNoticeAreaForms).
func areaField(name string) bool {
	return name == "Area" || name == "AreaDistrictIDs" || name == "AreaGeoJSON"
}

func sameInput(t *testing.T, how string, want, got notice.Input) {
	t.Helper()
	w, g := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range w.NumField() {
		name := w.Type().Field(i).Name
		if wt, ok := w.Field(i).Interface().(*time.Time); ok {
			gt := g.Field(i).Interface().(*time.Time)
			if (wt == nil) != (gt == nil) || wt != nil && !wt.Equal(*gt) {
				t.Errorf("%s lost %s: want %v, got %v", how, name, wt, gt)
			}
			continue
		}
		if !reflect.DeepEqual(w.Field(i).Interface(), g.Field(i).Interface()) {
			t.Errorf("%s lost %s: want %#v, got %#v", how, name, w.Field(i).Interface(), g.Field(i).Interface())
		}
	}
}

// TestNoticeFieldsDeclaredOnce proves the worked example of the README: a
// notice field is declared once, on notice.Input, and the studio
// form, the API request and response and the editor all carry it without
// more code. A field without its tags, or one a mapping drops, fails here.
func TestNoticeFieldsDeclaredOnce(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[notice.Input]()
	var formNames, jsonNames []string
	for i := range typ.NumField() {
		sf := typ.Field(i)
		form, js := sf.Tag.Get("form"), strings.Split(sf.Tag.Get("json"), ",")[0]
		if areaField(sf.Name) {
			continue
		}
		if languageField(sf.Name) {
			if sf.Name == "Translations" && js != "translations" {
				t.Errorf("notice.Input.Translations is %q in the API, want translations", js)
			}
			continue
		}
		if form == "" || form == "-" || js == "" || js == "-" {
			t.Errorf("notice.Input.%s needs both a form and a json tag (form %q, json %q)", sf.Name, form, js)
		}
		formNames, jsonNames = append(formNames, form), append(jsonNames, js)
	}
	in := everyNoticeField(t, loc)

	t.Run("studio form", func(t *testing.T) {
		// Post the fields as the editor's form would: text as typed,
		// times as datetime-local in the studio's zone, lists repeated.
		values := url.Values{}
		times := formTimes(in, loc)
		v := reflect.ValueOf(in)
		for l, fields := range in.Translations {
			for f, text := range fields {
				values.Set(f+"."+l, text)
			}
		}
		for i := range v.NumField() {
			if languageField(typ.Field(i).Name) || areaField(typ.Field(i).Name) {
				continue
			}
			name := typ.Field(i).Tag.Get("form")
			switch x := v.Field(i).Interface().(type) {
			case bool:
				if x {
					values.Set(name, "on")
				}
			case *time.Time:
				values.Set(name, times[name])
			case []string:
				values[name] = x
			default:
				values.Set(name, v.Field(i).String())
			}
		}
		var got notice.Input
		typed, bad := bindForm(values, &got, loc)
		if len(bad) > 0 {
			t.Fatalf("times did not parse: %v", bad)
		}
		got.Translations = notice.FormTranslations(values, fieldLangs)
		sameInput(t, "the form binding", in, got)
		for name, text := range times {
			if typed[name] != text {
				t.Errorf("the form keeps %s as %q, want %q as typed", name, typed[name], text)
			}
		}
	})

	t.Run("malformed time is kept as typed", func(t *testing.T) {
		var got notice.Input
		typed, bad := bindForm(url.Values{"expires_at": {"tomorrow"}, "cap_event": {"Kept"}}, &got, loc)
		if len(bad) != 1 || bad[0] != "expires_at" || typed["expires_at"] != "tomorrow" || got.CapEvent != "Kept" {
			t.Errorf("bad %v, typed %v, event %q", bad, typed, got.CapEvent)
		}
	})

	t.Run("API request", func(t *testing.T) {
		body, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		// Decode as the API does: unknown fields are refused, so a
		// client's field must be one notice.Input declares.
		var got notice.Input
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		sameInput(t, "the API request", in, got)
	})

	t.Run("API response", func(t *testing.T) {
		body, err := json.Marshal(noticeJSON{ID: 7, Account: "metro", Status: models.NoticeDraft, Input: in})
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(body, &keys); err != nil {
			t.Fatal(err)
		}
		for _, name := range jsonNames {
			if _, ok := keys[name]; !ok {
				t.Errorf("the API response has no %q", name)
			}
		}
		var got noticeJSON
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		sameInput(t, "the API response", in, got.Input)
	})

	t.Run("editor", func(t *testing.T) {
		m := &models.Member{User: &models.User{ID: 1}, Org: &models.Organization{ID: 1}, Role: models.RoleOwner}
		a := &models.Account{Handle: "metro", Topics: strings.Join(in.Tags, ",")}
		f := templates.NoticeForm{Input: in, ID: 3, Status: models.NoticeDraft, Times: formTimes(in, loc), Errors: map[string]string{}}
		var html bytes.Buffer
		if err := templates.NoticeEditor(m, a, f, loc.String()).Render(context.Background(), &html); err != nil {
			t.Fatal(err)
		}
		for _, name := range formNames {
			if !strings.Contains(html.String(), `name="`+name+`"`) {
				t.Errorf("the editor has no field named %q", name)
			}
		}
	})
}

// TestNoticeAreaForms checks that the editor's two area fields (districts
// ticked, shapes as GeoJSON) and the API's "area" come to the same area.
func TestNoticeAreaForms(t *testing.T) {
	want := area.Area{Districts: []int64{3, 7}, Polygons: orb.MultiPolygon{{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.3}}}},
		Circles: []area.Circle{{Lat: 22.35, Lon: 114.15, RadiusM: 800}}}
	values := url.Values{"area_district": {"7", "3"}, "area_geojson": {templates.ShapesGeoJSON(want)}, "area_scope": {models.AreaScopeArea}}
	var form notice.Input
	bindForm(values, &form, time.UTC)
	form.Kind, form.Translations = models.NoticeGeneral, models.Texts("en", "title", "T")
	fromForm, err := notice.ValidateDraft(form, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var api notice.Input
	if err := json.Unmarshal([]byte(`{"kind":"general","translations":{"en":{"title":"T"}},"area_scope":"area","area":`+want.String()+`}`), &api); err != nil {
		t.Fatal(err)
	}
	fromAPI, err := notice.ValidateDraft(api, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if fromForm.Area == nil || fromAPI.Area == nil || fromForm.Area.String() != want.String() || fromAPI.Area.String() != want.String() {
		t.Fatalf("form %v, API %v, want %v", fromForm.Area, fromAPI.Area, want)
	}
	// A crossed polygon is refused with its number, on the form's field.
	bad := url.Values{"area_geojson": {`{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}`}}
	var in notice.Input
	bindForm(bad, &in, time.UTC)
	in.Kind, in.Translations = models.NoticeGeneral, models.Texts("en", "title", "T")
	_, err = notice.ValidateDraft(in, time.Now())
	if v, ok := models.AsValidation(err); !ok || v.Fields["area_geojson"] != models.KeyArgs("area.err_ring_crosses", 1) {
		t.Fatalf("crossed polygon: %v", err)
	}
	// Only people in the area needs an area.
	in = notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "T"), AreaScope: models.AreaScopeArea}
	if _, err := notice.ValidateDraft(in, time.Now()); err == nil {
		t.Fatal("an area scope without an area was taken")
	}
}
