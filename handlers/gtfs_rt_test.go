package handlers_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	rt "github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// A transit notice written with the ids of the account's GTFS static
// feed is published in GTFS-realtime with those same route_id and
// stop_id, so consumers can join the alert with the static feed.
func TestGTFSRealtimeUsesTheStaticFeedsIDs(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		zipped := gtfsZip(t, "routes.txt", gtfsTestRoutes, "stops.txt", gtfsTestStops)
		if _, err := a.GTFS.Import(ctx, boss, f.Account, "feed.zip", bytes.NewReader(zipped), int64(len(zipped))); err != nil {
			t.Fatal(err)
		}
		in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Detour", "body", "Via Bridge St."),
			Routes: "12,7A", Stops: "1042", Cause: "CONSTRUCTION", Effect: "DETOUR"}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		_, body := get(t, a.URL+"/@metro/gtfs-rt/alerts")
		var feed rt.FeedMessage
		if err := proto.Unmarshal([]byte(body), &feed); err != nil {
			t.Fatal(err)
		}
		var routes, stops []string
		for _, e := range feed.GetEntity() {
			for _, ie := range e.GetAlert().GetInformedEntity() {
				if ie.RouteId != nil {
					routes = append(routes, ie.GetRouteId())
				}
				if ie.StopId != nil {
					stops = append(stops, ie.GetStopId())
				}
			}
		}
		if !slices.Equal(routes, []string{"12", "7A"}) || !slices.Equal(stops, []string{"1042"}) {
			t.Fatalf("gtfs-rt informed entities: routes %v, stops %v", routes, stops)
		}
		ur, us, err := a.GTFS.Unknown(ctx, f.Account.ID, routes, stops)
		if err != nil || len(ur) != 0 || len(us) != 0 {
			t.Fatalf("ids of the realtime feed not in the static feed: %v %v, %v", ur, us, err)
		}
	})
}
