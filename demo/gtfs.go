package demo

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/gtfs"
)

// demoRoutes and demoStops are the transit authority's GTFS static feed:
// the notice editor offers them, and the demo's detour names line 12 and
// stop 1042 from it.
const (
	demoRoutes = "route_id,agency_id,route_short_name,route_long_name,route_type\r\n" +
		"12,citytransit,12,Harbour Road – Ferry Pier,3\r\n" +
		"7,citytransit,7,North Station – University,3\r\n" +
		"7A,citytransit,7A,North Station – Hospital,3\r\n" +
		"23,citytransit,23,Airport Express,3\r\n" +
		"R,citytransit,,Red Line,1\r\n"
	demoStops = "stop_id,stop_code,stop_name,stop_lat,stop_lon\r\n" +
		"1042,1042,Harbour Road,22.2790,114.1720\r\n" +
		"1043,1043,Bridge Street,22.2801,114.1745\r\n" +
		"1050,1050,Ferry Pier,22.2868,114.1602\r\n" +
		"2001,2001,North Station,22.3193,114.1694\r\n" +
		"2002,2002,University,22.3364,114.1731\r\n" +
		"2003,2003,City Hospital,22.3251,114.1802\r\n" +
		"3001,3001,Airport,22.3080,113.9185\r\n"
)

// ensureGTFS imports the transit authority's feed when it has none.
func ensureGTFS(ctx context.Context, s *gtfs.Service, owner *models.Member, a *models.Account) error {
	if s == nil {
		return nil
	}
	if feed, err := s.Feed(ctx, owner, a); err != nil || feed != nil {
		return err
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{{"routes.txt", demoRoutes}, {"stops.txt", demoStops}} {
		fw, err := w.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := fw.Write([]byte(f.body)); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if _, err := s.Import(ctx, owner, a, a.Handle+"-gtfs.zip", bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		return fmt.Errorf("demo gtfs feed: %w", err)
	}
	return nil
}
