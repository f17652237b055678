package models_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
)

// TestNoticeInputStoredShape holds the alert feed's stored shape still:
// held changes and content hashes already in databases were written in
// it, before NoticeInput had json tags, and a hash that changed would send
// every live alert out again as an update.
func TestNoticeInputStoredShape(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	in := models.NoticeInput{Kind: models.NoticeTransit, TitleEn: "T", Routes: "12,7", EffectiveAt: &at, Tags: []string{"line-12"}}
	got, err := in.StoredJSON()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"Kind":"transit","TitleEn":"T","TitleZh":"","BodyEn":"","BodyZh":"","CapCategory":"","CapEvent":"",` +
		`"Urgency":"","Severity":"","Certainty":"","AreaDesc":"","Routes":"12,7","Stops":"","Cause":"","Effect":"",` +
		`"EffectiveAt":"2026-11-23T08:30:00Z","ExpiresAt":null,"PublishAt":null,"Tags":["line-12"]}`
	if string(got) != want {
		t.Errorf("stored shape changed:\n got %s\nwant %s", got, want)
	}
	var it alertsource.Item
	if err := it.Hold(in, "h", at, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if it.HeldInput != want {
		t.Errorf("held as %s", it.HeldInput)
	}
	back, err := it.Held()
	if err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("held change read back as %+v, %v", back, err)
	}
}

// TestNoticeInputJSON checks the API's shape of the list fields: arrays,
// [] when empty, and null clears them, as when the API had its own
// request type.
func TestNoticeInputJSON(t *testing.T) {
	b, err := json.Marshal(models.NoticeInput{Routes: "12,7A"})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	if string(keys["routes"]) != `["12","7A"]` || string(keys["stops"]) != `[]` {
		t.Errorf("routes %s, stops %s", keys["routes"], keys["stops"])
	}
	in := models.NoticeInput{Routes: "12", Stops: "S1"}
	if err := json.Unmarshal([]byte(`{"routes":["12","7A"],"stops":null}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.Routes != "12,7A" || in.Stops != "" {
		t.Errorf("routes %q, stops %q", in.Routes, in.Stops)
	}
	if err := json.Unmarshal([]byte(`{"routes":"12"}`), &in); err == nil {
		t.Error("routes as a string was accepted; the API takes an array")
	}
}

// TestValidateNotice: the package-level name is the same rules.
func TestValidateNotice(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	in := models.NoticeInput{Kind: models.NoticeGeneral, TitleEn: " Fares ", BodyEn: "Unchanged."}
	a, errA := models.ValidateNotice(in, true, now)
	b, errB := in.Validate(true, now)
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) || a.TitleEn != "Fares" {
		t.Errorf("ValidateNotice %+v %v; Validate %+v %v", a, errA, b, errB)
	}
}
