package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// apiClient calls the JSON API and checks every response against the
// OpenAPI document the server publishes.
type apiClient struct {
	t      *testing.T
	base   string
	token  string
	router routers.Router
}

type apiResp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r apiResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
	return m
}

func (r apiResp) code(t *testing.T) string {
	e, _ := r.json(t)["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func newAPIClient(t *testing.T, a *apptest.App, token string) *apiClient {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served := a.Client(t).Get("/api/v1/openapi.json")
	if served.Status != 200 || !bytes.Equal([]byte(served.Body), raw) {
		t.Fatalf("served OpenAPI document differs from handlers/openapi.json: %d", served.Status)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: a.URL + "/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: a.URL + "/api/v1", token: token, router: router}
}

func (c *apiClient) do(method, path string, body any, header ...string) apiResp {
	c.t.Helper()
	var raw []byte
	if s, ok := body.(string); ok {
		raw = []byte(s)
	} else if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	r := apiResp{Status: resp.StatusCode, Header: resp.Header, Body: out}

	// Every answer must be what the document says.
	vreq, _ := http.NewRequest(method, c.base+path, bytes.NewReader(raw))
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s %s is not in the OpenAPI document: %v", method, path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: r.Status, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(out)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Fatalf("%s %s answered %d, which the OpenAPI document does not allow: %v\n%s", method, path, r.Status, err, out)
	}
	return r
}

func TestAPI(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		_, all, err := a.APITokens.Create(ctx, owner, "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		_, readOnly, _ := a.APITokens.Create(ctx, owner, "Dashboard", []string{apitoken.ScopeNoticesRead})
		revokedTok, revoked, _ := a.APITokens.Create(ctx, owner, "Old", apitoken.AllScopes())
		if err := a.APITokens.Revoke(ctx, owner, revokedTok.ID); err != nil {
			t.Fatal(err)
		}
		otherOwner := &models.Member{User: f.Outside, Org: f.Other, Role: models.RoleOwner}
		_, foreign, _ := a.APITokens.Create(ctx, otherOwner, "Other", apitoken.AllScopes())

		api := newAPIClient(t, a, all)
		draft := map[string]any{"kind": "transit", "title_en": "Line 12 detour", "body_en": "Via **Bridge St**.",
			"routes": []string{"12"}, "cause": "CONSTRUCTION", "effect": "DETOUR"}

		// Authentication and authorization.
		for _, tt := range []struct {
			name, token, method, path string
			body                      any
			status                    int
			code                      string
		}{
			{"no token", "", "GET", "/accounts/metro/notices", nil, 401, "unauthorized"},
			{"unknown token", "plz_nope", "GET", "/accounts/metro/notices", nil, 401, "invalid_token"},
			{"not a plaza token", "abc", "GET", "/accounts/metro/notices", nil, 401, "invalid_token"},
			{"revoked token", revoked, "GET", "/accounts/metro/notices", nil, 401, "invalid_token"},
			{"read-only token writes", readOnly, "POST", "/accounts/metro/notices", draft, 403, "insufficient_scope"},
			{"read-only token lists followers", readOnly, "GET", "/accounts/metro/followers", nil, 403, "insufficient_scope"},
			{"other organization's account", foreign, "GET", "/accounts/metro/notices", nil, 404, "not_found"},
		} {
			c := *api
			c.token = tt.token
			r := c.do(tt.method, tt.path, tt.body)
			if r.Status != tt.status || r.code(t) != tt.code {
				t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
			}
		}

		// Notices: create, validate, paginate.
		r := api.do("POST", "/accounts/metro/notices", draft)
		if r.Status != 201 || r.json(t)["status"] != "draft" {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := int64(r.json(t)["id"].(float64))
		if r := api.do("POST", "/accounts/metro/notices", map[string]any{"kind": "rumour"}); r.Status != 422 || r.code(t) != "invalid" {
			t.Fatalf("invalid notice: %d %s", r.Status, r.Body)
		} else if fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any); fields["kind"] == nil || fields["title.en"] == nil {
			t.Fatalf("field errors: %v", fields)
		}
		if r := api.do("POST", "/accounts/metro/notices", `{"kind": "general", "titel_en": "typo"}`); r.Status != 400 || r.code(t) != "bad_json" {
			t.Fatalf("unknown field: %d %s", r.Status, r.Body)
		}
		if r := api.do("POST", "/accounts/metro/notices", `{"kind": `); r.Status != 400 {
			t.Fatalf("broken JSON: %d %s", r.Status, r.Body)
		}
		for i := range 4 {
			api.do("POST", "/accounts/metro/notices", map[string]any{"kind": "general", "title_en": fmt.Sprintf("Page %d", i)})
		}
		seen := map[float64]bool{}
		cursor := ""
		for pages := 0; ; pages++ {
			path := "/accounts/metro/notices?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := api.do("GET", path, nil).json(t)
			for _, n := range page["data"].([]any) {
				seen[n.(map[string]any)["id"].(float64)] = true
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 5 {
			t.Fatalf("pagination saw %d notices, want 5", len(seen))
		}
		if r := api.do("GET", "/accounts/metro/notices?cursor=garbage", nil); r.Status != 400 || r.code(t) != "bad_cursor" {
			t.Fatalf("bad cursor: %d %s", r.Status, r.Body)
		}
		if r := api.do("GET", "/accounts/metro/notices?limit=1000", nil); r.Status != 400 {
			t.Fatalf("huge limit: %d", r.Status)
		}

		// PATCH a draft, then publish it twice with one Idempotency-Key.
		if r := api.do("PATCH", fmt.Sprintf("/notices/%d", id), map[string]any{"title_zh": "12 路绕行", "body_zh": "改经桥街。"}); r.Status != 200 ||
			!strings.Contains(string(r.Body), "12 路绕行") || !strings.Contains(string(r.Body), "Line 12 detour") {
			t.Fatalf("patch draft: %d %s", r.Status, r.Body)
		}
		first := api.do("POST", fmt.Sprintf("/notices/%d/publish", id), nil, "Idempotency-Key", "pub-1")
		again := api.do("POST", fmt.Sprintf("/notices/%d/publish", id), nil, "Idempotency-Key", "pub-1")
		if first.Status != 200 || again.Status != 200 || !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("idempotent publish: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		if bs, _ := a.BroadcastService.ForNotice(ctx, id); len(bs) != 1 {
			t.Fatalf("%d broadcasts after a retried publish", len(bs))
		}
		if r := api.do("POST", "/accounts/metro/notices", draft, "Idempotency-Key", "pub-1"); r.Status != 422 || r.code(t) != "idempotency_key_reused" {
			t.Fatalf("reused key: %d %s", r.Status, r.Body)
		}
		// Without the key a second publish is refused by the notice's state.
		if r := api.do("POST", fmt.Sprintf("/notices/%d/publish", id), nil); r.Status != 422 {
			t.Fatalf("publish twice: %d %s", r.Status, r.Body)
		}
		bid := int64(first.json(t)["broadcast_id"].(float64))
		if r := api.do("GET", fmt.Sprintf("/broadcasts/%d", bid), nil); r.Status != 200 {
			t.Fatalf("broadcast: %d %s", r.Status, r.Body)
		}
		// A PATCH of a live notice sends an update.
		up := api.do("PATCH", fmt.Sprintf("/notices/%d", id), map[string]any{"body_en": "Via Bridge St until 18:00."})
		if up.Status != 200 || up.json(t)["broadcast_id"] == nil || up.json(t)["notice"].(map[string]any)["status"] != "updated" {
			t.Fatalf("update: %d %s", up.Status, up.Body)
		}
		if r := api.do("POST", fmt.Sprintf("/notices/%d/cancel", id), map[string]any{"how": "sideways"}); r.Status != 422 {
			t.Fatalf("bad ending: %d %s", r.Status, r.Body)
		}
		end := api.do("POST", fmt.Sprintf("/notices/%d/cancel", id), map[string]any{"how": "cancel"})
		if end.Status != 200 || end.json(t)["notice"].(map[string]any)["status"] != "cancelled" {
			t.Fatalf("cancel: %d %s", end.Status, end.Body)
		}
		// Another organization sees none of it.
		other := *api
		other.token = foreign
		for _, p := range []string{fmt.Sprintf("/notices/%d", id), fmt.Sprintf("/broadcasts/%d", bid)} {
			if r := other.do("GET", p, nil); r.Status != 404 {
				t.Fatalf("foreign %s: %d", p, r.Status)
			}
		}
		if r := api.do("GET", "/notices/999999", nil); r.Status != 404 || r.code(t) != "not_found" {
			t.Fatalf("missing notice: %d %s", r.Status, r.Body)
		}

		// Followers.
		add := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "email", "address": "Pat@Example.org", "language": "zh", "tags": []string{"line-12"}})
		if add.Status != 201 || add.json(t)["address"] != "pat@example.org" {
			t.Fatalf("add follower: %d %s", add.Status, add.Body)
		}
		fid := int64(add.json(t)["id"].(float64))
		if r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "email", "address": "pat@example.org"}); r.Status != 200 {
			t.Fatalf("add again: %d %s", r.Status, r.Body)
		}
		if r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "email", "address": "not-an-address"}); r.Status != 422 {
			t.Fatalf("bad address: %d %s", r.Status, r.Body)
		}
		if r := api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "pigeon", "address": "x"}); r.Status != 422 {
			t.Fatalf("bad channel: %d %s", r.Status, r.Body)
		}
		for i := range 3 {
			api.do("POST", "/accounts/metro/followers", map[string]any{"channel": "webhook", "address": fmt.Sprintf("+1555%d", i)})
		}
		page := api.do("GET", "/accounts/metro/followers?limit=3", nil).json(t)
		if len(page["data"].([]any)) != 3 || page["next_cursor"] == nil {
			t.Fatalf("followers page: %v", page)
		}
		tag := api.do("POST", fmt.Sprintf("/followers/%d/tags", fid), map[string]any{"add": []string{"donor"}, "remove": []string{"line-12"}})
		if tag.Status != 200 || fmt.Sprint(tag.json(t)["tags"]) != "[donor]" {
			t.Fatalf("tag: %d %s", tag.Status, tag.Body)
		}
		if r := api.do("DELETE", fmt.Sprintf("/followers/%d", fid), nil); r.Status != 200 || r.json(t)["status"] != "unsubscribed" {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		if r := other.do("DELETE", fmt.Sprintf("/followers/%d", fid), nil); r.Status != 404 {
			t.Fatalf("foreign remove: %d", r.Status)
		}
		// The API ignores the session cookie: a signed-in browser gets 401.
		browser := a.Client(t)
		browser.Login(f.ByRole[models.RoleOwner].Email, apptest.Password)
		if r := browser.Get("/api/v1/accounts/metro/notices"); r.Status != 401 {
			t.Fatalf("cookie auth on the API: %d", r.Status)
		}
	})
}
