package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticePlainLanguageAndHistory: a warning's page says what to do,
// how sure, until when and where in plain words, not in CAP's (which the
// CAP feed keeps); once updated, it says when it was last updated and
// what each update changed.
func TestNoticePlainLanguageAndHistory(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		ends := a.Store.Now().Add(2 * time.Hour)
		in := notice.Input{Kind: models.NoticeSafety,
			Translations: models.Texts("en", "title", "Flood watch", "body", "Move valuables upstairs.").With("zh-Hans", "title", "洪水警戒", "body", "请把贵重物品搬到楼上。"),
			CapCategory:  "Met", CapEvent: "Flood", Urgency: "Expected", Severity: "Moderate", Certainty: "Likely", AreaDesc: "Riverside", ExpiresAt: &ends}
		d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/notices/%d", n.ID)
		res := sendWith(t, a, a.Client(t), "GET", page, nil, en)
		expectBody(t, "the warning", res, http.StatusOK, "What to do", "Get ready to act within the hour.", "How sure", "It is likely to happen.",
			"Until when", "Until ", "Where", "Riverside")
		for _, raw := range []string{"Expected: act within the hour", "Certainty", "Urgency", "Last updated", `class="notice-history"`} {
			if strings.Contains(res.Body, raw) {
				t.Errorf("the first version's page says %q", raw)
			}
		}

		in.Severity, in.Urgency, in.Certainty = "Severe", "Immediate", "Observed"
		in.Translations.Set("en", "title", "Flood warning")
		later := ends.Add(2 * time.Hour)
		in.ExpiresAt = &later
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		res = sendWith(t, a, a.Client(t), "GET", page, nil, en)
		expectBody(t, "the updated warning", res, http.StatusOK, "Last updated", `class="notice-history"`, "Act now.", "It is happening now.",
			"Headline: Flood watch → Flood warning", "Severity: Moderate → Severe",
			"What to do: Get ready to act within the hour. → Act now.", "Until when: Until ")
		if strings.Contains(res.Body, "The text changed.") {
			t.Error("the history says the text changed; it did not")
		}
		chinese := sendWith(t, a, a.Client(t), "GET", page, nil, zh)
		expectBody(t, "the updated warning in Chinese", chinese, http.StatusOK, "最后更新于", "更新记录", "严重程度：", "请立即采取行动。", "正在发生。")

		// The feeds keep CAP's own words.
		capXML := sendWith(t, a, a.Client(t), "GET", fmt.Sprintf("/notices/%d.cap", n.ID), nil, en)
		expectBody(t, "the CAP message", capXML, http.StatusOK, "<urgency>Immediate</urgency>", "<severity>Severe</severity>", "<certainty>Observed</certainty>")

		// The alerts list says until when, too.
		alerts := sendWith(t, a, a.Client(t), "GET", "/alerts", nil, en)
		expectBody(t, "the alerts", alerts, http.StatusOK, "Flood warning", `class="small until"`, "Severity: Severe", "Where: Riverside")
		// In Chinese with full-width colons.
		expectBody(t, "the alerts in Chinese", sendWith(t, a, a.Client(t), "GET", "/alerts", nil, zh), http.StatusOK, "严重程度：严重", "地点：Riverside")
	})
}
