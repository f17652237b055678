package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/notice"
)

// cityDistricts are the city's four districts, as simple rectangles
// around the demo's stops (Harbour Road and Bridge Street in Harbour,
// North Station in North), imported by both city agencies.
const cityDistricts = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"West","code":"W"},"geometry":{"type":"Polygon","coordinates":[[[114.14,22.27],[114.17,22.27],[114.17,22.31],[114.14,22.31],[114.14,22.27]]]}},
{"type":"Feature","properties":{"name":"Harbour","code":"H"},"geometry":{"type":"Polygon","coordinates":[[[114.17,22.27],[114.20,22.27],[114.20,22.31],[114.17,22.31],[114.17,22.27]]]}},
{"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.14,22.31],[114.17,22.31],[114.17,22.35],[114.14,22.35],[114.14,22.31]]]}},
{"type":"Feature","properties":{"name":"East","code":"E"},"geometry":{"type":"Polygon","coordinates":[[[114.17,22.31],[114.20,22.31],[114.20,22.35],[114.17,22.35],[114.17,22.31]]]}}]}`

// districtNames are the districts' names in the demo's other languages.
var districtNames = map[string]models.Translations{
	"W": models.Texts("zh-Hans", "name", "西区").With("zh-Hant", "name", "西區").With("es", "name", "Oeste").With("ar", "name", "الغرب"),
	"H": models.Texts("zh-Hans", "name", "海港区").With("zh-Hant", "name", "海港區").With("es", "name", "Puerto").With("ar", "name", "الميناء"),
	"N": models.Texts("zh-Hans", "name", "北区").With("zh-Hant", "name", "北區").With("es", "name", "Norte").With("ar", "name", "الشمال"),
	"E": models.Texts("zh-Hans", "name", "东区").With("zh-Hant", "name", "東區").With("es", "name", "Este").With("ar", "name", "الشرق"),
}

// ensureDistricts imports the city's districts into a city agency that
// has none, named in every demo language.
func ensureDistricts(ctx context.Context, districts *district.Service, owner *models.Member) (map[string]int64, error) {
	n, err := districts.Count(ctx, owner.Org.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if _, err := districts.Import(ctx, owner, owner.Org.ID, []byte(cityDistricts), false); err != nil {
			return nil, fmt.Errorf("demo districts: %w", err)
		}
	}
	list, err := districts.List(ctx, owner.Org.ID)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, d := range list {
		ids[d.Code] = d.ID
		if names, ok := districtNames[d.Code]; ok && len(d.Translations) == 0 {
			if err := districts.Rename(ctx, owner, owner.Org.ID, d.ID, names); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// placeFollowers spreads an account's demo followers over the city:
// some chose districts, some a place, the rest everything.
func placeFollowers(ctx context.Context, followers *follower.Service, a *models.Account, ids map[string]int64) error {
	list, err := followers.SeededFollowers(ctx, a.ID)
	if err != nil {
		return err
	}
	codes := []string{"W", "H", "N", "E"}
	for i, f := range list {
		var choice follower.AreaChoice
		switch i % 4 {
		case 0:
			choice = follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{ids[codes[(i/4)%4]]}}
		case 1:
			// Places on a diagonal through the four districts.
			lat, lon := 22.275+float64(i%13)*0.0055, 114.145+float64(i%11)*0.0050
			choice = follower.AreaChoice{Mode: models.AreaPlace, Lat: &lat, Lon: &lon}
		case 2:
			choice = follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{ids[codes[(i/4+1)%4]], ids[codes[(i/4+2)%4]]}}
		default:
			continue // everything
		}
		if f.AreaMode != models.AreaAll {
			continue // already placed by an earlier run
		}
		if _, err := followers.SetArea(ctx, f.ID, choice); err != nil {
			return fmt.Errorf("demo follower %d area: %w", f.ID, err)
		}
	}
	return nil
}

// floodWarning is the safety office's warning for two districts, sent
// only to the people there (and those who chose no area).
func floodWarning(districts map[string]int64, until time.Time) notice.Input {
	in := notice.Input{
		Kind: models.NoticeSafety,
		Translations: noticeTexts(
			"en", "Flood warning for Harbour and West", "Heavy rain is expected tonight. Low streets near the harbour may flood: move cars from basements and avoid underpasses.",
			"zh-Hans", "海港区及西区水浸警告", "预计今晚有大雨，海港附近低洼街道或出现水浸：请将车辆驶离地库，避免使用行人隧道。",
			"ar", "تحذير من الفيضانات في الميناء والغرب", "يُتوقع هطول أمطار غزيرة الليلة. قد تغمر المياه الشوارع المنخفضة قرب الميناء: أخرجوا السيارات من الطوابق السفلية وتجنبوا الأنفاق.",
		).With("en", "instruction", "Move cars out of basements before 20:00, keep away from underpasses and the harbour front, and put sandbags at ground-floor doors.").
			With("zh-Hans", "instruction", "请于20:00前将车辆驶离地库，远离行人隧道及海旁，并在地面层门口放置沙包。").
			With("ar", "instruction", "أخرجوا السيارات من الطوابق السفلية قبل الساعة 20:00، وابتعدوا عن الأنفاق وواجهة الميناء، وضعوا أكياس الرمل عند أبواب الطوابق الأرضية."),
		ResponseTypes: []string{"Prepare", "Avoid"},
		CapCategory:   "Met", CapEvent: "Flood", Urgency: "Expected", Severity: "Severe", Certainty: "Likely",
		AreaDesc: "Harbour and West districts", ExpiresAt: &until,
	}
	if h, w := districts["H"], districts["W"]; h != 0 && w != 0 {
		in.Area = &area.Area{Districts: []int64{h, w}}
		in.AreaScope = models.AreaScopeArea
	}
	return in
}
