package notice

import (
	"encoding/json"
	"reflect"
)

// storedNotice is Input as the alert feed has always stored and
// fingerprinted it: keyed by Go field name, with routes and stops as
// text. Held changes and content hashes already in the database use this
// shape, so it must not follow the json tags (those are the API's): a
// changed hash would send every live alert out again as an update. It is
// derived from Input, so a new field needs nothing here.
var storedNotice = func() reflect.Type {
	t := reflect.TypeFor[Input]()
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		f := t.Field(i)
		f.Tag = ""
		if f.Type.Kind() == reflect.String {
			f.Type = reflect.TypeFor[string]()
		}
		fields[i] = f
	}
	return reflect.StructOf(fields)
}()

// StoredJSON is the input in the alert feed's stored shape (see
// storedNotice); the feed hashes it to tell a changed alert.
func (in Input) StoredJSON() ([]byte, error) {
	src, dst := reflect.ValueOf(in), reflect.New(storedNotice).Elem()
	for i := range dst.NumField() {
		dst.Field(i).Set(src.Field(i).Convert(dst.Field(i).Type()))
	}
	return json.Marshal(dst.Interface())
}

// UnmarshalStored reads what StoredJSON wrote (models/alertsource keeps a
// held change in that shape).
func (in *Input) UnmarshalStored(b []byte) error {
	src := reflect.New(storedNotice)
	if err := json.Unmarshal(b, src.Interface()); err != nil {
		return err
	}
	dst := reflect.ValueOf(in).Elem()
	for i := range dst.NumField() {
		dst.Field(i).Set(src.Elem().Field(i).Convert(dst.Field(i).Type()))
	}
	return nil
}
