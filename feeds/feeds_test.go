package feeds

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MobilityData/gtfs-realtime-bindings/golang/gtfs"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/plazahq/plaza/models"
)

var site = Site{BaseURL: "https://plaza.example.org"}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func typhoon() *models.Notice {
	return &models.Notice{ID: 7, AccountID: 2, Kind: models.NoticeSafety, Status: models.NoticePublished,
		Translations: models.Texts("en", "title", "Typhoon signal 8 & rising", "body", "Stay **indoors**.\n\n- Avoid the seafront").With("zh-Hans", "title", "八号风球", "body", "请留在室内。"),
		CapCategory:  "Met", CapEvent: "Typhoon", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed",
		AreaDesc: "Whole city <coast>", EffectiveAt: at("2026-11-23T08:00:00Z"), ExpiresAt: at("2026-11-24T08:00:00Z"),
		PublishedAt: at("2026-11-23T07:55:00Z"), UpdatedAt: *at("2026-11-23T09:00:00Z")}
}

var account = &models.PublicAccount{Account: models.Account{ID: 2, Handle: "citysafety", Name: "City Safety Office", DefaultLang: "en", Languages: "en,zh-Hans",
	Translations: models.Texts("en", "name", "City Safety Office").With("zh-Hans", "name", "城市安全办公室")}}

func broadcasts(kinds ...string) []models.Broadcast {
	var out []models.Broadcast
	for i, k := range kinds {
		out = append([]models.Broadcast{{ID: int64(10 + i), NoticeID: 7, Kind: k,
			CreatedAt: time.Date(2026, 11, 23, 8+i, 0, 0, 0, time.UTC)}}, out...)
	}
	return out
}

// validate checks a CAP document against the OASIS CAP 1.2 schema with
// xmllint. CI installs xmllint; elsewhere the check is skipped only when
// it is missing.
func validate(t *testing.T, doc []byte) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is missing (apt install libxml2-utils)")
		}
		t.Skip("xmllint is not installed (apt install libxml2-utils)")
	}
	f := filepath.Join(t.TempDir(), "alert.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/cap12.xsd", f).CombinedOutput()
	if err != nil {
		t.Fatalf("CAP alert does not validate: %v\n%s\n%s", err, out, doc)
	}
}

func TestCAPValidatesForEveryKindOfMessage(t *testing.T) {
	zhOnly := typhoon()
	zhOnly.Translations = models.Texts("zh-Hans", "title", zhOnly.Title("zh-Hans"), "body", zhOnly.Body("zh-Hans"))
	zhOnly.DefaultLang = "zh-Hans"
	zhOnly.AreaDesc, zhOnly.EffectiveAt, zhOnly.ExpiresAt = "", nil, nil
	threeLangs := typhoon()
	threeLangs.DefaultLang = "en"
	threeLangs.Translations.With("ar", "title", "إشارة الإعصار 8 وترتفع", "body", "ابقوا **في الداخل**.")
	// What to do: two response types and an instruction per language.
	instructed := func() *models.Notice {
		n := typhoon()
		n.ResponseTypes = "Shelter,Monitor"
		n.Translations.With("en", "instruction", "Stay indoors & away from windows.").With("zh-Hans", "instruction", "请留在室内，远离窗户。")
		return n
	}
	tests := []struct {
		name       string
		n          *models.Notice
		bs         []models.Broadcast
		msgType    string
		response   string
		references int
		infos      int
		// instruction is the first info's.
		instruction string
	}{
		{"first alert", typhoon(), broadcasts("publish"), "Alert", "", 0, 2, ""},
		{"update", typhoon(), broadcasts("publish", "update"), "Update", "", 1, 2, ""},
		{"second update", typhoon(), broadcasts("publish", "update", "update"), "Update", "", 2, 2, ""},
		{"all clear", typhoon(), broadcasts("publish", "update", "all_clear"), "Update", "AllClear", 2, 2, ""},
		{"cancel", typhoon(), broadcasts("publish", "cancel"), "Cancel", "", 1, 2, ""},
		{"Chinese only, no area or times", zhOnly, broadcasts("publish"), "Alert", "", 0, 1, ""},
		{"three languages, one info each", threeLangs, broadcasts("publish"), "Alert", "", 0, 3, ""},
		{"what to do", instructed(), broadcasts("publish"), "Alert", "Shelter Monitor", 0, 2, "Stay indoors & away from windows."},
		{"what to do, updated", instructed(), broadcasts("publish", "update"), "Update", "Shelter Monitor", 1, 2, "Stay indoors & away from windows."},
		{"what to do, all clear", instructed(), broadcasts("publish", "all_clear"), "Update", "AllClear", 1, 2, ""},
		{"what to do, cancelled", instructed(), broadcasts("publish", "cancel"), "Cancel", "", 1, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := CAP(site, account, tt.n, tt.bs, nil)
			if err != nil {
				t.Fatal(err)
			}
			validate(t, doc)
			var got capAlert
			if err := xml.Unmarshal(doc, &got); err != nil {
				t.Fatal(err)
			}
			refs := strings.Fields(got.References)
			if got.MsgType != tt.msgType || len(refs) != tt.references || len(got.Info) != tt.infos || got.Status != "Actual" || got.Scope != "Public" {
				t.Fatalf("alert = %+v", got)
			}
			if got.Sender != "citysafety@plaza.example.org" || !strings.HasPrefix(got.Identifier, "urn:plaza:plaza.example.org:notice:7:broadcast:") {
				t.Fatalf("sender %q identifier %q", got.Sender, got.Identifier)
			}
			for _, r := range refs {
				if parts := strings.Split(r, ","); len(parts) != 3 || parts[0] != got.Sender || parts[1] == got.Identifier {
					t.Fatalf("reference %q", r)
				}
			}
			info := got.Info[0]
			if strings.Join(info.ResponseType, " ") != tt.response || info.Instruction != tt.instruction || info.Severity != "Severe" || info.Web != "https://plaza.example.org/@citysafety/notices/7" {
				t.Fatalf("info = %+v", info)
			}
		})
	}
	doc, _ := CAP(site, account, typhoon(), broadcasts("publish"), nil)
	s := string(doc)
	for _, want := range []string{"<language>en</language>", "<language>zh-Hans</language>", "<sent>2026-11-23T08:00:00+00:00</sent>",
		"<effective>2026-11-23T08:00:00+00:00</effective>", "Typhoon signal 8 &amp; rising", "Stay indoors.", "- Avoid the seafront",
		"<areaDesc>Whole city &lt;coast&gt;</areaDesc>", "<senderName>城市安全办公室</senderName>"} {
		if !strings.Contains(s, want) {
			t.Errorf("CAP lacks %q:\n%s", want, s)
		}
	}
	doc, _ = CAP(site, account, instructed(), broadcasts("publish"), nil)
	s = string(doc)
	for _, want := range []string{"<responseType>Shelter</responseType>\n    <responseType>Monitor</responseType>\n    <urgency>",
		"<instruction>Stay indoors &amp; away from windows.</instruction>", "<instruction>请留在室内，远离窗户。</instruction>"} {
		if !strings.Contains(s, want) {
			t.Errorf("CAP lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(string(mustCAP(t, typhoon())), "instruction") {
		t.Error("a notice without an instruction got an <instruction>")
	}
	general := typhoon()
	general.Kind = models.NoticeGeneral
	if _, err := CAP(site, account, general, broadcasts("publish"), nil); err == nil {
		t.Error("a general notice was given a CAP form")
	}
}

func mustCAP(t *testing.T, n *models.Notice) []byte {
	t.Helper()
	doc, err := CAP(site, account, n, broadcasts("publish"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestGTFSRealtimeServiceAlerts(t *testing.T) {
	detour := models.Notice{ID: 3, Kind: models.NoticeTransit, Status: models.NoticeUpdated, Translations: models.Texts("en", "title", "Line 12 detour", "body", "Via **Bridge St**.").With("zh-Hans", "title", "12 路绕行", "body", "改经桥街。").With("es", "title", "Desvío de la línea 12", "body", "Por **Bridge St**."), DefaultLang: "en",
		Routes: "12,7A", Stops: "1042",
		Cause: "CONSTRUCTION", Effect: "DETOUR", EffectiveAt: at("2026-11-23T06:00:00Z"), ExpiresAt: at("2026-11-30T22:00:00Z")}
	strike := models.Notice{ID: 4, Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Strike", "body", "No trams."), Cause: "STRIKE", Effect: "NO_SERVICE"}
	storm := *typhoon()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	msg := ServiceAlerts(site, "citytransit", "CTA", []models.Notice{detour, strike, storm}, now)
	for _, asJSON := range []bool{false, true} {
		raw, err := EncodeGTFSRT(msg, asJSON)
		if err != nil {
			t.Fatal(err)
		}
		var got gtfs.FeedMessage
		if asJSON {
			err = protojson.Unmarshal(raw, &got)
		} else {
			err = proto.Unmarshal(raw, &got)
		}
		if err != nil {
			t.Fatalf("decode (json %v): %v", asJSON, err)
		}
		if got.GetHeader().GetGtfsRealtimeVersion() != "2.0" || got.GetHeader().GetTimestamp() != uint64(now.Unix()) ||
			got.GetHeader().GetIncrementality() != gtfs.FeedHeader_FULL_DATASET || len(got.GetEntity()) != 3 {
			t.Fatalf("header/entities: %v", &got)
		}
		e := got.GetEntity()[0]
		a := e.GetAlert()
		if e.GetId() != "notice-3" || a.GetCause() != gtfs.Alert_CONSTRUCTION || a.GetEffect() != gtfs.Alert_DETOUR {
			t.Fatalf("entity 0: %v", e)
		}
		if p := a.GetActivePeriod(); len(p) != 1 || p[0].GetStart() != uint64(detour.EffectiveAt.Unix()) || p[0].GetEnd() != uint64(detour.ExpiresAt.Unix()) {
			t.Fatalf("active period: %v", p)
		}
		ie := a.GetInformedEntity()
		if len(ie) != 3 || ie[0].GetRouteId() != "12" || ie[1].GetRouteId() != "7A" || ie[2].GetStopId() != "1042" || ie[0].GetAgencyId() != "CTA" {
			t.Fatalf("informed entities: %v", ie)
		}
		h := a.GetHeaderText().GetTranslation()
		// Every language, the default first, each tagged as BCP 47.
		if len(h) != 3 || h[0].GetText() != "Line 12 detour" || h[0].GetLanguage() != "en" || h[1].GetText() != "Desvío de la línea 12" || h[1].GetLanguage() != "es" ||
			h[2].GetText() != "12 路绕行" || h[2].GetLanguage() != "zh-Hans" {
			t.Fatalf("header text: %v", h)
		}
		if d := a.GetDescriptionText().GetTranslation(); d[0].GetText() != "Via Bridge St." {
			t.Fatalf("description: %v", d)
		}
		if u := a.GetUrl().GetTranslation(); len(u) != 1 || u[0].GetText() != "https://plaza.example.org/@citytransit/notices/3" {
			t.Fatalf("url: %v", u)
		}
		if a.GetSeverityLevel() != gtfs.Alert_UNKNOWN_SEVERITY {
			t.Fatalf("transit severity: %v", a.GetSeverityLevel())
		}
		s := got.GetEntity()[1].GetAlert()
		if len(s.GetInformedEntity()) != 1 || s.GetInformedEntity()[0].GetAgencyId() != "CTA" || s.GetInformedEntity()[0].RouteId != nil ||
			len(s.GetActivePeriod()) != 0 || s.GetEffect() != gtfs.Alert_NO_SERVICE {
			t.Fatalf("agency-wide alert: %v", s)
		}
		if w := got.GetEntity()[2].GetAlert(); w.GetSeverityLevel() != gtfs.Alert_SEVERE {
			t.Fatalf("severe safety notice: %v", w.GetSeverityLevel())
		}
	}
}

func TestAtomFeed(t *testing.T) {
	n := typhoon()
	// A notice without a version in the feed's language: its default,
	// tagged as such.
	threeLangs := typhoon()
	threeLangs.ID, threeLangs.DefaultLang = 8, "en"
	threeLangs.Translations = models.Texts("en", "title", "Heat", "body", "Drink water.").With("ar", "title", "حر", "body", "اشربوا الماء.")
	doc, updated, err := Atom(site, Feed{ID: "https://plaza.example.org/@citysafety/notices", Title: "City Safety",
		Self: "https://plaza.example.org/@citysafety/notices.atom", Alternate: "https://plaza.example.org/@citysafety",
		Author: "City", Lang: "zh-Hans", CAP: true}, []Item{{Notice: n, Handle: "citysafety"}, {Notice: threeLangs, Handle: "citysafety"}})
	if err != nil {
		t.Fatal(err)
	}
	if !updated.Equal(n.UpdatedAt) {
		t.Fatalf("updated %v", updated)
	}
	var f atomFeed
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatal(err)
	}
	e := f.Entries[0]
	if e.Title != "八号风球" || e.Lang != "zh-Hans" || len(e.Links) != 2 || e.Links[1].Type != CAPContentType ||
		e.Links[1].Href != "https://plaza.example.org/notices/7.cap" || !strings.Contains(e.Content.Body, "请留在室内") {
		t.Fatalf("entry = %+v", e)
	}
	if e := f.Entries[1]; e.Title != "Heat" || e.Lang != "en" {
		t.Fatalf("entry without the feed's language = %+v", e)
	}
	if strings.Contains(string(doc), "您该怎么做") {
		t.Fatal("an entry without instructions says what to do")
	}
	// A safety notice's instructions follow its text, in the entry's
	// language, escaped once as the HTML content is.
	n.Translations.With("zh-Hans", "instruction", "请远离窗户 <及海旁>。")
	doc, _, err = Atom(site, Feed{ID: "x", Lang: "zh-Hans"}, []Item{{Notice: n, Handle: "citysafety"}})
	if err != nil {
		t.Fatal(err)
	}
	var withTodo atomFeed
	if err := xml.Unmarshal(doc, &withTodo); err != nil {
		t.Fatal(err)
	}
	if body := withTodo.Entries[0].Content.Body; !strings.HasSuffix(body, "<p><strong>您该怎么做：请远离窗户 &lt;及海旁&gt;。</strong></p>\n") || !strings.Contains(body, "请留在室内") {
		t.Fatalf("entry content %q", body)
	}
}
