package templates

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/a-h/templ"
)

// Option is one choice of a select field.
type Option struct {
	Value string
	Label string
}

func csrfHeader(ctx context.Context) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": EnvOf(ctx).CSRF})
	return string(b)
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
