package handlers

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// bindForm fills dst, a pointer to an entity's Input struct, from posted
// form values by the fields' `form` tags, so a field added to the Input
// type is read without another line in the handler. Strings take the
// first value, string lists every value, a bool is a ticked checkbox,
// numbers are decimal text (a whole number may group its digits with
// commas, spaces or underscores, as people type amounts) and times are
// datetime-local text in loc. typed keeps each time and number field's
// text as staff typed it (so a form shown again keeps it); bad names the
// time and number fields that did not parse.
// echo's binder is not used: it knows nothing of the studio's zone for
// datetime-local times, and one bad time would fail the whole binding.
func bindForm(values url.Values, dst any, loc *time.Location) (typed map[string]string, bad []string) {
	typed = map[string]string{}
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("form")
		if name == "" || name == "-" {
			continue
		}
		field := v.Field(i)
		switch field.Interface().(type) {
		case *time.Time:
			raw := values.Get(name)
			typed[name] = raw
			t, ok := parseLocalTime(raw, loc)
			if !ok {
				bad = append(bad, name)
				continue
			}
			field.Set(reflect.ValueOf(t))
		case []string:
			field.Set(reflect.ValueOf(values[name]))
		case bool:
			field.SetBool(values.Get(name) == "on")
		case *float64, *int64:
			raw := values.Get(name)
			typed[name] = raw
			n, ok := parseNumber(raw, field.Type().Elem().Kind())
			if !ok {
				bad = append(bad, name)
				continue
			}
			field.Set(n)
		default:
			if field.Kind() != reflect.String {
				panic("bindForm: no form reading for " + field.Type().String())
			}
			field.SetString(values.Get(name))
		}
	}
	return typed, bad
}

// formTimes is each time field of src, an Input struct, as a
// datetime-local value in loc, by form name: how the editor shows a
// stored entity.
func formTimes(src any, loc *time.Location) map[string]string {
	out := map[string]string{}
	v := reflect.ValueOf(src)
	for i := range v.NumField() {
		name := v.Type().Field(i).Tag.Get("form")
		if t, ok := v.Field(i).Interface().(*time.Time); ok && name != "" {
			out[name] = ""
			if t != nil {
				out[name] = t.In(loc).Format("2006-01-02T15:04")
			}
		}
	}
	return out
}

// parseNumber reads a number field's text as a pointer of kind
// (float64 or int64); empty text is a nil pointer.
func parseNumber(raw string, kind reflect.Kind) (reflect.Value, bool) {
	raw = strings.TrimSpace(raw)
	if kind == reflect.Int64 {
		raw = strings.NewReplacer(",", "", " ", "", "_", "").Replace(raw)
	}
	if raw == "" {
		if kind == reflect.Int64 {
			return reflect.ValueOf((*int64)(nil)), true
		}
		return reflect.ValueOf((*float64)(nil)), true
	}
	if kind == reflect.Int64 {
		v, err := strconv.ParseInt(raw, 10, 64)
		return reflect.ValueOf(&v), err == nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	return reflect.ValueOf(&v), err == nil
}
