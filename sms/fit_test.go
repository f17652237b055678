package sms

import (
	"strings"
	"testing"
)

func TestFit(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("中", n) }
	tests := []struct {
		name     string
		text     string
		want     Fitting
		firstLen int // runes in the first part, when it says something; 0 to skip
	}{
		{"empty is still one billed message", "", Fitting{GSM7, 0, 1, 160}, 0},
		{"ASCII 160 fits one", a(160), Fitting{GSM7, 160, 1, 160}, 0},
		{"ASCII 161 needs two of 153", a(161), Fitting{GSM7, 161, 2, 153}, 153},
		{"ASCII 306 is two", a(306), Fitting{GSM7, 306, 2, 153}, 153},
		{"ASCII 307 is three", a(307), Fitting{GSM7, 307, 3, 153}, 153},
		{"euro costs 2: 158+€ fits one", a(158) + "€", Fitting{GSM7, 160, 1, 160}, 0},
		{"euro costs 2: 159+€ needs two", a(159) + "€", Fitting{GSM7, 161, 2, 153}, 153},
		{"euro at 153 moves whole: 152+€ then 152", a(152) + "€" + a(152), Fitting{GSM7, 306, 3, 153}, 152},
		{"euro filling 153 exactly", a(151) + "€" + a(153), Fitting{GSM7, 306, 2, 153}, 152},
		{"every extension character costs 2", "\f^{}\\[]~|€", Fitting{GSM7, 20, 1, 160}, 0},
		{"GSM accents stay GSM-7", "@£$¥èéùìòÇ", Fitting{GSM7, 10, 1, 160}, 0},
		{"GSM Greek capitals stay GSM-7", "ΔΦΓΛΩΠΨΣΘΞ ÄÖÑÜ§¿äöñüà¡", Fitting{GSM7, 23, 1, 160}, 0},
		{"backtick is not GSM-7", "`", Fitting{UCS2, 1, 1, 70}, 0},
		{"lower-case ç is not in the table", "ç", Fitting{UCS2, 1, 1, 70}, 0},
		{"Chinese 70 fits one", zh(70), Fitting{UCS2, 70, 1, 70}, 0},
		{"Chinese 71 needs two of 67", zh(71), Fitting{UCS2, 71, 2, 67}, 67},
		{"Arabic", strings.Repeat("مرحبا ", 12), Fitting{UCS2, 72, 2, 67}, 67},
		{"one Chinese character makes all UCS-2", "Road closed on Main St 中", Fitting{UCS2, 24, 1, 70}, 0},
		{"one Chinese character in a long English text", a(100) + "中", Fitting{UCS2, 101, 2, 67}, 67},
		{"emoji counts 2", "😀", Fitting{UCS2, 2, 1, 70}, 0},
		{"emoji ending a segment exactly", zh(65) + "😀" + zh(65), Fitting{UCS2, 132, 2, 67}, 66},
		{"emoji at the boundary moves whole", zh(66) + "😀" + zh(66), Fitting{UCS2, 134, 3, 67}, 66},
		{"invalid UTF-8 is one replacement unit", "ok\xff", Fitting{UCS2, 3, 1, 70}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.text)
			if got != tt.want {
				t.Fatalf("Fit = %+v, want %+v", got, tt.want)
			}
			parts := Split(tt.text)
			if len(parts) != got.Segments {
				t.Fatalf("Split gave %d parts, Fit says %d segments", len(parts), got.Segments)
			}
			if strings.Join(parts, "") != tt.text {
				t.Fatal("parts do not join back into the text")
			}
			for i, p := range parts {
				n := 0
				for _, r := range p {
					n += cost(r, got.Encoding)
				}
				if n > got.PerSegment {
					t.Errorf("part %d costs %d > %d", i, n, got.PerSegment)
				}
				if got.Segments > 1 && n == 0 {
					t.Errorf("part %d is empty", i)
				}
			}
			if tt.firstLen > 0 {
				if n := len([]rune(parts[0])); n != tt.firstLen {
					t.Errorf("first part has %d runes, want %d", n, tt.firstLen)
				}
			}
		})
	}
}
