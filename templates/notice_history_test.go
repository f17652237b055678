package templates

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticeHistory: a notice's history lists its versions newest first,
// each with what changed in plain words, and at most maxHistory of them;
// a notice never updated has none.
func TestNoticeHistory(t *testing.T) {
	ctx := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	version := func(severity string) *models.Notice {
		return &models.Notice{Kind: models.NoticeSafety, DefaultLang: "en", Translations: models.Texts("en", "title", "Flood", "body", "Stay up."),
			Severity: severity, Urgency: "Expected"}
	}
	render := func(h []NoticeUpdate) string {
		t.Helper()
		var sb strings.Builder
		if err := noticeHistory(h, "en").Render(ctx, &sb); err != nil {
			t.Fatal(err)
		}
		return sb.String()
	}
	history := []NoticeUpdate{{Kind: models.KindPublish, At: at, After: version("Moderate")}}
	if got := render(history); got != "" {
		t.Fatalf("a notice never updated has a history: %s", got)
	}
	if _, ok := LastUpdate(history); ok {
		t.Fatal("a notice never updated was last updated")
	}
	prev := history[0].After
	for i := 1; i <= maxHistory+4; i++ {
		sev := "Severe"
		if i%2 == 0 {
			sev = "Moderate"
		}
		next := version(sev)
		history = append(history, NoticeUpdate{Kind: models.KindUpdate, At: at.Add(time.Duration(i) * time.Minute), Before: prev, After: next,
			Changed: notice.Changes(prev, next, "en")})
		prev = next
	}
	got := render(history)
	if n := strings.Count(got, "<strong>Updated</strong>"); n != maxHistory {
		t.Errorf("%d versions listed, want the latest %d", n, maxHistory)
	}
	if strings.Contains(got, "<strong>Published</strong>") || !strings.Contains(got, "Only the latest 20 versions are shown.") {
		t.Error("the cut is not said")
	}
	if !strings.Contains(got, "Severity: Moderate → Severe") || !strings.Contains(got, "Severity: Severe → Moderate") {
		t.Errorf("the changes are not in plain words: %s", got)
	}
	// Newest first.
	if strings.Index(got, "2026-12-06T10:24:00Z") > strings.Index(got, "2026-12-06T10:23:00Z") {
		t.Error("the versions are not newest first")
	}
	if last, ok := LastUpdate(history); !ok || !last.Equal(at.Add(time.Duration(maxHistory+4)*time.Minute)) {
		t.Errorf("last updated %v", last)
	}
}
