package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// TestNoticePlainLanguageAndHistory: a warning's page says when to act,
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
		expectBody(t, "the warning", res, http.StatusOK, "When to act", "Get ready to act within the hour.", "How sure", "It is likely to happen.",
			"Until when", "Until ", "Where", "Riverside")
		// Without response types or instructions, nothing says what to do.
		for _, raw := range []string{"Expected: act within the hour", "Certainty", "Urgency", "Last updated", `class="notice-history"`, "What to do"} {
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
			"When to act: Get ready to act within the hour. → Act now.", "Until when: Until ")
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

// TestNoticeWhatToDo: a warning's response types and instructions are
// what its page says under "What to do", in plain words in each of the
// five interface languages (the instructions in the warning's own version
// for the reader); an update of them is named in its history; the CAP
// message and the GeoJSON keep CAP's words; and once the all-clear is
// given, the page no longer tells anyone to do anything.
func TestNoticeWhatToDo(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		boss := f.Member(models.RoleOwner)
		in := notice.Input{Kind: models.NoticeSafety, ResponseTypes: []string{"Evacuate", "Monitor"},
			Translations: models.Texts("en", "title", "Flood warning", "body", "The river is rising.", "instruction", "Go to the school on Hill Road.").
				With("zh-Hans", "title", "洪水警告", "body", "河水正在上涨。", "instruction", "请前往山路学校。"),
			CapCategory: "Met", CapEvent: "Flood", Urgency: "Immediate", Severity: "Severe", Certainty: "Observed"}
		d, err := a.Notices.CreateNotice(ctx, boss, f.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		n, _, err := a.Notices.PublishNotice(ctx, boss, f.Account, d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/@metro/notices/%d", n.ID)
		for _, l := range i18n.Langs() {
			res := sendWith(t, a, a.Client(t), "GET", page, nil, map[string]string{"Accept-Language": l.Tag()})
			// zh-Hant readers get the default (English) version, never the
			// other Chinese script.
			instr := "Go to the school on Hill Road."
			if l == i18n.ZHHans {
				instr = "请前往山路学校。"
			}
			expectBody(t, "the warning in "+l.Tag(), res, http.StatusOK, i18n.T(l, "notices.plain_what_to_do"),
				i18n.T(l, "plain.response_evacuate"), i18n.T(l, "plain.response_monitor"), `<p class="instruction">`+instr+"</p>",
				i18n.T(l, "notices.plain_when"), i18n.T(l, "plain.urgency_immediate"))
			if strings.Contains(res.Body, ">Evacuate<") || strings.Contains(res.Body, "Monitor<") {
				t.Errorf("%s: the page shows CAP's own words", l.Tag())
			}
		}
		capXML := sendWith(t, a, a.Client(t), "GET", fmt.Sprintf("/notices/%d.cap", n.ID), nil, en)
		expectBody(t, "the CAP message", capXML, http.StatusOK, "<responseType>Evacuate</responseType>", "<responseType>Monitor</responseType>",
			"<instruction>Go to the school on Hill Road.</instruction>", "<instruction>请前往山路学校。</instruction>")
		geo := sendWith(t, a, a.Client(t), "GET", "/@metro/alerts.geojson", nil, en)
		expectBody(t, "the GeoJSON", geo, http.StatusOK, `"instruction":"Go to the school on Hill Road."`, `"response_types":["Evacuate","Monitor"]`)

		in.ResponseTypes = []string{"Shelter"}
		in.Translations.Set("en", "instruction", "Stay upstairs.")
		in.Translations.Set("zh-Hans", "instruction", "请留在楼上。")
		if _, _, err := a.Notices.UpdateNotice(ctx, boss, f.Account, n.ID, in); err != nil {
			t.Fatal(err)
		}
		res := sendWith(t, a, a.Client(t), "GET", page, nil, en)
		expectBody(t, "the updated warning", res, http.StatusOK, `<p class="instruction">Stay upstairs.</p>`,
			"What to do: Leave the area. Watch for updates on the news and here. → Take shelter indoors and stay there.",
			"Instructions: Go to the school on Hill Road. → Stay upstairs.")
		chinese := sendWith(t, a, a.Client(t), "GET", page, nil, zh)
		expectBody(t, "the updated warning in Chinese", chinese, http.StatusOK, "行动指引：请前往山路学校。 → 请留在楼上。")

		if _, _, err := a.Notices.EndNotice(ctx, boss, f.Account, n.ID, models.EndAllClear); err != nil {
			t.Fatal(err)
		}
		res = sendWith(t, a, a.Client(t), "GET", page, nil, en)
		expectBody(t, "the all-clear", res, http.StatusOK, "Flood warning")
		if strings.Contains(res.Body, `class="what-to-do"`) || strings.Contains(res.Body, "When to act</dt>") {
			t.Error("after the all-clear, the page still says what to do")
		}
		capXML = sendWith(t, a, a.Client(t), "GET", fmt.Sprintf("/notices/%d.cap", n.ID), nil, en)
		expectBody(t, "the all-clear CAP message", capXML, http.StatusOK, "<responseType>AllClear</responseType>")
		if strings.Contains(capXML.Body, "<instruction>") || strings.Contains(capXML.Body, "Shelter") {
			t.Errorf("the all-clear still instructs:\n%s", capXML.Body)
		}
	})
}
