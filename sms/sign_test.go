package sms

import (
	"net/url"
	"testing"
)

// twilioDocsForm is the worked example of Twilio's webhook security guide.
// The guide has printed it with two caller numbers over the years; both
// signatures below were recomputed here (and with openssl) before being
// written down.
func twilioDocsForm(caller string) url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {caller},
		"Digits":  {"1234"},
		"From":    {caller},
		"To":      {"+18005551212"},
	}
}

const twilioDocsURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

// plazaForm exercises what the docs' example does not: a repeated name
// whose values arrive unsorted, a name differing only in case (upper case
// sorts first), and UTF-8 values. Its signature was computed with
// printf '%s' '<url>Body退订From+8613912345678MediaUrlaMediaUrlbTo+85291234567bodyx' |
// openssl dgst -sha1 -hmac tok -binary | base64
func plazaForm() url.Values {
	return url.Values{
		"To":       {"+85291234567"},
		"Body":     {"退订"},
		"From":     {"+8613912345678"},
		"MediaUrl": {"b", "a"},
		"body":     {"x"},
	}
}

const plazaURL = "https://plaza.example/sms/inbound?account=7"

func TestSign(t *testing.T) {
	tests := []struct {
		name, token, url string
		form             url.Values
		want             string
	}{
		{"Twilio docs, current", "12345", twilioDocsURL, twilioDocsForm("+14158675310"), "GvWf1cFY/Q7PnoempGyD5oXAezc="},
		{"Twilio docs, older", "12345", twilioDocsURL, twilioDocsForm("+12349013030"), "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
		{"repeated, case-differing and UTF-8 parameters", "tok", plazaURL, plazaForm(), "NtOFh28fgER4VBkyWQtSTkchXUk="},
		{"no body signs the URL alone", "tok", "https://plaza.example/sms/status/7", nil, "7+LioxxVOlkdC/Xsl1vC36EcTUQ="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sign(tt.token, tt.url, tt.form); got != tt.want {
				t.Fatalf("Sign = %q, want %q", got, tt.want)
			}
			if !Verify(tt.token, tt.url, tt.form, tt.want) {
				t.Fatal("Verify refused its own signature")
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	const good = "NtOFh28fgER4VBkyWQtSTkchXUk="
	with := func(change func(url.Values)) url.Values {
		f := plazaForm()
		change(f)
		return f
	}
	tests := []struct {
		name, token, url string
		form             url.Values
		sig              string
	}{
		{"a changed value", "tok", plazaURL, with(func(f url.Values) { f.Set("Body", "START") }), good},
		{"an added parameter", "tok", plazaURL, with(func(f url.Values) { f.Set("Extra", "") }), good},
		{"a removed parameter", "tok", plazaURL, with(func(f url.Values) { f.Del("body") }), good},
		{"a repeated value dropped", "tok", plazaURL, with(func(f url.Values) { f["MediaUrl"] = []string{"a"} }), good},
		{"a name's case changed", "tok", plazaURL, with(func(f url.Values) { f["Body"], f["body"] = f["body"], f["Body"] }), good},
		{"another URL", "tok", "https://plaza.example/sms/inbound?account=8", plazaForm(), good},
		{"http for https", "tok", "http://plaza.example/sms/inbound?account=7", plazaForm(), good},
		{"another token", "tok2", plazaURL, plazaForm(), good},
		{"no signature", "tok", plazaURL, plazaForm(), ""},
		{"a truncated signature", "tok", plazaURL, plazaForm(), good[:len(good)-1]},
		{"unpadded base64", "tok", plazaURL, plazaForm(), "NtOFh28fgER4VBkyWQtSTkchXUk"},
		{"no token configured", "", plazaURL, plazaForm(), Sign("", plazaURL, plazaForm())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if Verify(tt.token, tt.url, tt.form, tt.sig) {
				t.Fatal("Verify accepted it")
			}
		})
	}
}
