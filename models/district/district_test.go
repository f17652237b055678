package district_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/paulmach/orb"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
)

// Two districts sharing the edge at latitude 22.30.
const twoDistricts = `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"North","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.32],[114.10,22.30]]]}},
 {"type":"Feature","properties":{"name":"South","code":"S"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.28],[114.12,22.28],[114.12,22.30],[114.10,22.30],[114.10,22.28]]]}}]}`

func square(lon0, lat0, lon1, lat1 float64) orb.Polygon {
	return orb.Polygon{{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}}
}

func ptr(f float64) *float64 { return &f }

// TestAudienceByArea checks who an area reaches, counted as the editor
// counts and materialized as the engine does, on both databases.
func TestAudienceByArea(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner, editor := f.Member(models.RoleOwner), f.Member(models.RoleEditor)
		if _, err := a.Districts.Import(ctx, editor, f.Org.ID, []byte(twoDistricts), false); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("an editor imports districts: %v", err)
		}
		if n, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(twoDistricts), false); err != nil || n != 2 {
			t.Fatalf("import = %d, %v", n, err)
		}
		ds, err := a.Districts.List(ctx, f.Org.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("districts = %v, %v", ds, err)
		}
		north, south := ds[0].ID, ds[1].ID

		people := map[string]follower.AreaChoice{
			"everything":  {Mode: models.AreaAll},
			"chose north": {Mode: models.AreaDistricts, Districts: []int64{north}},
			"chose south": {Mode: models.AreaDistricts, Districts: []int64{south}},
			"lives north": {Mode: models.AreaPlace, Lat: ptr(22.3104), Lon: ptr(114.1102)},
			"lives south": {Mode: models.AreaPlace, Lat: ptr(22.29), Lon: ptr(114.11)},
			"on the edge": {Mode: models.AreaPlace, Lat: ptr(22.30), Lon: ptr(114.115)},
			"lives far":   {Mode: models.AreaPlace, Lat: ptr(22.40), Lon: ptr(114.30)},
			"chose both":  {Mode: models.AreaDistricts, Districts: []int64{north, south}},
		}
		names := map[int64]string{}
		for name, choice := range people {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, "hook-"+name, name, "en", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.Followers.SetArea(ctx, fl.ID, choice)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			names[fl.ID] = name
			if name == "lives north" && (*got.PlaceLat != 22.31 || *got.PlaceLon != 114.11 || *got.PlaceDistrictID != north) {
				t.Fatalf("place not rounded and located: %v %v %v", *got.PlaceLat, *got.PlaceLon, *got.PlaceDistrictID)
			}
			if name == "lives far" && got.PlaceDistrictID != nil {
				t.Fatalf("a place outside every district has district %d", *got.PlaceDistrictID)
			}
		}
		// Someone else's district is not the follower's to choose.
		otherFl, _ := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, "hook-x", "x", "en", nil, 0, "")
		if _, err := a.Followers.SetArea(ctx, otherFl.ID, follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{north + 1000}}); err == nil {
			t.Fatal("an unknown district was taken")
		}
		if _, err := a.Followers.SetArea(ctx, otherFl.ID, follower.AreaChoice{Mode: models.AreaPlace, Lat: ptr(95), Lon: ptr(0)}); err == nil {
			t.Fatal("a place off the globe was taken")
		}
		if _, err := a.Followers.SetArea(ctx, otherFl.ID, follower.AreaChoice{Mode: models.AreaDistricts}); err == nil {
			t.Fatal("districts without a district were taken")
		}
		names[otherFl.ID] = "everything 2"

		all := func(extra ...string) []string {
			return append([]string{"everything", "everything 2"}, extra...)
		}
		crossing := square(114.105, 22.295, 114.115, 22.305) // over both districts, the edge place on its side
		tests := []struct {
			name    string
			area    area.Area
			exclude bool
			want    []string
		}{
			{"district north", area.Area{Districts: []int64{north}}, false, all("chose north", "chose both", "lives north", "on the edge")},
			{"district north, located only", area.Area{Districts: []int64{north}}, true, []string{"chose north", "chose both", "lives north", "on the edge"}},
			{"polygon crossing both districts", area.Area{Polygons: orb.MultiPolygon{crossing}}, true, []string{"chose north", "chose south", "chose both", "on the edge"}},
			{"circle around a place", area.Area{Circles: []area.Circle{{Lat: 22.31, Lon: 114.11, RadiusM: 200}}}, true, []string{"chose north", "chose both", "lives north"}},
			{"circle reaching the far place", area.Area{Circles: []area.Circle{{Lat: 22.40, Lon: 114.302, RadiusM: 250}}}, true, []string{"lives far"}},
			{"polygon where nobody is", area.Area{Polygons: orb.MultiPolygon{square(10, 10, 10.1, 10.1)}}, false, all()},
			{"polygon where nobody is, located only", area.Area{Polygons: orb.MultiPolygon{square(10, 10, 10.1, 10.1)}}, true, nil},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				aud := notice.Audience{Area: &tt.area, Scope: models.AreaScopeArea, Unlocated: !tt.exclude}
				n, err := a.Notices.AudienceCount(ctx, editor, f.Account, aud)
				if err != nil {
					t.Fatal(err)
				}
				if n != int64(len(tt.want)) {
					t.Errorf("count = %d, want %d", n, len(tt.want))
				}
				in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", fmt.Sprint("Area ", i), "body", "b"),
					Area: &tt.area, AreaScope: models.AreaScopeArea, AreaExcludeUnlocated: tt.exclude}
				d, err := a.Notices.CreateNotice(ctx, editor, f.Account, in)
				if err != nil {
					t.Fatal(err)
				}
				_, b, err := a.Notices.PublishNotice(ctx, editor, f.Account, d.ID, in)
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Broadcasts.Materialize(ctx, b.ID); err != nil {
					t.Fatal(err)
				}
				var ids []int64
				if err := a.DB.Gorm.Raw(`SELECT follower_id FROM deliveries WHERE broadcast_id = ?`, b.ID).Scan(&ids).Error; err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, id := range ids {
					got = append(got, names[id])
				}
				want := slices.Clone(tt.want)
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("delivered to %q, want %q", got, want)
				}
			})
		}
		// Everyone, with the area shown.
		n, err := a.Notices.AudienceCount(ctx, editor, f.Account, notice.Audience{Area: &area.Area{Districts: []int64{north}}, Scope: models.AreaScopeEveryone})
		if err != nil || n != int64(len(names)) {
			t.Fatalf("everyone = %d, %v; want %d", n, err, len(names))
		}
		// A deleted district leaves those who chose only it with no area.
		if err := a.Districts.Delete(ctx, owner, f.Org.ID, south); err != nil {
			t.Fatal(err)
		}
		n, err = a.Notices.AudienceCount(ctx, editor, f.Account, notice.Audience{Area: &area.Area{Districts: []int64{north}}, Scope: models.AreaScopeArea, Unlocated: true})
		if want := len(all("chose north", "chose both", "lives north", "on the edge", "chose south")); err != nil || n != int64(want) {
			t.Fatalf("after deleting south: %d, %v; want %d", n, err, want)
		}
		// A district of another organization cannot be a notice's.
		_, err = a.Notices.CreateNotice(ctx, editor, f.Account, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "x", "body", "b"),
			Area: &area.Area{Districts: []int64{north + 1000}}})
		if v, ok := models.AsValidation(err); !ok || v.Fields["area_district"] == "" {
			t.Fatalf("foreign district: %v", err)
		}
	})
}

func TestImportRefusesBadFiles(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		for name, file := range map[string]string{
			"not JSON":       `PK\x03\x04`,
			"a line":         `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`,
			"a crossed ring": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`,
		} {
			var p *area.Problem
			if _, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(file), false); !errors.As(err, &p) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if n, _ := a.Districts.Count(ctx, f.Org.ID); n != 0 {
			t.Fatalf("a refused file left %d districts", n)
		}
		// Importing again updates by code; replace drops the missing.
		if _, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(twoDistricts), false); err != nil {
			t.Fatal(err)
		}
		one := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"North again","code":"N"},"geometry":{"type":"Polygon","coordinates":[[[114.10,22.30],[114.12,22.30],[114.12,22.32],[114.10,22.30]]]}}]}`
		if _, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(one), true); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		if len(ds) != 1 || ds[0].Name != "North again" {
			t.Fatalf("after replace: %+v", ds)
		}
		if err := a.Districts.Rename(ctx, owner, f.Org.ID, ds[0].ID, models.Texts("zh-Hans", "name", "北区")); err != nil {
			t.Fatal(err)
		}
		ds, _ = a.Districts.List(ctx, f.Org.ID)
		if ds[0].NameIn("zh-Hans") != "北区" || ds[0].NameIn("es") != "North again" {
			t.Fatalf("names: %+v", ds[0].Translations)
		}
		other := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		if err := a.Districts.Delete(ctx, other, f.Org.ID, ds[0].ID); !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("another organization deletes a district: %v", err)
		}
	})
}

// TestPlacesFollowTheDistricts: places saved before the districts
// existed, and after a district is deleted, get their district worked out
// again, so district notices reach them.
func TestPlacesFollowTheDistricts(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, "early", "early", "en", nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.SetArea(ctx, fl.ID, follower.AreaChoice{Mode: models.AreaPlace, Lat: ptr(22.29), Lon: ptr(114.11)}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Districts.Import(ctx, owner, f.Org.ID, []byte(twoDistricts), false); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.RelocatePlaces(ctx, f.Member(models.RoleEditor), []int64{f.Account.ID}, a.Districts); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("an editor relocates: %v", err)
		}
		n, err := a.Followers.RelocatePlaces(ctx, owner, []int64{f.Account.ID}, a.Districts)
		if err != nil || n != 1 {
			t.Fatalf("relocated %d, %v", n, err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		south := ds[1].ID
		got, _ := a.Followers.FollowerByID(ctx, fl.ID)
		if got.PlaceDistrictID == nil || *got.PlaceDistrictID != south {
			t.Fatalf("place district = %v, want %d", got.PlaceDistrictID, south)
		}
		count, err := a.Notices.AudienceCount(ctx, owner, f.Account, notice.Audience{Area: &area.Area{Districts: []int64{south}}, Scope: models.AreaScopeArea})
		if err != nil || count != 1 {
			t.Fatalf("south audience = %d, %v", count, err)
		}
		if err := a.Districts.Delete(ctx, owner, f.Org.ID, south); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Followers.RelocatePlaces(ctx, owner, []int64{f.Account.ID}, a.Districts); err != nil {
			t.Fatal(err)
		}
		if got, _ = a.Followers.FollowerByID(ctx, fl.ID); got.PlaceDistrictID != nil {
			t.Fatalf("a deleted district is still the place's: %d", *got.PlaceDistrictID)
		}
	})
}

// TestProjectAreaDistricts: a project's area may name its organization's
// districts and no other's.
func TestProjectAreaDistricts(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(twoDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		editor := f.Member(models.RoleEditor)
		in := project.Input{Translations: models.Texts("en", "title", "New bridge"), Area: &area.Area{Districts: []int64{ds[0].ID}}}
		p, err := a.Projects.CreateProject(ctx, editor, f.Account, in, nil)
		if err != nil || models.AreaOf(p.Area) == nil || models.AreaOf(p.Area).Districts[0] != ds[0].ID {
			t.Fatalf("project = %+v, %v", p, err)
		}
		in.Area = &area.Area{Districts: []int64{ds[0].ID + 1000}}
		if _, err := a.Projects.SaveProject(ctx, editor, f.Account, p.ID, in); err == nil {
			t.Fatal("a district of no one's was taken")
		} else if v, ok := models.AsValidation(err); !ok || v.Fields["area_district"] == "" {
			t.Fatalf("foreign district: %v", err)
		}
	})
}

// TestFallbackAudienceKeepsToTheArea: the publish confirmation's count of
// followers who will get the notice in another language counts only the
// followers the area reaches.
func TestFallbackAudienceKeepsToTheArea(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		if _, err := a.Districts.Import(ctx, f.Member(models.RoleOwner), f.Org.ID, []byte(twoDistricts), false); err != nil {
			t.Fatal(err)
		}
		ds, _ := a.Districts.List(ctx, f.Org.ID)
		north, south := ds[0].ID, ds[1].ID
		for i, d := range []int64{north, south} {
			fl, err := a.Followers.SeedFollower(ctx, f.Account.ID, models.ChannelWebhook, fmt.Sprint("zh-", i), "", "zh-Hans", nil, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Followers.SetArea(ctx, fl.ID, follower.AreaChoice{Mode: models.AreaDistricts, Districts: []int64{d}}); err != nil {
				t.Fatal(err)
			}
		}
		editor := f.Member(models.RoleEditor)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "North only", "body", "b"),
			Area: &area.Area{Districts: []int64{north}}, AreaScope: models.AreaScopeArea, AreaExcludeUnlocated: true}
		n, err := a.Notices.CreateNotice(ctx, editor, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		fallback, err := a.Notices.FallbackAudience(ctx, editor, f.Account, n)
		if err != nil {
			t.Fatal(err)
		}
		if fallback["zh-Hans"] != 1 {
			t.Fatalf("fallback = %v; want the one zh-Hans follower in the north", fallback)
		}
	})
}
