package broadcast_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
)

func TestSnapshotVersions(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	n := &models.Notice{ID: 7, AccountID: 3, Kind: models.NoticeSafety, DefaultLang: "en", Translations: models.Texts("en", "title", "Flood", "body", "Move up.").With("zh-Hans", "title", "洪水", "body", "请转移。"),
		Severity: "Extreme", AreaDesc: "Riverside", Routes: "12,15", ExpiresAt: &at, Revision: 2}
	current, err := json.Marshal(broadcast.SnapshotOf(n))
	if err != nil {
		t.Fatal(err)
	}
	// Snapshots stored before they had a version: models.Notice as Go
	// named its fields then, including fields a snapshot does not use.
	legacy := `{"ID":7,"AccountID":3,"Kind":"safety","Status":"published","TitleEn":"Flood","TitleZh":"洪水",` +
		`"BodyEn":"Move up.","BodyZh":"请转移。","Severity":"Extreme","AreaDesc":"Riverside","Routes":"12,15",` +
		`"ExpiresAt":"2026-12-01T08:00:00Z","Revision":2,"CreatedAt":"2026-12-01T07:00:00Z"}`
	// Version 1: the snapshot's own names, a column per language.
	v1 := `{"v":1,"notice_id":7,"account_id":3,"kind":"safety","title_en":"Flood","title_zh":"洪水","body_en":"Move up.",` +
		`"body_zh":"请转移。","severity":"Extreme","area_desc":"Riverside","routes":"12,15","expires_at":"2026-12-01T08:00:00Z","revision":2}`
	for _, c := range []struct {
		name, data string
		version    int
	}{
		{"current", string(current), 2},
		{"two languages", v1, 1},
		{"before versions", legacy, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := broadcast.ParseSnapshot(c.data)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Notice()
			if s.Version != c.version || got.ID != 7 || got.AccountID != 3 || got.Title("zh-Hans") != "洪水" || got.Title("zh-Hant") != "Flood" || got.DefaultLang != "en" || got.Body("en") != "Move up." ||
				got.Severity != "Extreme" || got.AreaDesc != "Riverside" || got.Routes != "12,15" || got.Revision != 2 ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(at) {
				t.Fatalf("snapshot %s read as %+v (version %d)", c.name, got, s.Version)
			}
		})
	}
	// The names are the snapshot's own, not Go's.
	if !strings.Contains(string(current), `"translations":{"en":{"body":"Move up.","title":"Flood"}`) || !strings.Contains(string(current), `"v":2`) ||
		strings.Contains(string(current), "title_en") {
		t.Fatalf("snapshot = %s", current)
	}
	if _, err := broadcast.ParseSnapshot(`{"v":99}`); err == nil {
		t.Fatal("a snapshot from a newer Plaza was read")
	}
	if _, err := broadcast.ParseSnapshot(`not json`); err == nil {
		t.Fatal("garbage was read as a snapshot")
	}
}

// TestSnapshotWhatToDo: a safety notice's response types and
// instructions are frozen with it, and the message carries them after
// the text, in the reader's version, as one "What to do" line.
func TestSnapshotWhatToDo(t *testing.T) {
	n := &models.Notice{ID: 7, AccountID: 3, Kind: models.NoticeSafety, DefaultLang: "en", ResponseTypes: "Evacuate,Monitor",
		Translations: models.Texts("en", "title", "Flood", "body", "The river is rising.", "instruction", "Go to the school on Hill Road.").
			With("zh-Hans", "title", "洪水", "body", "河水正在上涨。", "instruction", "请前往山路学校。")}
	data, err := json.Marshal(broadcast.SnapshotOf(n))
	if err != nil {
		t.Fatal(err)
	}
	s, err := broadcast.ParseSnapshot(string(data))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Notice()
	if got.ResponseTypes != "Evacuate,Monitor" || got.Instruction("zh-Hans") != "请前往山路学校。" {
		t.Fatalf("snapshot read as %+v", got)
	}
	a := &models.Account{ID: 3, Handle: "citysafety", DefaultLang: "en"}
	for _, tt := range []struct{ lang, text, html string }{
		{"en", "The river is rising.\n\nWhat to do: Leave the area. Watch for updates on the news and here. Go to the school on Hill Road.",
			"<p><strong>What to do: Leave the area. Watch for updates on the news and here. Go to the school on Hill Road.</strong></p>"},
		{"zh-Hans", "河水正在上涨。\n\n您该怎么做：请离开该地区。请留意新闻和本页的最新消息。请前往山路学校。",
			"<p><strong>您该怎么做：请离开该地区。请留意新闻和本页的最新消息。请前往山路学校。</strong></p>"},
	} {
		c := broadcast.Preview(got, a, tt.lang, "https://plaza.example.org", time.UTC)
		if !strings.HasPrefix(c.Text, tt.text) || !strings.Contains(c.HTML, tt.html) {
			t.Errorf("%s: text %q\nhtml %q", tt.lang, c.Text, c.HTML)
		}
	}
	// A general notice carries none, even if an editor left some behind.
	n.Kind = models.NoticeGeneral
	if c := broadcast.Preview(n, a, "en", "https://plaza.example.org", time.UTC); strings.Contains(c.Text, "What to do") {
		t.Errorf("general notice: %q", c.Text)
	}
}
