package gtfs_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/gtfs"
)

// zipFile is one file of a test zip, in order.
type zipFile struct {
	name, body string
	// store keeps the file uncompressed.
	store bool
}

// feedZip builds a zip file of files with archive/zip.
func feedZip(t testing.TB, files []zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		method := zip.Deflate
		if f.store {
			method = zip.Store
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goodRoutes starts with a byte order mark and ends its lines with CRLF,
// as feeds exported on Windows do.
const goodRoutes = "\ufeffroute_id,agency_id,route_short_name,route_long_name,route_type\r\n" +
	"12,MT,12,Harbour – Airport,3\r\n" +
	"7A,MT,7A,,3\r\n" +
	"R1,MT,,Red Line,1\r\n" +
	"112,MT,112,Northern loop,3\r\n"

// goodStops has a generic node without a position (skipped) and a quoted
// name with a comma.
const goodStops = "stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type\n" +
	"1042,A1042,Central Station,22.2819,114.1582,0\n" +
	"1043,,Harbour Road,22.2790,114.1720,\n" +
	"N1,,Entrance node,,,3\n" +
	"2001,,\"Airport, Terminal 1\",22.3080,113.9185,0\n"

func goodFiles() []zipFile {
	return []zipFile{{name: "agency.txt", body: "agency_id,agency_name\nMT,Metro\n"}, {name: "routes.txt", body: goodRoutes}, {name: "stops.txt", body: goodStops}}
}

func importZip(ctx context.Context, s *gtfs.Service, m *models.Member, a *models.Account, name string, data []byte) (gtfs.Summary, error) {
	return s.Import(ctx, m, a, name, bytes.NewReader(data), int64(len(data)))
}

func ids[T any](list []T, id func(T) string) []string {
	out := []string{}
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func routeIDs(l []gtfs.Route) []string { return ids(l, func(r gtfs.Route) string { return r.ID }) }
func stopIDs(l []gtfs.Stop) []string   { return ids(l, func(s gtfs.Stop) string { return s.ID }) }

func TestImportSearchAndUnknown(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		s, acc, editor := a.GTFS, f.Account, f.Member(models.RoleEditor)

		// Without a feed nothing is unknown and nothing is offered.
		ur, us, err := s.Unknown(ctx, acc.ID, []string{"12"}, []string{"1042"})
		if err != nil || len(ur) != 0 || len(us) != 0 {
			t.Fatalf("no feed: unknown %v %v, %v", ur, us, err)
		}
		if feed, err := s.Feed(ctx, editor, acc); err != nil || feed != nil {
			t.Fatalf("no feed: %+v, %v", feed, err)
		}

		sum, err := importZip(ctx, s, editor, acc, "C:\\exports\\metro-gtfs.zip", feedZip(t, goodFiles()))
		if err != nil {
			t.Fatal(err)
		}
		if sum.FileName != "metro-gtfs.zip" || sum.Routes != 4 || sum.Stops != 3 || len(sum.SHA256) != 64 {
			t.Fatalf("summary: %+v", sum)
		}
		feed, err := s.Feed(ctx, f.Member(models.RoleViewer), acc)
		if err != nil || feed == nil || feed.RoutesCount != 4 || feed.StopsCount != 3 || feed.SHA256 != sum.SHA256 ||
			feed.ImportedBy == nil || *feed.ImportedBy != editor.User.ID {
			t.Fatalf("feed: %+v, %v", feed, err)
		}
		var audits int64
		a.DB.Gorm.Model(&models.AuditEntry{}).Where("action = ? AND detail = ?", "gtfs.import", "metro-gtfs.zip").Count(&audits)
		if audits != 1 {
			t.Fatalf("%d audit entries", audits)
		}

		// The byte order mark is not part of the first column's name, and
		// the names, types and coordinates are read.
		routes, err := s.Routes(ctx, acc.ID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := routeIDs(routes); !reflect.DeepEqual(got, []string{"112", "12", "7A", "R1"}) {
			t.Fatalf("routes %v", got)
		}
		if r := routes[1]; r.ShortName != "12" || r.LongName != "Harbour – Airport" || r.Type != 3 || r.Label() != "12 – Harbour – Airport" {
			t.Fatalf("route 12: %+v", r)
		}
		if r := routes[3]; r.Name() != "Red Line" || r.Type != 1 {
			t.Fatalf("route R1: %+v", r)
		}

		for _, c := range []struct {
			q    string
			want []string
		}{
			{"12", []string{"12", "112"}}, // id prefix first
			{"red", []string{"R1"}},       // a name, any case
			{"LOOP", []string{"112"}},
			{"%", []string{}}, // LIKE's wildcards are literal
			{"_", []string{}},
		} {
			got, err := s.Routes(ctx, acc.ID, c.q, 20)
			if err != nil || !reflect.DeepEqual(routeIDs(got), c.want) {
				t.Errorf("Routes(%q) = %v, %v; want %v", c.q, routeIDs(got), err, c.want)
			}
		}
		if got, _ := s.Routes(ctx, acc.ID, "", 2); len(got) != 2 {
			t.Errorf("limit 2: %v", routeIDs(got))
		}
		for _, c := range []struct {
			q    string
			want []string
		}{
			{"104", []string{"1042", "1043"}},
			{"a1042", []string{"1042"}}, // the stop code
			{"terminal", []string{"2001"}},
			{"N1", []string{}}, // the generic node was skipped
		} {
			got, err := s.Stops(ctx, acc.ID, c.q, 20)
			if err != nil || !reflect.DeepEqual(stopIDs(got), c.want) {
				t.Errorf("Stops(%q) = %v, %v; want %v", c.q, stopIDs(got), err, c.want)
			}
		}

		stops, err := s.StopsByID(ctx, acc.ID, []string{"2001", "nope", "1042", "2001"})
		if err != nil || !reflect.DeepEqual(stopIDs(stops), []string{"2001", "1042"}) {
			t.Fatalf("StopsByID: %v, %v", stopIDs(stops), err)
		}
		if st := stops[1]; st.Name != "Central Station" || st.Lat != 22.2819 || st.Lon != 114.1582 || st.Code != "A1042" {
			t.Fatalf("stop 1042: %+v", st)
		}
		if st := stops[0]; st.Name != "Airport, Terminal 1" {
			t.Fatalf("stop 2001: %+v", st)
		}

		ur, us, err = s.Unknown(ctx, acc.ID, []string{"12", "99", " 99 ", "7a"}, []string{"1042", "9999", ""})
		if err != nil || !reflect.DeepEqual(ur, []string{"99", "7a"}) || !reflect.DeepEqual(us, []string{"9999"}) {
			t.Fatalf("unknown: %v %v, %v", ur, us, err)
		}

		// Another account of the organization has no feed: nothing of
		// this one shows there.
		other, err := a.Accounts.CreateAccount(ctx, f.Member(models.RoleOwner), models.AccountInput{Handle: "buses", Name: "Buses", Category: "transit", Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Routes(ctx, other.ID, "", 20); len(got) != 0 {
			t.Fatalf("other account's routes: %v", routeIDs(got))
		}
		if got, _ := s.StopsByID(ctx, other.ID, []string{"1042"}); len(got) != 0 {
			t.Fatalf("other account's stops: %v", stopIDs(got))
		}

		// A new feed replaces the old one as a whole.
		sum, err = importZip(ctx, s, f.Member(models.RoleOwner), acc, "v2.zip", feedZip(t, []zipFile{
			{name: "routes.txt", body: "route_id,route_long_name\nX9,Express\n"},
			{name: "stops.txt", body: "stop_id,stop_name,stop_lat,stop_lon\n1042,Central,22.28,114.15\n"},
		}))
		if err != nil || sum.Routes != 1 || sum.Stops != 1 {
			t.Fatalf("second import: %+v, %v", sum, err)
		}
		if got, _ := s.Routes(ctx, acc.ID, "", 100); !reflect.DeepEqual(routeIDs(got), []string{"X9"}) {
			t.Fatalf("after the second import: %v", routeIDs(got))
		}
		if feed, _ := s.Feed(ctx, editor, acc); feed.FileName != "v2.zip" || feed.RoutesCount != 1 {
			t.Fatalf("feed after the second import: %+v", feed)
		}
	})
}

// corrupt flips a byte of a stored (uncompressed) file's data, so that
// its checksum no longer matches.
func corrupt(t *testing.T, data []byte, inside string) []byte {
	t.Helper()
	out := slices.Clone(data)
	i := bytes.Index(out, []byte(inside))
	if i < 0 {
		t.Fatalf("%q not in the zip", inside)
	}
	out[i] ^= 0x20
	return out
}

// lyingSizes makes every file of a zip claim, in the central directory,
// to be size bytes uncompressed, as a zip bomb does.
func lyingSizes(t *testing.T, data []byte, size uint32) []byte {
	t.Helper()
	out := slices.Clone(data)
	sig := []byte{0x50, 0x4b, 0x01, 0x02}
	n := 0
	for i := bytes.Index(out, sig); i >= 0; {
		binary.LittleEndian.PutUint32(out[i+24:], size)
		n++
		j := bytes.Index(out[i+4:], sig)
		if j < 0 {
			break
		}
		i += 4 + j
	}
	if n == 0 {
		t.Fatal("no central directory")
	}
	return out
}

func TestImportRefusals(t *testing.T) {
	withRoutes := func(body string) []zipFile {
		return []zipFile{{name: "routes.txt", body: body}, {name: "stops.txt", body: goodStops}}
	}
	withStops := func(body string) []zipFile {
		return []zipFile{{name: "routes.txt", body: goodRoutes}, {name: "stops.txt", body: body}}
	}
	const stopsHead = "stop_id,stop_name,stop_lat,stop_lon\n"
	var many strings.Builder
	many.WriteString(stopsHead)
	for i := range gtfs.MaxStops + 1 {
		fmt.Fprintf(&many, "s%d,Stop,1.5,2.5\n", i)
	}
	// A file that holds more than the limit once unzipped, compressed
	// to little.
	huge := stopsHead + strings.Repeat("x,Stop,1.5,2.5\n", gtfs.MaxTextBytes/15+1000)
	stored := feedZip(t, []zipFile{{name: "routes.txt", body: goodRoutes, store: true}, {name: "stops.txt", body: goodStops, store: true}})
	good := feedZip(t, goodFiles())

	cases := []struct {
		name string
		data []byte
		// size, when not 0, is the size the upload claims.
		size int64
		key  string
		// keys are other acceptable keys (a zip bomb is refused one way
		// or another).
		keys   []string
		where  string // file:line:column
		detail []any  // the arguments after the place
	}{
		{name: "not a zip", data: []byte("route_id,route_short_name\n1,A\n"), key: "gtfsfeed.err_not_zip"},
		{name: "truncated zip", data: good[:len(good)/2], key: "gtfsfeed.err_not_zip"},
		{name: "corrupt data", data: corrupt(t, stored, "Harbour Road"), key: "gtfsfeed.err_corrupt", detail: []any{"stops.txt"}},
		{name: "zip over 20 MB", data: good, size: gtfs.MaxZipBytes + 1, key: "gtfsfeed.err_too_big", detail: []any{20}},
		{name: "no routes.txt", data: feedZip(t, []zipFile{{name: "stops.txt", body: goodStops}}), key: "gtfsfeed.err_missing_file", detail: []any{"routes.txt"}},
		{name: "no stops.txt", data: feedZip(t, []zipFile{{name: "routes.txt", body: goodRoutes}}), key: "gtfsfeed.err_missing_file", detail: []any{"stops.txt"}},
		{name: "empty routes.txt", data: feedZip(t, withRoutes("")), key: "gtfsfeed.err_empty_file", where: "routes.txt:1:"},
		{name: "no route_id", data: feedZip(t, withRoutes("id,route_short_name\n1,A\n")), key: "gtfsfeed.err_missing_column", where: "routes.txt:1:route_id"},
		{name: "no route names", data: feedZip(t, withRoutes("route_id,route_type\n1,3\n")), key: "gtfsfeed.err_missing_column", where: "routes.txt:1:route_short_name"},
		{name: "a route without a name", data: feedZip(t, withRoutes("route_id,route_short_name,route_long_name\n1,A,\n2,,\n")), key: "gtfsfeed.err_route_name", where: "routes.txt:3:route_short_name"},
		{name: "bad route type", data: feedZip(t, withRoutes("route_id,route_short_name,route_type\n1,A,bus\n")), key: "gtfsfeed.err_route_type", where: "routes.txt:2:route_type", detail: []any{"bus"}},
		{name: "duplicate route", data: feedZip(t, withRoutes("route_id,route_short_name\r\n1,A\r\n2,B\r\n1,C\r\n")), key: "gtfsfeed.err_duplicate", where: "routes.txt:4:route_id", detail: []any{"1", 2}},
		{name: "empty route id", data: feedZip(t, withRoutes("route_id,route_short_name\n,A\n")), key: "gtfsfeed.err_required", where: "routes.txt:2:route_id"},
		{name: "broken quotes", data: feedZip(t, withRoutes("route_id,route_short_name\n1,\"A\n2,B\"x\n")), key: "gtfsfeed.err_csv", where: "routes.txt:3:"},
		{name: "not UTF-8", data: feedZip(t, withRoutes("route_id,route_short_name\n1,\xff\xfe\n")), key: "gtfsfeed.err_encoding", where: "routes.txt:2:"},
		{name: "no stop_lat", data: feedZip(t, withStops("stop_id,stop_name,stop_lon\n1,A,2\n")), key: "gtfsfeed.err_missing_column", where: "stops.txt:1:stop_lat"},
		{name: "no stop_name", data: feedZip(t, withStops("stop_id,stop_lat,stop_lon\n1,1,2\n")), key: "gtfsfeed.err_missing_column", where: "stops.txt:1:stop_name"},
		{name: "latitude not a number", data: feedZip(t, withStops(stopsHead+"1,A,1.5,2.5\n2,B,north,2.5\n")), key: "gtfsfeed.err_latitude", where: "stops.txt:3:stop_lat", detail: []any{"north"}},
		{name: "latitude out of range", data: feedZip(t, withStops(stopsHead+"1,A,91,2.5\n")), key: "gtfsfeed.err_latitude", where: "stops.txt:2:stop_lat", detail: []any{"91"}},
		{name: "longitude out of range", data: feedZip(t, withStops(stopsHead+"1,A,1,-180.5\n")), key: "gtfsfeed.err_longitude", where: "stops.txt:2:stop_lon", detail: []any{"-180.5"}},
		{name: "longitude NaN", data: feedZip(t, withStops(stopsHead+"1,A,1,NaN\n")), key: "gtfsfeed.err_longitude", where: "stops.txt:2:stop_lon", detail: []any{"NaN"}},
		{name: "missing position", data: feedZip(t, withStops(stopsHead+"1,A,,\n")), key: "gtfsfeed.err_latitude", where: "stops.txt:2:stop_lat", detail: []any{""}},
		{name: "duplicate stop", data: feedZip(t, withStops(stopsHead+"1,A,1,2\n2,B,1,2\n1,C,1,2\n")), key: "gtfsfeed.err_duplicate", where: "stops.txt:4:stop_id", detail: []any{"1", 2}},
		{name: "too many stops", data: feedZip(t, withStops(many.String())), key: "gtfsfeed.err_too_many_stops", detail: []any{gtfs.MaxStops}},
		{name: "over 50 MB unzipped", data: feedZip(t, withStops(huge)), key: "gtfsfeed.err_too_much", detail: []any{50}},
		{name: "zip bomb with lying sizes", data: lyingSizes(t, feedZip(t, withStops(huge)), 1000), key: "gtfsfeed.err_too_much", keys: []string{"gtfsfeed.err_corrupt"}},
	}

	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		s, acc, editor := a.GTFS, f.Account, f.Member(models.RoleEditor)
		first, err := importZip(ctx, s, editor, acc, "first.zip", good)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			size := int64(len(c.data))
			if c.size != 0 {
				size = c.size
			}
			_, err := s.Import(ctx, editor, acc, "bad.zip", bytes.NewReader(c.data), size)
			e, ok := gtfs.AsImportError(err)
			if !ok {
				t.Errorf("%s: %v; want an ImportError", c.name, err)
				continue
			}
			if e.Key != c.key && !slices.Contains(c.keys, e.Key) {
				t.Errorf("%s: %s %v; want %s", c.name, e.Key, e.Args, c.key)
				continue
			}
			if e.Key != c.key {
				continue
			}
			if where := fmt.Sprintf("%s:%d:%s", e.File, e.Line, e.Column); c.where != "" && where != c.where {
				t.Errorf("%s: at %s; want %s", c.name, where, c.where)
			}
			// The message's arguments: the place, then the details.
			var want []any
			if c.where != "" {
				want = append(want, e.File, e.Line)
				if e.Column != "" {
					want = append(want, e.Column)
				}
			}
			want = append(want, c.detail...)
			if fmt.Sprint(e.Args) != fmt.Sprint(want) {
				t.Errorf("%s: args %v; want %v", c.name, e.Args, want)
			}
		}
		// Nothing refused touched the feed imported first.
		feed, err := s.Feed(ctx, editor, acc)
		if err != nil || feed.FileName != "first.zip" || feed.SHA256 != first.SHA256 || feed.RoutesCount != 4 {
			t.Fatalf("feed after refusals: %+v, %v", feed, err)
		}
		if got, _ := s.Routes(ctx, acc.ID, "", 100); len(got) != 4 {
			t.Fatalf("routes after refusals: %v", routeIDs(got))
		}
	})
}
