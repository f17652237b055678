package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// The API saves a notice naming routes or stops the account's GTFS feed
// lacks, and says which in warnings (checked against the OpenAPI document
// by the client).
func TestAPIGTFSWarnings(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		owner := f.Member(models.RoleOwner)
		_, token, err := a.APITokens.Create(ctx, owner, "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, token)
		draft := map[string]any{"kind": "transit", "title_en": "Line 12 detour", "body_en": "Via Bridge St.",
			"routes": []string{"12", "99"}, "stops": []string{"1042", "5555"}, "cause": "CONSTRUCTION", "effect": "DETOUR"}

		// No feed: nothing to warn about.
		r := api.do("POST", "/accounts/metro/notices", draft)
		if r.Status != 201 || bytes.Contains(r.Body, []byte(`"warnings"`)) {
			t.Fatalf("create without a feed: %d %s", r.Status, r.Body)
		}

		zipped := gtfsZip(t, "routes.txt", gtfsTestRoutes, "stops.txt", gtfsTestStops)
		if _, err := a.GTFS.Import(ctx, owner, f.Account, "feed.zip", bytes.NewReader(zipped), int64(len(zipped))); err != nil {
			t.Fatal(err)
		}
		type warned struct {
			ID       int64 `json:"id"`
			Warnings []struct {
				Code string   `json:"code"`
				IDs  []string `json:"ids"`
			} `json:"warnings"`
		}
		r = api.do("POST", "/accounts/metro/notices", draft)
		var created warned
		if r.Status != 201 || json.Unmarshal(r.Body, &created) != nil || len(created.Warnings) != 2 ||
			created.Warnings[0].Code != "unknown_routes" || fmt.Sprint(created.Warnings[0].IDs) != "[99]" ||
			created.Warnings[1].Code != "unknown_stops" || fmt.Sprint(created.Warnings[1].IDs) != "[5555]" {
			t.Fatalf("create with unknown ids: %d %s", r.Status, r.Body)
		}
		// Fixed: the update carries no warnings.
		r = api.do("PATCH", fmt.Sprintf("/notices/%d", created.ID), map[string]any{"routes": []string{"12"}, "stops": []string{"1042"}})
		if r.Status != 200 || bytes.Contains(r.Body, []byte(`"warnings"`)) {
			t.Fatalf("update with known ids: %d %s", r.Status, r.Body)
		}
		r = api.do("PATCH", fmt.Sprintf("/notices/%d", created.ID), map[string]any{"routes": []string{"7A", "X"}})
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"warnings":[{"code":"unknown_routes","message":"routes not in the account's GTFS feed","ids":["X"]}]`)) {
			t.Fatalf("update with an unknown route: %d %s", r.Status, r.Body)
		}
	})
}
