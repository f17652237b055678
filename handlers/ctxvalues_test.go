package handlers

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
)

// TestRequestValuesAreTyped: each key holds its own value, two keys of one
// type (the studio's member and the API's) do not see each other's, and
// an optional value that is absent reads as absent.
func TestRequestValuesAreTyped(t *testing.T) {
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if u := currentUser(c); u != nil {
		t.Fatalf("user of an anonymous request: %v", u)
	}
	if _, ok := causeOf(c); ok {
		t.Fatal("a cause nobody set")
	}
	studioMember, apiMemberOf := &models.Member{Role: models.RoleViewer}, &models.Member{Role: models.RoleEditor}
	setValue(c, keyMember, studioMember)
	if _, ok := value(c, keyAPIMember); ok {
		t.Fatal("the API member reads the studio's member")
	}
	setValue(c, keyAPIMember, apiMemberOf)
	if member(c) != studioMember || apiMember(c) != apiMemberOf {
		t.Fatalf("member %v, API member %v", member(c), apiMember(c))
	}
	cause := errors.New("database unavailable")
	setCause(c, cause)
	if err, ok := causeOf(c); !ok || err != cause {
		t.Fatalf("cause: %v %v", err, ok)
	}
}

// TestRequestValueMissingIs500: a route whose handler reads a value its
// middleware never set (a wiring mistake the route registration rules
// out) is answered with a 500, and the log says which value and route.
func TestRequestValueMissingIs500(t *testing.T) {
	var logs bytes.Buffer
	s := &server{log: slog.New(slog.NewTextHandler(&logs, nil)), metrics: newHTTPMetrics(nil)}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.logRequests, s.recoverPanic)
	e.GET("/studio/orgs/:org/miswired", func(c echo.Context) error {
		return c.String(http.StatusOK, member(c).Org.Name)
	})
	req := httptest.NewRequest(http.MethodGet, "/studio/orgs/1/miswired", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", rec.Code, rec.Body)
	}
	log := logs.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "/studio/orgs/:org/miswired") ||
		!strings.Contains(log, "*models.Member") {
		t.Fatalf("log of the request: %s", log)
	}
}
