package templates

import (
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/plazahq/plaza/i18n"
)

// The error summary lists each message as a link to its field's control
// (a form-wide message as text, first), is the page's one focusable
// #error-summary, and a form sent with withErrors comes back to it.
func TestErrorSummary(t *testing.T) {
	ctx := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	render := func(errs map[string]string, links bool) string {
		t.Helper()
		var b strings.Builder
		if err := errorSummary(errs, links).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if got := render(nil, true); got != "" {
		t.Fatalf("no errors, yet a summary: %s", got)
	}
	errs := map[string]string{"form": "feedback.err_closed", "stance": "feedback.err_stance", "place": "area.err_place"}
	got := render(errs, true)
	for _, want := range []string{`<div class="error-summary" id="error-summary" tabindex="-1" data-error-summary>`,
		`<li>` + i18n.T(i18n.EN, "feedback.err_closed") + `</li>`,
		`<li><a href="#f-stance">` + i18n.T(i18n.EN, "feedback.err_stance") + `</a></li>`,
		`<a href="#f-place-lat">`} {
		if !strings.Contains(got, want) {
			t.Errorf("the summary lacks %s:\n%s", want, got)
		}
	}
	if strings.Index(got, "#f-place-lat") > strings.Index(got, "#f-stance") {
		t.Errorf("the summary is not in a stable order:\n%s", got)
	}
	if got := render(errs, false); strings.Contains(got, "<a ") {
		t.Errorf("a summary without links links:\n%s", got)
	}
	if got := string(withErrors("/@metro/follow")); got != "/@metro/follow#error-summary" {
		t.Errorf("withErrors = %q", got)
	}
}

// A required control's label says so; an optional one's does not.
func TestRequiredMark(t *testing.T) {
	ctx := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	for _, tt := range []struct {
		attrs templ.Attributes
		want  bool
	}{{templ.Attributes{"required": true}, true}, {templ.Attributes{"maxlength": "10"}, false}} {
		var b strings.Builder
		if err := textField("E-mail address", "address", "", nil, tt.attrs).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), `<span class="required">(required)</span></label>`); got != tt.want {
			t.Errorf("attributes %v: marked required %v, want %v:\n%s", tt.attrs, got, tt.want, b.String())
		}
	}
}
