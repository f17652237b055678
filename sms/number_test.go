package sms

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, raw, region string
		want              string // E.164 when accepted
		reason            string // NumberError.Reason when refused
	}{
		{"international form", "+852 9123 4567", "HK", "+85291234567", ""},
		{"international form, no region", "+852 9123 4567", "", "+85291234567", ""},
		{"international form wins over the region", "+852 9123 4567", "US", "+85291234567", ""},
		{"Hong Kong national", "9123 4567", "HK", "+85291234567", ""},
		{"region in lower case", "9123 4567", "hk", "+85291234567", ""},
		{"US national with punctuation", "(415) 555-2671", "US", "+14155552671", ""},
		{"China mobile national", "139 1234 5678", "CN", "+8613912345678", ""},
		{"China mobile international", "+86 139-1234-5678", "US", "+8613912345678", ""},
		{"00 prefix read in Hong Kong", "00852 9123 4567", "HK", "+85291234567", ""},
		{"00 prefix read in China", "00852 9123 4567", "CN", "+85291234567", ""},
		{"00 prefix read in the US", "00852 9123 4567", "US", "+85291234567", ""},
		{"US international prefix", "011 852 9123 4567", "US", "+85291234567", ""},
		{"full-width digits", "＋８５２ ９１２３ ４５６７", "", "+85291234567", ""},
		// Plaza's own CSV export quotes a leading + for spreadsheets.
		{"the export's quote", "'+85291234567", "HK", "+85291234567", ""},
		{"surrounding spaces", "  +44 20 7946 0958 ", "GB", "+442079460958", ""},

		{"empty", "", "HK", "", ReasonEmpty},
		{"only spaces", "   ", "HK", "", ReasonEmpty},
		{"too long", strings.Repeat("1", 41), "US", "", ReasonTooLong},
		{"too long with spacing", "+852 " + strings.Repeat("9 ", 19), "HK", "", ReasonTooLong},
		{"garbage", "!!!", "US", "", ReasonNotANumber},
		{"a name", "Chan Tai Man", "HK", "", ReasonNotANumber},
		{"keypad letters", "1-800-FLOWERS", "US", "", ReasonNotANumber},
		{"Chinese text", "电话号码", "CN", "", ReasonNotANumber},
		{"extension", "+852 9123 4567 #12", "HK", "", ReasonNotANumber},
		{"valid-looking but invalid: HK numbers do not start with 1", "+852 1234 5678", "HK", "", ReasonInvalidForRegion},
		{"valid-looking but invalid: no US area code 200", "+1 200 555 0123", "US", "", ReasonInvalidForRegion},
		{"one digit short", "9123 456", "HK", "", ReasonInvalidForRegion},
		{"a Hong Kong number read as a US one", "9123 4567", "US", "", ReasonInvalidForRegion},
		{"national number without a region", "9123 4567", "", "", ReasonInvalidForRegion},
		{"national number with an unknown region", "9123 4567", "XX", "", ReasonInvalidForRegion},
		{"unassigned country code", "+999 1234 5678", "", "", ReasonInvalidForRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.raw, tt.region)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Normalize(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
				}
				return
			}
			var ne *NumberError
			if !errors.As(err, &ne) {
				t.Fatalf("Normalize(%q, %q) = %q, %v; want a *NumberError", tt.raw, tt.region, got, err)
			}
			if ne.Reason != tt.reason || got != "" {
				t.Fatalf("Normalize(%q, %q) = %q, reason %q; want reason %q", tt.raw, tt.region, got, ne.Reason, tt.reason)
			}
		})
	}
}

func TestReadable(t *testing.T) {
	for in, want := range map[string]string{
		"+85221234567":   "+852 2123 4567",
		"+447911123456":  "+44 7911 123456",
		"+8613812345678": "+86 138 1234 5678",
		"not a number":   "not a number",
	} {
		if got := Readable(in); got != want {
			t.Errorf("Readable(%q) = %q, want %q", in, got, want)
		}
	}
}
