package handlers

import (
	"reflect"
	"strings"
)

// nulField finds a string holding a NUL character in a decoded request
// body and names its field as the JSON has it. PostgreSQL cannot store
// NUL in text (it fails the whole statement), and SQLite would store it
// and pass it on to e-mails and feeds; forms are refused the same way by
// storableInput. The walk covers every field, list item and map entry, so
// a field added later is covered too.
func nulField(v any) (string, bool) {
	return nulIn(reflect.ValueOf(v), "")
}

func nulIn(v reflect.Value, name string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return nulIn(v.Elem(), name)
	case reflect.String:
		return name, strings.ContainsRune(v.String(), 0)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := nulIn(v.Index(i), name); ok {
				return f, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if f, ok := nulIn(it.Key(), name); ok {
				return f, true
			}
			if f, ok := nulIn(it.Value(), name); ok {
				return f, true
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			field := jsonName(sf, name)
			if field == "-" {
				continue
			}
			if f, ok := nulIn(v.Field(i), field); ok {
				return f, true
			}
		}
	}
	return "", false
}

// jsonName is the name encoding/json gives a struct field; an embedded
// struct without a tag lends its fields to the parent, which keeps the
// parent's name.
func jsonName(sf reflect.StructField, parent string) string {
	tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	switch {
	case tag != "":
		return tag
	case sf.Anonymous:
		return parent
	}
	return sf.Name
}
