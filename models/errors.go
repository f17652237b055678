package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned when a row does not exist or is not visible to
// the caller; handlers answer 404 for both so that other organizations'
// data is not revealed by its existence.
var ErrNotFound = errors.New("not found")

// ErrForbidden is returned when the caller is a member of the
// organization but lacks the role for an action; Require (role.go)
// decides between the two.
var ErrForbidden = errors.New("forbidden")

// ValidationError carries one message key per invalid field. Keys are i18n
// message keys, so the same error renders in either language.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k, v := range e.Fields {
		keys = append(keys, k+": "+v)
	}
	sort.Strings(keys)
	return "invalid input: " + strings.Join(keys, "; ")
}

// Add records a message for a field, keeping the first one per field.
func (e *ValidationError) Add(field, msgKey string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msgKey
	}
}

// Err returns nil when no field was invalid, so callers can write
// `return v.Err()`.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// FieldError makes a validation error for one field.
func FieldError(field, msgKey string) error {
	return &ValidationError{Fields: map[string]string{field: msgKey}}
}

// AsValidation unwraps a *ValidationError.
func AsValidation(err error) (*ValidationError, bool) {
	var v *ValidationError
	ok := errors.As(err, &v)
	return v, ok
}

// keyArgsSep separates a message key from its arguments in KeyArgs.
const keyArgsSep = "\x1f"

// KeyArgs packs a message key with arguments into one string, so that a
// ValidationError (one key per field) can carry a message that names a
// number or a value ("polygon 2 crosses itself"). The arguments become
// text: such messages take them with %v.
func KeyArgs(key string, args ...any) string {
	for _, a := range args {
		key += keyArgsSep + fmt.Sprint(a)
	}
	return key
}

// SplitKeyArgs unpacks KeyArgs.
func SplitKeyArgs(s string) (string, []any) {
	parts := strings.Split(s, keyArgsSep)
	args := make([]any, 0, len(parts)-1)
	for _, p := range parts[1:] {
		args = append(args, p)
	}
	return parts[0], args
}
