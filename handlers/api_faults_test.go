package handlers_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
)

// TestAPIReadOfARowDuringAnOutageIs503: the API's reads of a row by id (a
// notice, a project, a follower, a broadcast, and the account each belongs
// to) tell a database that fails under them from a row that is not there.
// The failure is 503 with Retry-After, as everywhere else, never a 404
// that tells an integration its notice is gone; a missing id and another
// organization's row are still 404.
//
// The fault is the error database/sql gives when a connection is lost
// (driver.ErrBadConn), injected into every query on one table, so that it
// strikes the row's own query and not the token's check before it.
func TestAPIReadOfARowDuringAnOutageIs503(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		_, tok, err := a.APITokens.Create(ctx, f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		_, foreign, err := a.APITokens.Create(ctx, &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}, "Other", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, tok)
		r := api.do("POST", "/accounts/metro/notices", map[string]any{"kind": "general", "title_en": "Lift out of service", "body_en": "Use the ramp on Bridge St."})
		if r.Status != http.StatusCreated {
			t.Fatalf("create notice: %d %s", r.Status, r.Body)
		}
		notice := int64(r.json(t)["id"].(float64))
		r = api.do("POST", fmt.Sprintf("/notices/%d/publish", notice), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		broadcast := int64(r.json(t)["broadcast_id"].(float64))
		r = api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "email", "address": "pat@example.org"})
		if r.Status != http.StatusCreated {
			t.Fatalf("add follower: %d %s", r.Status, r.Body)
		}
		follower := int64(r.json(t)["id"].(float64))
		p, err := a.Projects.CreateProject(ctx, f.Member(models.RoleOwner), f.Account, project.Input{Translations: models.Translations{"en": {"title": "Harbour Bridge"}}}, nil)
		if err != nil {
			t.Fatal(err)
		}

		reads := []struct {
			method, path string
			// tables are those the read queries: a failure on any
			// of them is an outage, not a missing row.
			tables []string
		}{
			{"GET", fmt.Sprintf("/notices/%d", notice), []string{"notices", "accounts"}},
			{"GET", fmt.Sprintf("/projects/%d", p.ID), []string{"projects", "accounts"}},
			{"DELETE", fmt.Sprintf("/followers/%d", follower), []string{"followers", "accounts"}},
			{"GET", fmt.Sprintf("/broadcasts/%d", broadcast), []string{"broadcasts"}},
		}
		failing := failQueriesOn(t, a.DB.Gorm)
		for _, rd := range reads {
			for _, table := range rd.tables {
				failing.Store(&table)
				r := rawAPI(t, a, tok, rd.method, rd.path)
				failing.Store(nil)
				if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
					t.Errorf("%s %s while queries on %s fail: %d; want 503 with Retry-After", rd.method, rd.path, table, r.StatusCode)
				}
			}
			if r := rawAPI(t, a, foreign, rd.method, rd.path); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s with another organization's token: %d; want 404", rd.method, rd.path, r.StatusCode)
			}
			missing := rd.path[:strings.LastIndexByte(rd.path, '/')] + "/999999"
			if r := api.do(rd.method, missing, nil); r.Status != http.StatusNotFound || r.code(t) != "not_found" {
				t.Errorf("%s %s: %d %s; want 404", rd.method, missing, r.Status, r.Body)
			}
		}
		// Nothing above changed a row: the reads work once the database
		// is back.
		if r := api.do("GET", fmt.Sprintf("/notices/%d", notice), nil); r.Status != http.StatusOK {
			t.Fatalf("notice once the database answers: %d %s", r.Status, r.Body)
		}
	})
}

// TestPostgresLostConnectionAPIReadIs503 is the outage above for real:
// the connection to PostgreSQL is cut while the API reads a notice (a lock
// on the table holds the query in the server until then).
func TestPostgresLostConnectionAPIReadIs503(t *testing.T) {
	pgURL := apptest.PostgresURL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, u.Host)
	u.Host = proxy.addr()
	a := apptest.Start(t, u.String())
	f := apptest.Seed(t, a)
	ctx := context.Background()
	m := f.Member(models.RoleOwner)
	_, tok, err := a.APITokens.Create(ctx, m, "Ops", apitoken.AllScopes())
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.Notices.CreateNotice(ctx, m, f.Account, notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Lift out of service")})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/notices/%d", n.ID)
	if r := rawAPI(t, a, tok, "GET", path); r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tx, err := admin.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`LOCK TABLE notices IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan *http.Response, 1)
	go func() { done <- rawAPI(t, a, tok, "GET", path) }()
	waitForLockWait(t, admin)
	proxy.cut()
	var r *http.Response
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the request hangs after its connection was lost")
	}
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("GET %s whose connection was lost: %d (Retry-After %q); want 503 with Retry-After", path, r.StatusCode, r.Header.Get("Retry-After"))
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	var back *http.Response
	if !apptest.Eventually(10*time.Second, func() bool {
		back = rawAPI(t, a, tok, "GET", path)
		if back.StatusCode != http.StatusOK && back.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET %s once the database is back: %d", path, back.StatusCode)
		}
		return back.StatusCode == http.StatusOK
	}) {
		t.Fatalf("GET %s once the database is back: %d", path, back.StatusCode)
	}
}

// failQueriesOn makes every query on the table the returned pointer names
// fail as a lost connection does, until it is set to nil.
func failQueriesOn(t *testing.T, db *gorm.DB) *atomic.Pointer[string] {
	t.Helper()
	var table atomic.Pointer[string]
	err := db.Callback().Query().Before("gorm:query").Register("test:fail_queries_on", func(tx *gorm.DB) {
		if name := table.Load(); name != nil && tx.Statement.Table == *name {
			_ = tx.AddError(driver.ErrBadConn)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return &table
}

// rawAPI calls the API without checking the answer against the OpenAPI
// document, which lists no 503. A request that fails is reported, and
// answers status 0. It may run in a goroutine of the test.
func rawAPI(t *testing.T, a *apptest.App, token, method, path string) *http.Response {
	req, err := http.NewRequest(method, a.URL+"/api/v1"+path, nil)
	if err != nil {
		t.Error(err)
		return &http.Response{Header: http.Header{}}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return &http.Response{Header: http.Header{}}
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestOpenAPIDocumentsOutages: every operation of the published document
// lists the 503 the API answers when the database fails under it (above),
// with its Retry-After header, so a client generated from the document
// knows to retry rather than treat it as an unknown failure.
func TestOpenAPIDocumentsOutages(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			r := op.Responses.Status(http.StatusServiceUnavailable)
			if r == nil || r.Value == nil {
				t.Errorf("%s %s: no 503 response documented", method, path)
				continue
			}
			if r.Value.Headers["Retry-After"] == nil || r.Value.Content.Get("application/json") == nil {
				t.Errorf("%s %s: the 503 response lacks Retry-After or its JSON error body", method, path)
			}
		}
	}
	if ops < 10 {
		t.Fatalf("found only %d operations in openapi.json", ops)
	}
}
