package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func TestFeeds(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		publish := func(in notice.Input) *models.Notice {
			n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, err = a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
				t.Fatal(err)
			}
			return n
		}
		storm := notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Storm", "body", "Stay in."), CapCategory: "Met",
			CapEvent: "Storm", Urgency: "Expected", Severity: "Severe", Certainty: "Likely", AreaDesc: "North"}
		alert := publish(storm)
		detour := publish(notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Detour", "body", "Line 12 via Bridge St."),
			Routes: "12", Cause: "CONSTRUCTION", Effect: "DETOUR"})
		general := publish(notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Fares", "body", "Unchanged.")})
		draft, _ := a.Notices.CreateNotice(ctx, boss, f.Account, storm)
		if err := a.Accounts.SetAgencyID(ctx, boss, f.Account, "MTA"); err != nil {
			t.Fatal(err)
		}

		// CAP: safety notices only, and only published ones.
		resp, body := get(t, fmt.Sprintf("%s/notices/%d.cap", a.URL, alert.ID))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/cap+xml" || !strings.Contains(body, "<msgType>Alert</msgType>") {
			t.Fatalf("CAP: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		for _, path := range []string{fmt.Sprintf("/notices/%d.cap", general.ID), fmt.Sprintf("/notices/%d.cap", draft.ID),
			fmt.Sprintf("/notices/%d", alert.ID), "/notices/x.cap", "/notices/99999999999999999999.cap"} {
			if resp, _ := get(t, a.URL+path); resp.StatusCode != 404 {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
		}
		// An update is an Update referencing the alert.
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, alert.ID, storm); err != nil {
			t.Fatal(err)
		}
		if _, body := get(t, fmt.Sprintf("%s/notices/%d.cap", a.URL, alert.ID)); !strings.Contains(body, "<msgType>Update</msgType>") ||
			!strings.Contains(body, "<references>metro@plaza.test,urn:plaza:plaza.test:notice:") {
			t.Fatalf("CAP update: %s", body)
		}

		// The CAP index lists the alerts in force and links each CAP file.
		if resp, body := get(t, a.URL+"/@metro/cap.atom"); resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf("/notices/%d.cap", alert.ID)) ||
			strings.Contains(body, "Detour") {
			t.Fatalf("CAP index: %d %s", resp.StatusCode, body)
		}
		// The platform feed has every account's notices, not drafts.
		if resp, body := get(t, a.URL+"/notices.atom"); resp.StatusCode != 200 || !strings.Contains(body, "Fares") || !strings.Contains(body, "Detour") ||
			strings.Count(body, "<entry") != 3 {
			t.Fatalf("platform feed: %d %s", resp.StatusCode, body)
		}

		// GTFS-realtime, decoded with the official bindings.
		resp, body = get(t, a.URL+"/@metro/gtfs-rt/alerts")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Fatalf("gtfs-rt: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var feed gtfs.FeedMessage
		if err := proto.Unmarshal([]byte(body), &feed); err != nil {
			t.Fatal(err)
		}
		if len(feed.GetEntity()) != 2 {
			t.Fatalf("gtfs-rt entities: %v", &feed)
		}
		var found bool
		for _, e := range feed.GetEntity() {
			if e.GetId() == fmt.Sprintf("notice-%d", detour.ID) {
				found = true
				ie := e.GetAlert().GetInformedEntity()
				if len(ie) != 1 || ie[0].GetAgencyId() != "MTA" || ie[0].GetRouteId() != "12" || e.GetAlert().GetEffect() != gtfs.Alert_DETOUR {
					t.Fatalf("detour entity: %v", e)
				}
			}
		}
		if !found {
			t.Fatal("the detour is not in the feed")
		}
		resp, body = get(t, a.URL+"/@metro/gtfs-rt/alerts?format=json")
		var asJSON gtfs.FeedMessage
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || protojson.Unmarshal([]byte(body), &asJSON) != nil ||
			len(asJSON.GetEntity()) != 2 || asJSON.GetEntity()[0].GetAlert().GetInformedEntity()[0].GetAgencyId() != "MTA" {
			t.Fatalf("gtfs-rt json: %s", body)
		}

		// Conditional requests.
		for _, path := range []string{"/@metro/notices.atom", "/notices.atom", "/@metro/cap.atom", "/@metro/gtfs-rt/alerts",
			fmt.Sprintf("/notices/%d.cap", alert.ID)} {
			resp, _ := get(t, a.URL+path)
			etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if etag == "" || modified == "" {
				t.Fatalf("%s: ETag %q Last-Modified %q", path, etag, modified)
			}
			if again, _ := get(t, a.URL+path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
				t.Fatalf("%s with its ETag: %d", path, again.StatusCode)
			}
			if again, _ := get(t, a.URL+path, "If-Modified-Since", modified); again.StatusCode != http.StatusNotModified {
				t.Fatalf("%s with its Last-Modified: %d", path, again.StatusCode)
			}
			old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
			if again, _ := get(t, a.URL+path, "If-Modified-Since", old); again.StatusCode != 200 {
				t.Fatalf("%s modified since 2020: %d", path, again.StatusCode)
			}
		}
		if resp, _ := get(t, a.URL+"/@nobody/gtfs-rt/alerts"); resp.StatusCode != 404 {
			t.Fatalf("unknown account feed: %d", resp.StatusCode)
		}
	})
}

// TestFeedConditionalRequests covers what a feed reader or a cache sends
// beyond a plain GET: weak and listed entity tags, the precedence of
// If-None-Match over If-Modified-Since, and HEAD.
func TestFeedConditionalRequests(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Fares", "body", "Unchanged.")}
		n, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err = a.Notices.PublishNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		url := a.URL + "/@metro/notices.atom"
		resp, body := get(t, url)
		etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != 200 || etag == "" || modified == "" || !strings.Contains(body, "Fares") ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") || resp.Header.Get("Cache-Control") != "public, max-age=60" {
			t.Fatalf("GET: %d %v %s", resp.StatusCode, resp.Header, body)
		}
		never := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
		for _, tc := range []struct {
			name   string
			header []string
			want   int
		}{
			{"its tag", []string{"If-None-Match", etag}, 304},
			{"its tag, weak", []string{"If-None-Match", "W/" + etag}, 304},
			{"its tag in a list", []string{"If-None-Match", `"older", ` + etag}, 304},
			{"any tag", []string{"If-None-Match", "*"}, 304},
			{"another tag", []string{"If-None-Match", `"older"`}, 200},
			{"its time", []string{"If-Modified-Since", modified}, 304},
			{"an older time", []string{"If-Modified-Since", never}, 200},
			// A tag that does not match wins over a time that does.
			{"another tag, its time", []string{"If-None-Match", `"older"`, "If-Modified-Since", modified}, 200},
		} {
			resp, got := get(t, url, tc.header...)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
			if tc.want == 304 && (got != "" || resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") == "") {
				t.Fatalf("%s: 304 with body %q headers %v", tc.name, got, resp.Header)
			}
			if tc.want == 200 && got != body {
				t.Fatalf("%s: body %q", tc.name, got)
			}
		}

		head := func(header ...string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest(http.MethodHead, url, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, resp); got != "" {
				t.Fatalf("HEAD with a body: %q", got)
			}
			return resp
		}
		if resp := head(); resp.StatusCode != 200 || resp.Header.Get("ETag") != etag || resp.ContentLength != int64(len(body)) ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("HEAD: %d length %d (want %d) %v", resp.StatusCode, resp.ContentLength, len(body), resp.Header)
		}
		if resp := head("If-None-Match", etag); resp.StatusCode != 304 {
			t.Fatalf("HEAD with its tag: %d", resp.StatusCode)
		}
	})
}
