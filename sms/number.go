package sms

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Reasons a number is refused. They are stable codes: the channel maps
// them to translated messages, so they must not change.
const (
	ReasonEmpty            = "empty"
	ReasonNotANumber       = "not_a_number"
	ReasonInvalidForRegion = "invalid_for_region"
	ReasonTooLong          = "too_long"
)

// maxNumberInput bounds what we hand to the parser; no real number with
// its spacing and punctuation comes near it.
const maxNumberInput = 40

// NumberError is why a typed number was refused.
type NumberError struct {
	Reason string
}

func (e *NumberError) Error() string { return "sms: phone number refused: " + e.Reason }

// Normalize turns a number as a person typed it into E.164 ("+85291234567").
// region is the account's default (ISO 3166 alpha-2) and is used only when
// the number has no international prefix.
func Normalize(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", &NumberError{ReasonEmpty}
	}
	if utf8.RuneCountInString(s) > maxNumberInput {
		return "", &NumberError{ReasonTooLong}
	}
	// The parser would read letters as a keypad spelling (1-800-FLOWERS)
	// or an extension ("ext 12"); neither can receive a text message, and a
	// name typed in the wrong field should be refused, not dialled.
	for _, r := range s {
		if unicode.IsLetter(r) {
			return "", &NumberError{ReasonNotANumber}
		}
	}
	region = strings.ToUpper(strings.TrimSpace(region))
	n, err := parse(s, region)
	if err != nil && strings.HasPrefix(s, "00") {
		// "00" is the international prefix of most of the world, and people
		// write it for "+" whatever the account's region. The region's own
		// reading comes first: in Hong Kong "008" is a carrier's prefix, so
		// "00852 9123 4567" read there means Mexico and is invalid. A region
		// where "00" starts a valid national number keeps that reading.
		if m, err2 := parse("+"+s[2:], region); err2 == nil {
			n, err = m, nil
		}
	}
	if err != nil {
		return "", err
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// parse reads s in region and refuses what cannot receive a text.
func parse(s, region string) (*phonenumbers.PhoneNumber, error) {
	n, err := phonenumbers.Parse(s, region)
	if err != nil {
		if errors.Is(err, phonenumbers.ErrInvalidCountryCode) {
			// A national number with no usable region to read it in.
			return nil, &NumberError{ReasonInvalidForRegion}
		}
		return nil, &NumberError{ReasonNotANumber}
	}
	// An extension ("#12") reaches a desk behind a switchboard, which no
	// text message can; dropping it silently would text the switchboard.
	if n.GetExtension() != "" {
		return nil, &NumberError{ReasonNotANumber}
	}
	if !phonenumbers.IsValidNumber(n) {
		return nil, &NumberError{ReasonInvalidForRegion}
	}
	return n, nil
}

// Readable writes a number in E.164 the way it is written for people to
// dial from anywhere ("+852 2123 4567"); one it cannot read is returned
// as it is.
func Readable(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
