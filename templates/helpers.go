package templates

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/a-h/templ"
	"golang.org/x/text/unicode/bidi"

	"github.com/plazahq/plaza/i18n"
)

// Option is one choice of a select field.
type Option struct {
	Value string
	Label string
}

// csrfHeader gives htmx a signed-in browser's form token to send with
// every request; an anonymous page carries no token at all.
func csrfHeader(ctx context.Context) templ.Attributes {
	token := EnvOf(ctx).CSRF
	if token == "" {
		return templ.Attributes{}
	}
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return templ.Attributes{"hx-headers": string(b)}
}

// errAttrs ties an invalid control to its message for assistive
// technology.
func errAttrs(errs map[string]string, name string) templ.Attributes {
	if errs[name] == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": "e-" + name}
}

// controlAttrs is attrs plus errAttrs in one set, joining the message's id
// to an aria-describedby the caller gave (a hint), so that an invalid
// control never carries the attribute twice.
func controlAttrs(errs map[string]string, name string, attrs templ.Attributes) templ.Attributes {
	out := templ.Attributes{}
	for k, v := range attrs {
		out[k] = v
	}
	for k, v := range errAttrs(errs, name) {
		if hint, ok := attrs[k].(string); ok && k == "aria-describedby" && hint != "" {
			v = v.(string) + " " + hint
		}
		out[k] = v
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// isolate keeps user text (a handle, a name, a route number) from
// reordering the sentence it is printed in when the two run in different
// directions, as "@metro" or "12" inside Arabic, or an Arabic name inside
// English: it wraps s in Unicode's first-strong isolate (FSI … PDI), which
// browsers treat as <bdi>. Left-to-right text on a left-to-right page needs
// nothing and is returned as it is.
func isolate(ctx context.Context, s string) string {
	if s == "" || (lang(ctx).Dir() != "rtl" && !hasRTL(s)) {
		return s
	}
	return "\u2068" + s + "\u2069"
}

// at is an account's handle, "@name", isolated for the sentence around it.
func at(ctx context.Context, handle string) string { return isolate(ctx, "@"+handle) }

// isolateList joins user items (routes, stops) with commas, each isolated,
// so that "12, 7A" reads in the page's order in either direction.
func isolateList(ctx context.Context, items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = isolate(ctx, s)
	}
	return strings.Join(out, ", ")
}

func hasRTL(s string) bool {
	for _, r := range s {
		if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
			return true
		}
	}
	return false
}

// back is the label of a link back to label (an account, a project): an
// arrow that points to the start of the line, then the isolated label.
func back(ctx context.Context, label string) string {
	if lang(ctx).Dir() == "rtl" {
		return "→ " + isolate(ctx, label)
	}
	return "← " + isolate(ctx, label)
}

// dirAttrs gives content in the language tagged tag its direction when it
// differs from the page's (an English notice shown on an Arabic page).
func dirAttrs(ctx context.Context, tag string) templ.Attributes {
	if d := i18n.DirOf(tag); tag != "" && d != lang(ctx).Dir() {
		return templ.Attributes{"dir": d}
	}
	return templ.Attributes{}
}

// ErrorSummaryID is the id of a failed form's error summary (formErrors):
// a page shows at most one, for the form that was sent.
const ErrorSummaryID = "error-summary"

// withErrors is a form's action with the error summary as its fragment:
// the page that comes back when the form has mistakes opens at the
// summary, not at the top, with or without JavaScript. A redirect after
// success keeps the fragment, which matches nothing there and is
// harmless.
func withErrors(action string) templ.SafeURL {
	return templ.SafeURL(action + "#" + ErrorSummaryID)
}

// fieldID is the id of the control an error summary links to for the
// form field name: "f-" and the name, as textField and its kin set it; a
// group of radio buttons or boxes gives its first one that id.
func fieldID(name string) string {
	if name == "place" { // the place on a map is two inputs, latitude first
		return "f-place-lat"
	}
	return "f-" + name
}

// firstID gives the first control of a group of radio buttons or boxes
// (the i-th, counting from 0) the id fieldID(name), for the error
// summary's link to the group.
func firstID(i int, name string) templ.Attributes {
	if i != 0 {
		return templ.Attributes{}
	}
	return templ.Attributes{"id": fieldID(name)}
}
