package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// TestAPINoticeWhatToDo: a safety notice's response types and
// instructions go in and come back out of the API as sent (an array, and
// "instruction" beside each language's title and body), bad ones are a
// 422 naming the field, and a notice without any shows response_types as
// [] rather than null.
func TestAPINoticeWhatToDo(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		_, token, err := a.APITokens.Create(context.Background(), f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, token)
		body := map[string]any{"kind": "safety", "cap_category": "Met", "cap_event": "Heat", "urgency": "Expected",
			"severity": "Severe", "certainty": "Likely", "response_types": []string{"Prepare", "Monitor"},
			"translations": map[string]any{
				"en":      map[string]string{"title": "Heat warning", "body": "38 °C expected.", "instruction": "Drink water; check on neighbours."},
				"zh-Hans": map[string]string{"title": "高温警告", "body": "预计 38 °C。", "instruction": "请多喝水，照顾邻居。"},
			}}
		r := api.do("POST", "/accounts/metro/notices", body)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := int64(r.json(t)["id"].(float64))
		type shape struct {
			ResponseTypes []string                     `json:"response_types"`
			Translations  map[string]map[string]string `json:"translations"`
		}
		read := func(what string, b []byte) shape {
			t.Helper()
			var s shape
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			return s
		}
		got := read("get", api.do("GET", fmt.Sprintf("/notices/%d", id), nil).Body)
		if fmt.Sprint(got.ResponseTypes) != "[Prepare Monitor]" || got.Translations["en"]["instruction"] != "Drink water; check on neighbours." ||
			got.Translations["zh-Hans"]["instruction"] != "请多喝水，照顾邻居。" {
			t.Fatalf("read back %+v", got)
		}

		// Publish, then change what to do with a PATCH: an update.
		if r := api.do("POST", fmt.Sprintf("/notices/%d/publish", id), nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		up := api.do("PATCH", fmt.Sprintf("/notices/%d", id), map[string]any{"response_types": []string{"Avoid"}, "translations": map[string]any{
			"en":      map[string]string{"title": "Heat warning", "body": "38 °C expected.", "instruction": "Stay out of the sun."},
			"zh-Hans": map[string]string{"title": "高温警告", "body": "预计 38 °C。", "instruction": "请避免日晒。"},
		}})
		if up.Status != 200 || up.json(t)["broadcast_id"] == nil {
			t.Fatalf("update: %d %s", up.Status, up.Body)
		}
		got = read("get after update", api.do("GET", fmt.Sprintf("/notices/%d", id), nil).Body)
		if fmt.Sprint(got.ResponseTypes) != "[Avoid]" || got.Translations["en"]["instruction"] != "Stay out of the sun." {
			t.Fatalf("after the update %+v", got)
		}

		for _, tt := range []struct {
			name  string
			patch map[string]any
			field string
		}{
			{"unknown response type", map[string]any{"kind": "safety", "title_en": "X", "response_types": []string{"Panic"}}, "response_types"},
			{"None with another", map[string]any{"kind": "safety", "title_en": "X", "response_types": []string{"None", "Shelter"}}, "response_types"},
			{"instruction without title", map[string]any{"kind": "safety", "title_en": "X",
				"translations": map[string]any{"zh-Hans": map[string]string{"instruction": "请留在室内。"}}}, "instruction.zh-Hans"},
		} {
			r := api.do("POST", "/accounts/metro/notices", tt.patch)
			if r.Status != 422 || r.code(t) != "invalid" {
				t.Fatalf("%s: %d %s", tt.name, r.Status, r.Body)
			}
			if fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any); fields[tt.field] == nil {
				t.Fatalf("%s: field errors %v", tt.name, fields)
			}
		}

		plain := api.do("POST", "/accounts/metro/notices", map[string]any{"kind": "general", "title_en": "Fares"})
		if plain.Status != 201 || !strings.Contains(string(plain.Body), `"response_types":[]`) {
			t.Fatalf("a notice without response types: %d %s", plain.Status, plain.Body)
		}
	})
}
