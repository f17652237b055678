package notice

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// TestNoticeInputSurvivesTheNotice checks apply and InputOf, the one mapping
// left between the editor's input and the stored notice: every Input
// field (filled by reflection, so a field added later is covered) must be
// stored by apply and read back by InputOf.
func TestNoticeInputSurvivesTheNotice(t *testing.T) {
	var in Input
	v := reflect.ValueOf(&in).Elem()
	for i := range v.NumField() {
		sf, f := v.Type().Field(i), v.Field(i)
		// Translations are filled below; the account's languages and the
		// legacy API fields are input only, never stored.
		// The editor's district boxes and GeoJSON are folded into Area by
		// check, and AreaFromStops is an instruction to the service.
		if sf.Name == "Translations" || sf.Name == "Langs" || strings.HasPrefix(sf.Name, "Legacy") ||
			sf.Name == "AreaDistrictIDs" || sf.Name == "AreaGeoJSON" || sf.Name == "AreaFromStops" {
			continue
		}
		switch f.Interface().(type) {
		case *area.Area:
			f.Set(reflect.ValueOf(&area.Area{Districts: []int64{3, 7}, Circles: []area.Circle{{Lat: 22.3, Lon: 114.2, RadiusM: 900}}}))
		case bool:
			f.SetBool(true)
		case *time.Time:
			at := time.Date(2026, 11, 23, i, 30, 0, 0, time.UTC)
			f.Set(reflect.ValueOf(&at))
		case []string:
			f.Set(reflect.ValueOf([]string{"a-" + strings.ToLower(sf.Name), "b-" + strings.ToLower(sf.Name)}))
		case IDList:
			f.SetString("A" + sf.Name + ",B" + sf.Name)
		default:
			if f.Kind() != reflect.String {
				t.Fatalf("Input.%s is a %s; teach this test to fill it", sf.Name, f.Type())
			}
			f.SetString("value of " + sf.Name)
		}
	}
	in.Translations = models.Texts("en", "title", "T", "body", "B").With("ar", "title", "ع", "body", "ب")
	var n models.Notice
	in.apply(&n)
	if got := InputOf(&n); !reflect.DeepEqual(got, in) {
		t.Errorf("apply then InputOf:\n got %+v\nwant %+v", got, in)
	}
}
