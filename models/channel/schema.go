package channel

import (
	"maps"
	"strings"

	"github.com/plazahq/plaza/models"
)

// Kind is how a field is entered and stored.
type Kind string

// Field kinds.
const (
	// Text is a line of text, stored as a JSON string.
	Text Kind = "text"
	// Bool is a checkbox, stored as a JSON true (absent when off).
	Bool Kind = "bool"
	// Hidden is kept through the form without being shown (a generated
	// token the platform needs back).
	Hidden Kind = "hidden"
)

// Field is one setting of a channel.
type Field struct {
	// Name is the form's field name and the key in the stored JSON.
	Name string
	// Label and Hint are message keys (Hint may be empty).
	Label string
	Hint  string
	Kind  Kind
	// Required fields must be set for the channel to be enabled.
	Required bool
	// Secret fields are sealed in the secret column and never written
	// back to a page for a member without PermSecrets; a secret left
	// empty in the form keeps the stored one.
	Secret bool
	// WriteOnly secrets are never shown at all, even to those who may
	// read secrets (credentials Plaza uses to call the platform).
	WriteOnly bool
	// Fact: the value is shown among the facts to paste into the
	// platform's console.
	Fact bool
	// Max is the form's maxlength; Placeholder its example value.
	Max         int
	Placeholder string
}

// Schema describes a channel's settings.
type Schema struct {
	// Title and Hint are message keys for the settings panel's heading
	// (channel.<name> when empty) and its help text.
	Title string
	Hint  string
	// Fields in the order the form shows them; none is a channel
	// without settings of its own.
	Fields []Field
	// Switch: the channel has no fields, but each account turns it on
	// and off on the chat page (Web Push, whose keys are the
	// instance's). A channel with neither keeps its settings elsewhere.
	Switch bool
	// Validate trims and checks the settings staff submitted (with the
	// stored secrets filled in for those left empty), generates what the
	// platform needs and is missing, and adds the field errors to v.
	Validate func(s *Settings, v *models.ValidationError)
}

// Settable reports whether the chat page has a form for the channel: its
// fields, or only its on/off switch.
func (sc Schema) Settable() bool { return len(sc.Fields) > 0 || sc.Switch }

// Field returns the field called name.
func (sc Schema) Field(name string) (Field, bool) {
	for _, f := range sc.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Settings are an account's settings for one channel.
type Settings struct {
	AccountID int64
	Channel   string
	Enabled   bool
	// Values holds every field by name; a Bool field is "true" when on.
	Values map[string]string
	// SecretsWithheld: secrets are set but left out for a member
	// without PermSecrets.
	SecretsWithheld bool
}

// Get returns a field's value ("" when unset).
func (s *Settings) Get(name string) string {
	if s == nil {
		return ""
	}
	return s.Values[name]
}

// Bool reports whether a Bool field is on.
func (s *Settings) Bool(name string) bool { return s.Get(name) == "true" }

// Set sets a field's value.
func (s *Settings) Set(name, v string) {
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	s.Values[name] = v
}

// SetBool sets a Bool field.
func (s *Settings) SetBool(name string, on bool) {
	if on {
		s.Set(name, "true")
		return
	}
	delete(s.Values, name)
}

// Clone is a copy whose values can be changed without changing s.
func (s *Settings) Clone() *Settings {
	c := *s
	c.Values = maps.Clone(s.Values)
	return &c
}

// FromForm reads the schema's fields from a submitted form: value
// gives the form's value for a name.
func FromForm(sc Schema, value func(string) string) map[string]string {
	out := map[string]string{}
	for _, f := range sc.Fields {
		v := value(f.Name)
		if f.Kind == Bool {
			if v == "on" || v == "true" {
				out[f.Name] = "true"
			}
			continue
		}
		out[f.Name] = v
	}
	return out
}

// trim keeps only the schema's fields, trimmed.
func (sc Schema) trim(in map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range sc.Fields {
		if v := strings.TrimSpace(in[f.Name]); v != "" {
			out[f.Name] = v
		}
	}
	return out
}
