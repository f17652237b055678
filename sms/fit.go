// Package sms holds the parts of the SMS channel that need no database or
// network: how a text is encoded and cut into billed segments, how a typed
// phone number becomes E.164, and how a provider's callback is signed.
package sms

import "unicode/utf16"

// Encodings a text can be sent in.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// Per-message capacities. A concatenated message loses room to the user
// data header that tells the phone how to join the parts (6 bytes: 7
// septets in GSM-7, 3 UTF-16 units in UCS-2).
const (
	gsmSingle = 160
	gsmMulti  = 153
	ucsSingle = 70
	ucsMulti  = 67
)

// Fitting is what a text costs as SMS. Segments is what a provider bills.
type Fitting struct {
	Encoding   string // GSM7 or UCS2
	Units      int    // septets in GSM-7, UTF-16 code units in UCS-2
	Segments   int
	PerSegment int // capacity of each segment: 160/70 alone, 153/67 when concatenated
}

// gsmBasic is the GSM 03.38 default alphabet. Only Ç (upper case) is in
// it: handsets show the lower-case ç only by substitution, so we do not
// count on it.
var gsmBasic = runeSet("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")

// gsmExtension characters are sent as an escape septet followed by one
// more, so each costs 2 and the pair must stay in one segment.
var gsmExtension = runeSet("\f^{}\\[]~|€")

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool)
	for _, r := range s {
		m[r] = true
	}
	return m
}

// isGSM reports whether every rune of text can be sent in GSM-7.
func isGSM(text string) bool {
	for _, r := range text {
		if !gsmBasic[r] && !gsmExtension[r] {
			return false
		}
	}
	return true
}

// cost is what one rune takes in the given encoding; an escape pair or a
// surrogate pair is one indivisible cost of 2.
func cost(r rune, encoding string) int {
	if encoding == GSM7 {
		if gsmExtension[r] {
			return 2
		}
		return 1
	}
	if utf16.RuneLen(r) == 2 {
		return 2
	}
	// Invalid UTF-8 decodes to U+FFFD, one unit, which is what a provider
	// would receive after its own decoding.
	return 1
}

// Fit says how text would be sent and how many segments it is billed as.
func Fit(text string) Fitting {
	f, _ := fit(text)
	return f
}

// Split cuts text into the parts a provider would send as segments. An
// escape pair or a surrogate pair never straddles two parts. Empty text is
// one empty part, as providers still bill one message for it.
func Split(text string) []string {
	_, parts := fit(text)
	return parts
}

func fit(text string) (Fitting, []string) {
	enc, single, multi := UCS2, ucsSingle, ucsMulti
	if isGSM(text) {
		enc, single, multi = GSM7, gsmSingle, gsmMulti
	}
	units := 0
	for _, r := range text {
		units += cost(r, enc)
	}
	if units <= single {
		return Fitting{Encoding: enc, Units: units, Segments: 1, PerSegment: single}, []string{text}
	}
	// Counting by division would undercount: a 2-unit character that does
	// not fit in a segment's last free unit moves whole to the next one.
	var parts []string
	start, used := 0, 0
	for i, r := range text {
		c := cost(r, enc)
		if used+c > multi {
			parts = append(parts, text[start:i])
			start, used = i, 0
		}
		used += c
	}
	parts = append(parts, text[start:])
	return Fitting{Encoding: enc, Units: units, Segments: len(parts), PerSegment: multi}, parts
}
