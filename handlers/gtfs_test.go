package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/gtfs"
)

// gtfsZip builds a GTFS zip file of name -> body.
func gtfsZip(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		fw, err := w.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	gtfsTestRoutes = "route_id,route_short_name,route_long_name,route_type\r\n12,12,Harbour – Airport,3\r\n7A,7A,,3\r\n"
	gtfsTestStops  = "\ufeffstop_id,stop_name,stop_lat,stop_lon\r\n1042,Central Station,22.2819,114.1582\r\n1043,Harbour Road,22.279,114.172\r\n"
)

func TestGTFSPageUploadAndSearch(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/gtfs", f.Org.ID)
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		vw := a.Client(t)
		vw.Login(f.ByRole[models.RoleViewer].Email, apptest.Password)
		out := a.Client(t)
		out.Login(f.Outside.Email, apptest.Password)

		// The empty state says what GTFS is; the account's tabs link here.
		res := ed.Get(base)
		expectBody(t, "empty page", res, http.StatusOK, "No GTFS feed has been imported yet.", "General Transit Feed Specification",
			`href="https://gtfs.org/schedule/reference/"`, `accept=".zip"`, `enctype="multipart/form-data"`, `aria-current="page">GTFS feed</a>`)

		// A refused file: the form says where and why, and nothing is kept.
		bad := gtfsZip(t, "routes.txt", gtfsTestRoutes, "stops.txt", "stop_id,stop_name,stop_lat,stop_lon\n1042,Central,north,114\n")
		res = ed.Upload(base, "file", "bad.zip", bad)
		expectBody(t, "refused file", res, http.StatusUnprocessableEntity, "The file was not imported:",
			"stops.txt, line 2, column stop_lat: “north” is not a latitude", `aria-invalid="true"`)
		res = ed.Upload(base, "file", "notes.txt", []byte("not a zip"))
		expectBody(t, "not a zip", res, http.StatusUnprocessableEntity, "The file is not a zip file, or it is damaged.")
		// Just over 20 MB: the form says so (far over, the body limit
		// refuses it before any handler).
		res = ed.Upload(base, "file", "big.zip", make([]byte, gtfs.MaxZipBytes+1))
		expectBody(t, "zip over 20 MB", res, http.StatusRequestEntityTooLarge, "The file is larger than 20 MB.")
		if n := rowCount(t, a, "gtfs_routes", "account_id = ?", f.Account.ID); n != 0 {
			t.Fatalf("%d routes kept from refused files", n)
		}

		// A viewer reads but cannot upload; another organization's staff
		// do not even see the page.
		good := gtfsZip(t, "routes.txt", gtfsTestRoutes, "stops.txt", gtfsTestStops)
		if res := vw.Upload(base, "file", "feed.zip", good); res.Status != http.StatusForbidden {
			t.Fatalf("viewer upload: %s", res)
		}
		if res := out.Upload(base, "file", "feed.zip", good); res.Status != http.StatusNotFound {
			t.Fatalf("other organization's upload: %s", res)
		}
		if res := out.Get(base + "/routes?q=1"); res.Status != http.StatusNotFound {
			t.Fatalf("other organization's search: %s", res)
		}
		if n := rowCount(t, a, "gtfs_routes", "account_id = ?", f.Account.ID); n != 0 {
			t.Fatalf("%d routes after refused uploads", n)
		}

		res = ed.Upload(base, "file", "metro-gtfs.zip", good)
		if res.Status != http.StatusSeeOther || res.Location != base {
			t.Fatalf("upload: %s", res)
		}
		res = vw.Get(base)
		expectBody(t, "page with a feed", res, http.StatusOK, "metro-gtfs.zip", "editor@metro.test", "12 – Harbour – Airport",
			"<dd>2</dd>", "Only owners and editors can upload a feed.")
		if n := rowCount(t, a, "audit_log", "action = ? AND detail = ?", "gtfs.import", "metro-gtfs.zip"); n != 1 {
			t.Fatalf("%d audit entries", n)
		}

		// The autocomplete searches, as JSON, for whoever reads notices.
		var routes []struct {
			ID        string `json:"id"`
			ShortName string `json:"short_name"`
		}
		res = vw.Get(base + "/routes?q=7")
		if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &routes) != nil || len(routes) != 1 || routes[0].ID != "7A" || routes[0].ShortName != "7A" {
			t.Fatalf("routes search: %s", res)
		}
		var stops []struct {
			ID   string  `json:"id"`
			Name string  `json:"name"`
			Lat  float64 `json:"lat"`
		}
		res = vw.Get(base + "/stops?q=harbour")
		if res.Status != http.StatusOK || json.Unmarshal([]byte(res.Body), &stops) != nil || len(stops) != 1 ||
			stops[0].ID != "1043" || stops[0].Name != "Harbour Road" || stops[0].Lat != 22.279 {
			t.Fatalf("stops search: %s", res)
		}
		if res := vw.Get(base + "/stops?q=" + url.QueryEscape("%")); res.Status != http.StatusOK || strings.TrimSpace(res.Body) != "[]" {
			t.Fatalf("stops search for %%: %s", res)
		}
	})
}

func TestGTFSNoticeEditorListsAndWarns(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ed := a.Client(t)
		ed.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		notices := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)
		transit := url.Values{"kind": {"transit"}, "title.en": {"Line 12 diverted"}, "body.en": {"Diverted."},
			"routes": {"12, 99"}, "stops": {"1042, 5555"}, "cause": {"CONSTRUCTION"}, "effect": {"DETOUR"}}

		// Without a feed: no warning, empty lists.
		res := ed.Post(notices, with(transit, "action", "preview"))
		expectBody(t, "preview without a feed", res, http.StatusOK, `list="gtfs-routes"`, `<datalist id="gtfs-routes"></datalist>`)
		if strings.Contains(res.Body, "not in the GTFS feed") {
			t.Fatalf("a warning without a feed: %s", res)
		}

		if res := ed.Upload(fmt.Sprintf("/studio/orgs/%d/accounts/metro/gtfs", f.Org.ID), "file", "feed.zip",
			gtfsZip(t, "routes.txt", gtfsTestRoutes, "stops.txt", gtfsTestStops)); res.Status != http.StatusSeeOther {
			t.Fatalf("upload: %s", res)
		}

		// The editor lists the feed's routes and stops, with no JavaScript.
		res = ed.Get(notices + "/new?kind=transit")
		expectBody(t, "new notice", res, http.StatusOK, `<option value="12" label="12 – Harbour – Airport">`,
			`<option value="1042" label="Central Station">`, `list="gtfs-stops"`)

		// Preview and save warn about the ids the feed lacks; saving works.
		res = ed.Post(notices, with(transit, "action", "preview"))
		expectBody(t, "preview", res, http.StatusOK, "These routes are not in the GTFS feed: 99", "These stops are not in the GTFS feed: 5555")
		res = ed.Post(notices, with(transit, "action", "save"))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save with unknown ids: %s", res)
		}
		res = ed.Get(res.Location)
		expectBody(t, "editor after save", res, http.StatusOK, "These routes are not in the GTFS feed: 99", "These stops are not in the GTFS feed: 5555")

		// Known ids only: no warning.
		res = ed.Post(notices, with(with(with(transit, "routes", "12"), "stops", "1042"), "action", "preview"))
		if res.Status != http.StatusOK || strings.Contains(res.Body, "not in the GTFS feed") {
			t.Fatalf("a warning for known ids: %s", res)
		}
	})
}

// with is a copy of form with name set to value.
func with(form url.Values, name, value string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set(name, value)
	return out
}
