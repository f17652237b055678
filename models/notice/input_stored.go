package notice

import (
	"encoding/json"
	"reflect"

	"github.com/plazahq/plaza/models"
)

// storedNotice is Input as the alert feed has always stored and
// fingerprinted it: keyed by Go field name, with routes and stops as
// text, and the texts as the four fields of the two languages Plaza once
// had (TitleEn, TitleZh, BodyEn, BodyZh, where Translations now stands).
// Held changes and content hashes already in the database use this
// shape, so it must not follow the json tags (those are the API's): a
// changed hash would send every live alert out again as an update.
// Languages other than en and zh-Hans go in Other, left out when empty,
// so a feed in English and Chinese hashes as before; so do an English or
// Chinese text other than a title or body (an instruction). It is derived
// from Input; a field added since alerts were first hashed is listed in
// addedFields, left out when empty, so hashes stored before it still
// match.
var storedNotice = func() reflect.Type {
	t := reflect.TypeFor[Input]()
	str := reflect.TypeFor[string]()
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case f.Name == "Translations":
			for _, name := range legacyTextFields {
				fields = append(fields, reflect.StructField{Name: name, Type: str})
			}
			continue
		case !storedField(f.Name):
			continue
		}
		f.Tag = ""
		if addedFields[f.Name] {
			f.Tag = `json:",omitempty"`
		}
		if f.Type.Kind() == reflect.String {
			f.Type = str
		}
		fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
	}
	fields = append(fields, reflect.StructField{Name: "Other", Type: reflect.TypeFor[models.Translations](), Tag: `json:",omitempty"`})
	return reflect.StructOf(fields)
}()

// addedFields are the Input fields added after alert feeds first stored
// and hashed inputs.
var addedFields = map[string]bool{"ResponseTypes": true}

// legacyTextFields are the stored shape's text fields, each with its
// language and field in Translations.
var legacyTextFields = []string{"TitleEn", "TitleZh", "BodyEn", "BodyZh"}

var legacyText = map[string][2]string{
	"TitleEn": {"en", "title"}, "TitleZh": {"zh-Hans", "title"},
	"BodyEn": {"en", "body"}, "BodyZh": {"zh-Hans", "body"},
}

// storedField reports whether an Input field is kept as it is: the
// account's languages are not the alert's, and the legacy API fields are
// folded into Translations before anything is stored.
func storedField(name string) bool {
	switch name {
	case "Langs", "DefaultLang", "LegacyTitleEn", "LegacyTitleZh", "LegacyBodyEn", "LegacyBodyZh":
		return false
	case "Area", "AreaDistrictIDs", "AreaGeoJSON", "AreaScope", "AreaExcludeUnlocated", "AreaFromStops":
		// Alert feeds bring no area (yet): leaving these out keeps the
		// hashes of alerts stored before areas existed, so no feed sends
		// an update for every alert it holds.
		return false
	}
	return true
}

// StoredJSON is the input in the alert feed's stored shape (see
// storedNotice); the feed hashes it to tell a changed alert.
func (in Input) StoredJSON() ([]byte, error) {
	texts := in.texts()
	src, dst := reflect.ValueOf(in), reflect.New(storedNotice).Elem()
	// Other holds every text the four legacy fields do not.
	other := texts.Clone()
	for _, lf := range legacyText {
		other.Set(lf[0], lf[1], "")
	}
	for i := range dst.NumField() {
		f := storedNotice.Field(i)
		switch {
		case f.Name == "Other":
			if len(other) > 0 {
				dst.Field(i).Set(reflect.ValueOf(other))
			}
		case legacyText[f.Name] != [2]string{}:
			lf := legacyText[f.Name]
			dst.Field(i).SetString(texts.Get(lf[0], lf[1]))
		default:
			dst.Field(i).Set(src.FieldByName(f.Name).Convert(f.Type))
		}
	}
	return json.Marshal(dst.Interface())
}

// UnmarshalStored reads what StoredJSON wrote (models/alertsource keeps a
// held change in that shape).
func (in *Input) UnmarshalStored(b []byte) error {
	src := reflect.New(storedNotice)
	if err := json.Unmarshal(b, src.Interface()); err != nil {
		return err
	}
	s := src.Elem()
	dst := reflect.ValueOf(in).Elem()
	texts := models.Translations{}
	for i := range s.NumField() {
		f := storedNotice.Field(i)
		switch {
		case f.Name == "Other":
			for l, fields := range s.Field(i).Interface().(models.Translations) {
				for name, text := range fields {
					texts.Set(l, name, text)
				}
			}
		case legacyText[f.Name] != [2]string{}:
			lf := legacyText[f.Name]
			texts.Set(lf[0], lf[1], s.Field(i).String())
		default:
			d := dst.FieldByName(f.Name)
			d.Set(s.Field(i).Convert(d.Type()))
		}
	}
	in.Translations = texts
	return nil
}
