package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Sign computes the signature a provider of the widely copied REST shape
// sends with a callback (Twilio's X-Twilio-Signature): HMAC-SHA1, keyed by
// the account's auth token, over the full URL the provider called followed
// by each form parameter's name and value. Names are sorted byte-wise (what
// the provider calls case-sensitive Unix order) because a form's order is
// not preserved by every proxy; a repeated name contributes each of its
// values, sorted, so the order they arrived in does not matter either.
//
// callURL must be exactly what the provider was configured to call, scheme,
// port and query included, not what a reverse proxy passed on. form is the
// POST body's parameters only; nil for a GET, whose query is in callURL.
func Sign(token, callURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(callURL)
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, v := range slices.Sorted(slices.Values(form[name])) {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is what the provider would have sent for
// this request. An account with no token verifies nothing: an empty HMAC key
// is one anybody can sign with.
func Verify(token, callURL string, form url.Values, signature string) bool {
	if token == "" || signature == "" {
		return false
	}
	// The comparison takes the same time wherever the first difference is,
	// so a caller cannot learn the signature a byte at a time.
	return hmac.Equal([]byte(Sign(token, callURL, form)), []byte(signature))
}
