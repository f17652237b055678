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
	n := &models.Notice{ID: 7, AccountID: 3, Kind: models.NoticeSafety, Translations: models.Texts("en", "title", "Flood", "body", "Move up.").With("zh-Hans", "title", "洪水", "body", "请转移。"),
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
	for _, c := range []struct {
		name, data string
		version    int
	}{
		{"current", string(current), 2},
		{"version 1", `{"v":1,"notice_id":7,"account_id":3,"kind":"safety","title_en":"Flood","title_zh":"洪水","body_en":"Move up.",` +
			`"body_zh":"请转移。","severity":"Extreme","area_desc":"Riverside","routes":"12,15","expires_at":"2026-12-01T08:00:00Z","revision":2}`, 1},
		{"before versions", legacy, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := broadcast.ParseSnapshot(c.data)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Notice()
			if s.Version != c.version || got.ID != 7 || got.AccountID != 3 || got.Title("zh-Hans") != "洪水" || got.Body("en") != "Move up." ||
				got.Severity != "Extreme" || got.AreaDesc != "Riverside" || got.Routes != "12,15" || got.Revision != 2 ||
				got.ExpiresAt == nil || !got.ExpiresAt.Equal(at) {
				t.Fatalf("snapshot %s read as %+v (version %d)", c.name, got, s.Version)
			}
		})
	}
	// The names are the snapshot's own, not Go's.
	if !strings.Contains(string(current), `"translations":{"en":{"body":"Move up.","title":"Flood"}`) || !strings.Contains(string(current), `"v":2`) {
		t.Fatalf("snapshot = %s", current)
	}
	if _, err := broadcast.ParseSnapshot(`{"v":99}`); err == nil {
		t.Fatal("a snapshot from a newer Plaza was read")
	}
	if _, err := broadcast.ParseSnapshot(`not json`); err == nil {
		t.Fatal("garbage was read as a snapshot")
	}
}
