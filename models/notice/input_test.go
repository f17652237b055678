package notice_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticeInputStoredShape holds the alert feed's stored shape still: held
// changes and content hashes already in databases were written in it,
// before the input had json tags (and when it was models.NoticeInput),
// and a hash that changed would send every live alert out again as an
// update.
func TestNoticeInputStoredShape(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	in := notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "T"), Routes: "12,7", EffectiveAt: &at, Tags: []string{"line-12"}}
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

// TestNoticeInputStoredResponse: an alert with response types and an
// instruction, in English as in another language, keeps them through the
// stored shape (a held change loses nothing), while one without them
// stores as before (TestNoticeInputStoredShape).
func TestNoticeInputStoredResponse(t *testing.T) {
	in := notice.Input{Kind: models.NoticeSafety, ResponseTypes: []string{"Shelter", "Monitor"},
		Translations: models.Texts("en", "title", "Storm", "body", "Gales.", "instruction", "Stay indoors.").
			With("zh-Hans", "title", "风暴", "body", "大风。", "instruction", "请留在室内。").
			With("es", "title", "Tormenta", "body", "Vientos.", "instruction", "Quédese en casa.")}
	b, err := in.StoredJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"ResponseTypes":["Shelter","Monitor"]`) || !strings.Contains(string(b), `"TitleEn":"Storm"`) {
		t.Errorf("stored as %s", b)
	}
	// As an alert feed holds a change that came too soon.
	var it alertsource.Item
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	if err := it.Hold(in, "h", at, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	back, err := it.Held()
	if err != nil || !reflect.DeepEqual(back.Translations, in.Translations) || !reflect.DeepEqual(back.ResponseTypes, in.ResponseTypes) {
		t.Errorf("held change read back as %+v, %v", back, err)
	}
}

// TestNoticeInputJSON checks the API's shape of the list fields: arrays,
// [] when empty, and null clears them, as when the API had its own
// request type.
func TestNoticeInputJSON(t *testing.T) {
	b, err := json.Marshal(notice.Input{Routes: "12,7A"})
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
	in := notice.Input{Routes: "12", Stops: "S1"}
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

// validationCases are the refusals both the pure test and the
// through-the-service test check.
func validationCases(now time.Time) (safety notice.Input, cases []validationCase) {
	past, later := now.Add(-time.Hour), now.Add(time.Hour)
	safety = notice.Input{Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Storm", "body", "Stay in."), CapCategory: "Met",
		CapEvent: "Storm", Urgency: "Expected", Severity: "Moderate", Certainty: "Likely"}
	with := func(f func(*notice.Input)) notice.Input {
		in := safety
		in.Translations = safety.Translations.Clone()
		f(&in)
		return in
	}
	return safety, []validationCase{
		{"no kind", with(func(in *notice.Input) { in.Kind = "" }), false, "kind"},
		{"unknown kind", with(func(in *notice.Input) { in.Kind = "rumour" }), false, "kind"},
		{"no title in the default language", with(func(in *notice.Input) { in.Translations.Set("en", "title", "") }), false, "title.en"},
		{"only another language's title", with(func(in *notice.Input) {
			in.Translations = models.Texts("es", "title", "Tormenta", "body", "Quédese en casa.")
		}), false, "title.en"},
		{"body without its title", with(func(in *notice.Input) { in.Translations.Set("zh-Hans", "body", "正文") }), false, "title.zh-Hans"},
		{"title too long", with(func(in *notice.Input) { in.Translations.Set("en", "title", string(make([]rune, 201))) }), false, "title.en"},
		{"a language the account does not have", with(func(in *notice.Input) {
			in.Langs = []string{"en", "es"}
			in.Translations.With("fr", "title", "Tempête", "body", "Restez chez vous.")
		}), false, "translations"},
		{"bad severity", with(func(in *notice.Input) { in.Severity = "Apocalyptic" }), false, "severity"},
		{"bad cause", with(func(in *notice.Input) { in.Kind, in.Cause = models.NoticeTransit, "ALIENS" }), false, "cause"},
		{"expiry before start", with(func(in *notice.Input) { in.EffectiveAt, in.ExpiresAt = &later, &past }), false, "expires_at"},
		{"bad tag", with(func(in *notice.Input) { in.Tags = []string{"Line 12!"} }), false, "tags"},
		{"publish without severity", with(func(in *notice.Input) { in.Severity = "" }), true, "severity"},
		{"publish without event", with(func(in *notice.Input) { in.CapEvent = "" }), true, "cap_event"},
		{"publish a title without body", with(func(in *notice.Input) { in.Translations.Set("zh-Hans", "title", "风暴") }), true, "body.zh-Hans"},
		{"publish already expired", with(func(in *notice.Input) { in.ExpiresAt = &past }), true, "expires_at"},
		{"unknown response type", with(func(in *notice.Input) { in.ResponseTypes = []string{"Shelter", "Panic"} }), false, "response_types"},
		{"response type in the wrong case", with(func(in *notice.Input) { in.ResponseTypes = []string{"shelter"} }), false, "response_types"},
		{"None with an action", with(func(in *notice.Input) { in.ResponseTypes = []string{"None", "Evacuate"} }), false, "response_types"},
		{"AllClear with an action", with(func(in *notice.Input) { in.ResponseTypes = []string{"Shelter", "AllClear"} }), false, "response_types"},
		{"instruction too long", with(func(in *notice.Input) {
			in.Translations.Set("en", "instruction", strings.Repeat("x", 2001))
		}), false, "instruction.en"},
		{"instruction without its title", with(func(in *notice.Input) { in.Translations.Set("zh-Hans", "instruction", "请留在室内。") }), false, "instruction.zh-Hans"},
		{"publish an instruction missing in one language", with(func(in *notice.Input) {
			in.Translations.Set("en", "instruction", "Stay indoors.")
			in.Translations.With("zh-Hans", "title", "风暴", "body", "请留在室内。")
		}), true, "instruction.zh-Hans"},
	}
}

type validationCase struct {
	name    string
	in      notice.Input
	publish bool
	field   string
}

// validate is Validate for a notice that goes out, ValidateDraft for a
// draft.
func validate(in notice.Input, publish bool, now time.Time) (notice.Input, error) {
	if publish {
		return notice.Validate(in, now)
	}
	return notice.ValidateDraft(in, now)
}

// TestNoticeInputValidate checks the rules on their own, with no
// database.
func TestNoticeInputValidate(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	safety, cases := validationCases(now)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validate(tt.in, tt.publish, now)
			if v, ok := models.AsValidation(err); !ok || v.Fields[tt.field] == "" {
				t.Fatalf("err = %v, want a message for %s", err, tt.field)
			}
			if !tt.publish {
				// What a draft may not hold, publishing refuses too.
				if _, err := notice.Validate(tt.in, now); err == nil {
					t.Error("Validate took what ValidateDraft refuses")
				}
				return
			}
			// What publishing refuses, a draft may hold.
			if _, err := notice.ValidateDraft(tt.in, now); err != nil && tt.field != "expires_at" {
				t.Errorf("as a draft: %v", err)
			}
		})
	}
	for _, publish := range []bool{false, true} {
		if _, err := validate(safety, publish, now); err != nil {
			t.Errorf("a complete safety notice (publish %v): %v", publish, err)
		}
	}
	// Response types are cleaned (blanks and repeats out, the given order
	// kept), and several may go together.
	in := safety
	in.ResponseTypes = []string{" Prepare", "Monitor", "", "Prepare"}
	in.Translations = safety.Translations.Clone().With("en", "instruction", "  Charge your phone. ")
	got, err := notice.Validate(in, now)
	if err != nil || !reflect.DeepEqual(got.ResponseTypes, []string{"Prepare", "Monitor"}) || got.Translations.Get("en", "instruction") != "Charge your phone." {
		t.Fatalf("response types %q, instruction %q, %v", got.ResponseTypes, got.Translations.Get("en", "instruction"), err)
	}
	// A draft may be incomplete; transit defaults its cause and effect and
	// cleans its routes.
	d, err := notice.ValidateDraft(notice.Input{Kind: models.NoticeTransit, Translations: models.Texts("en", "title", " Works "), Routes: "12, 7\n12", Stops: "S1"}, now)
	if err != nil || d.Cause != "UNKNOWN_CAUSE" || d.Effect != "UNKNOWN_EFFECT" || d.Routes != "12,7" || d.Translations.Get("en", "title") != "Works" {
		t.Fatalf("draft = %+v, %v", d, err)
	}
}

// TestValidateNotice: a complete notice passes Validate and ValidateDraft
// alike, cleaned the same way.
func TestValidateNotice(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", " Fares ", "body", "Unchanged.")}
	a, errA := notice.Validate(in, now)
	b, errB := notice.ValidateDraft(in, now)
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) || a.Translations.Get("en", "title") != "Fares" {
		t.Errorf("Validate %+v %v; ValidateDraft %+v %v", a, errA, b, errB)
	}
}

// TestNoticeInLanguages: the texts of any language the account has, the
// legacy two-language API fields folded in, and the stored shape of a
// third language.
func TestNoticeInLanguages(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	in := notice.Input{Kind: models.NoticeGeneral, Langs: []string{"es", "en", "ar"}, DefaultLang: "es",
		Translations: models.Texts("es", "title", "Tarifas", "body", "Sin cambios.").With("ar", "title", "الأسعار", "body", "دون تغيير.")}
	got, err := notice.Validate(in, now)
	if err != nil || got.Translations.Get("ar", "title") != "الأسعار" {
		t.Fatalf("Validate = %+v, %v", got, err)
	}
	legacy := notice.Input{Kind: models.NoticeGeneral, LegacyTitleEn: " Fares ", LegacyBodyEn: "Unchanged.", LegacyTitleZh: "票价", LegacyBodyZh: "不变。"}
	got, err = notice.Validate(legacy, now)
	if err != nil || got.Translations.Get("en", "title") != "Fares" || got.Translations.Get("zh-Hans", "body") != "不变。" || got.LegacyTitleEn != "" {
		t.Fatalf("legacy fields: %+v, %v", got, err)
	}
	b, err := got.StoredJSON()
	if err != nil || strings.Contains(string(b), "Other") {
		t.Errorf("English and Chinese are stored as before: %s, %v", b, err)
	}
	b, err = in.StoredJSON()
	if err != nil || !strings.Contains(string(b), `"Other":{"ar":{"body":"دون تغيير.","title":"الأسعار"},"es":`) {
		t.Errorf("other languages are stored under Other: %s, %v", b, err)
	}
	var back notice.Input
	if err := back.UnmarshalStored(b); err != nil || !reflect.DeepEqual(back.Translations, in.Translations) {
		t.Errorf("read back %+v, %v", back.Translations, err)
	}
}
