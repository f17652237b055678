package notice_test

import (
	"slices"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

func TestChanges(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	base := func() *models.Notice {
		return &models.Notice{Kind: models.NoticeSafety, DefaultLang: "en",
			Translations:  models.Texts("en", "title", "Flood", "body", "Stay up.").With("zh-Hans", "title", "洪水", "body", "请留在高处。"),
			ResponseTypes: "Prepare",
			Severity:      "Moderate", Urgency: "Expected", Certainty: "Likely", AreaDesc: "Riverside", Routes: "12,7", ExpiresAt: &at}
	}
	tests := []struct {
		name   string
		change func(n *models.Notice)
		lang   string
		want   []string
	}{
		{"nothing", func(*models.Notice) {}, "en", nil},
		{"the same expiry, another pointer", func(n *models.Notice) { same := at; n.ExpiresAt = &same }, "en", nil},
		{"headline", func(n *models.Notice) { n.Translations.Set("en", "title", "Flood warning") }, "en", []string{notice.ChangedTitle}},
		{"another language's headline", func(n *models.Notice) { n.Translations.Set("zh-Hans", "title", "洪水警告") }, "en", nil},
		{"another language's headline, read in it", func(n *models.Notice) { n.Translations.Set("zh-Hans", "title", "洪水警告") }, "zh-Hans", []string{notice.ChangedTitle}},
		{"severity and urgency", func(n *models.Notice) { n.Severity, n.Urgency = "Severe", "Immediate" }, "en",
			[]string{notice.ChangedSeverity, notice.ChangedUrgency}},
		{"what to do", func(n *models.Notice) { n.ResponseTypes = "Evacuate" }, "en", []string{notice.ChangedResponse}},
		{"another action added", func(n *models.Notice) { n.ResponseTypes = "Prepare,Monitor" }, "en", []string{notice.ChangedResponse}},
		{"instructions, after the headline", func(n *models.Notice) {
			n.Translations.Set("en", "instruction", "Move to high ground.")
			n.Severity = "Severe"
		}, "en", []string{notice.ChangedInstruction, notice.ChangedSeverity}},
		{"another language's instructions", func(n *models.Notice) { n.Translations.Set("zh-Hans", "instruction", "请前往高处。") }, "en", nil},
		{"another language's instructions, read in it", func(n *models.Notice) { n.Translations.Set("zh-Hans", "instruction", "请前往高处。") }, "zh-Hans",
			[]string{notice.ChangedInstruction}},
		{"certainty", func(n *models.Notice) { n.Certainty = "Observed" }, "en", []string{notice.ChangedCertainty}},
		{"later end", func(n *models.Notice) { n.ExpiresAt = &later }, "en", []string{notice.ChangedPeriod}},
		{"no end any more", func(n *models.Notice) { n.ExpiresAt = nil }, "en", []string{notice.ChangedPeriod}},
		{"a start", func(n *models.Notice) { n.EffectiveAt = &at }, "en", []string{notice.ChangedPeriod}},
		{"place and map", func(n *models.Notice) { n.AreaDesc, n.Area = "Old town", `{"districts":["north"]}` }, "en",
			[]string{notice.ChangedWhere, notice.ChangedMap}},
		{"routes in another order", func(n *models.Notice) { n.Routes = "7,12" }, "en", []string{notice.ChangedRoutes}},
		{"stops", func(n *models.Notice) { n.Stops = "S1" }, "en", []string{notice.ChangedStops}},
		{"text, last", func(n *models.Notice) { n.Translations.Set("en", "body", "Go up."); n.Severity = "Severe" }, "en",
			[]string{notice.ChangedSeverity, notice.ChangedBody}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := base(), base()
			tt.change(after)
			if got := notice.Changes(before, after, tt.lang); !slices.Equal(got, tt.want) {
				t.Errorf("Changes = %q, want %q", got, tt.want)
			}
		})
	}
}
