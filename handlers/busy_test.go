package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
)

// TestSQLiteBusyWriteIs503: while something else holds SQLite's one write
// connection for longer than a write may wait, a request that writes is
// answered 503, "try again", never 500 and never left hanging; pages that
// only read still work. The wait is shortened so the test stays fast.
func TestSQLiteBusyWriteIs503(t *testing.T) {
	a := apptest.StartOptions(t, apptest.SQLiteURL(t), nil, func(o *app.Options) { o.WriteWait = 300 * time.Millisecond })
	apptest.Seed(t, a)
	c := a.Client(t)
	c.CSRF()
	conn, err := a.DB.SQL.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	if res := c.Get("/@metro"); res.Status != http.StatusOK {
		t.Fatalf("account page while the writer is held: %s", res)
	}
	for _, req := range []struct {
		path string
		form url.Values
	}{
		{"/@metro/follow", url.Values{"address": {"busy@example.org"}}},
		{"/login", url.Values{"email": {"nobody@plaza.test"}, "password": {"wrong"}}},
	} {
		if res := c.Post(req.path, req.form); res.Status != http.StatusServiceUnavailable {
			t.Errorf("POST %s while the writer is held: %s; want 503", req.path, res)
		}
	}

	conn.Close()
	if res := c.Post("/@metro/follow", url.Values{"address": {"busy@example.org"}}); res.Status != http.StatusOK {
		t.Fatalf("follow once the writer is free: %s", res)
	}
}
