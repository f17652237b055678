package followerimport_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/models/followerimport"
	"github.com/plazahq/plaza/sms"
)

const importHeader = "address,name,language,tags,consent\n"

func parse(t *testing.T, csv string) []followerimport.Row {
	t.Helper()
	rows, err := followerimport.Parse(strings.NewReader(csv), []string{"en", "zh-Hans"})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, csv)
	}
	return rows
}

// TestParseFollowerCSVFileErrors covers files that cannot be imported at
// all: each gets one clear message naming what is wrong and where.
func TestParseFollowerCSVFileErrors(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(importHeader)
		for i := range n {
			fmt.Fprintf(&b, "p%d@example.org,,,,2024-01-01\n", i)
		}
		return b.String()
	}
	// A file with thousands of made-up columns gets an error of a few
	// lines: the first ten names, each cut short, and how many more.
	var wide strings.Builder
	wide.WriteString(importHeader[:len(importHeader)-1])
	var named []string
	for i := range 5000 {
		col := fmt.Sprintf("column %d %s", i, strings.Repeat("x", 100))
		fmt.Fprintf(&wide, ",%s", col)
		if i < 10 {
			named = append(named, string([]rune(strconv.Quote(col))[:40])+"…")
		}
	}
	named = append(named, "… (+4990)")
	tests := []struct {
		name string
		data string
		key  string
		args []any
	}{
		{"thousands of unknown columns", wide.String() + "\n", "import.err.header_extra", []any{strings.Join(named, ", ")}},
		{"empty", "", "import.err.empty", nil},
		{"only blank lines", " \r\n\n", "import.err.empty", nil},
		{"only a BOM", "\ufeff", "import.err.empty", nil},
		{"header only", importHeader, "import.err.no_rows", nil},
		{"header and blank rows", importHeader + ",,,,\n\n", "import.err.no_rows", nil},
		{"wrong header", "email,full name\nann@example.org,Ann\n", "import.err.header_wrong",
			[]any{"address, name, language, tags, consent", `"email", "full name"`}},
		{"missing columns", "address,name\nann@example.org,Ann\n", "import.err.header_missing", []any{"language, tags, consent"}},
		{"extra column", "address,name,language,tags,consent,Phone\n", "import.err.header_extra", []any{`"Phone"`}},
		{"column twice", "address,name,language,tags,consent,Name\n", "import.err.header_duplicate", []any{"name"}},
		{"semicolons", "address;name;language;tags;consent\nann@example.org;Ann;en;;2024-01-01\n", "import.err.delimiter", nil},
		{"tabs", "address\tname\tlanguage\ttags\tconsent\n", "import.err.delimiter", nil},
		{"broken encoding in a name", importHeader + "ann@example.org,Ann,en,,2024-01-01\nbo@example.org,Bo \xff\xfe Chen,en,,2024-01-01\n",
			"import.err.encoding", []any{3}},
		{"GBK encoded", importHeader + "li@example.org,\xc0\xee\xcb\xc4,zh,,2024-01-01\n", "import.err.encoding", []any{2}},
		{"UTF-16", "\xff\xfea\x00d\x00d\x00", "import.err.utf16", nil},
		{"Excel workbook", "PK\x03\x04\x14\x00\x06\x00rest of a zip", "import.err.spreadsheet", nil},
		{"old Excel workbook", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "import.err.spreadsheet", nil},
		{"PNG image", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "import.err.binary", nil},
		{"a letter, not CSV", "Dear friends,\nthank you for your support.\n", "import.err.header_wrong",
			[]any{"address, name, language, tags, consent", `"Dear friends"`}},
		{"bare quote", importHeader + "ann@example.org,Ann \"Nan\" Lee,en,,2024-01-01\n", "import.err.bare_quote", []any{2}},
		{"unclosed quote", importHeader + "ann@example.org,\"Ann,en,,2024-01-01\nbo@example.org,Bo,en,,2024-01-01\n", "import.err.quote", []any{2}},
		{"too many rows", many(followerimport.MaxRows + 1), "import.err.too_many_rows", []any{followerimport.MaxRows}},
		{"too big", importHeader + strings.Repeat("x", followerimport.MaxBytes), "import.err.too_big", []any{30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := followerimport.Parse(strings.NewReader(tt.data), []string{"en", "zh-Hans"})
			e, ok := followerimport.AsCSVError(err)
			if !ok {
				t.Fatalf("got %d rows, err %v; want a CSVError %s", len(rows), err, tt.key)
			}
			if e.Key != tt.key || fmt.Sprint(e.Args) != fmt.Sprint(tt.args) {
				t.Fatalf("got %s %v; want %s %v", e.Key, e.Args, tt.key, tt.args)
			}
		})
	}
	if _, err := followerimport.Parse(strings.NewReader(many(followerimport.MaxRows)), []string{"en", "zh-Hans"}); err != nil {
		t.Fatalf("a file of exactly %d rows: %v", followerimport.MaxRows, err)
	}
}

func TestParseFollowerCSVRows(t *testing.T) {
	t.Run("BOM, header case, order and spaces, CRLF", func(t *testing.T) {
		rows := parse(t, "\ufeff Consent ,TAGS,Address,name,Language\r\n2024-03-01,Donor; North ,Ann@Example.ORG,Ann Lee,ZH-cn\r\n")
		want := followerimport.Row{Line: 2, Address: "ann@example.org", Name: "Ann Lee", Language: "zh-Hans", Tags: []string{"donor", "north"},
			Consent: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), RawLanguage: "ZH-cn", RawTags: "Donor; North", RawConsent: "2024-03-01"}
		if len(rows) != 1 || fmt.Sprint(rows[0]) != fmt.Sprint(want) {
			t.Fatalf("got %+v\nwant %+v", rows, want)
		}
	})
	t.Run("unnamed columns", func(t *testing.T) {
		rows := parse(t, "address,name,language,tags,consent,,\n"+
			"ann@example.org,Ann,en,,2024-01-01,,\n"+
			"bo@example.org,Bo,en,,2024-01-01,,note\n")
		if rows[0].Reason != "" || rows[1].Reason != "import.reason.unnamed" || fmt.Sprint(rows[1].ReasonArgs) != "[7]" {
			t.Fatalf("got %+v", rows)
		}
	})
	t.Run("quoted fields with commas, quotes and newlines", func(t *testing.T) {
		rows := parse(t, importHeader+
			"lee@example.org,\"Lee, Ann\",en,\"donor,board\",2024-01-01\n"+
			"bo@example.org,\"Bo\n  \"\"Bobby\"\"\r\nChen\",en,,2024-01-01\n"+
			"cy@example.org,Cy,en,,2024-01-01\n")
		if len(rows) != 3 {
			t.Fatalf("got %d rows", len(rows))
		}
		if rows[0].Name != "Lee, Ann" || !slices.Equal(rows[0].Tags, []string{"board", "donor"}) {
			t.Fatalf("row 1: %+v", rows[0])
		}
		if rows[1].Name != `Bo "Bobby" Chen` || rows[1].Line != 3 {
			t.Fatalf("row 2: %+v", rows[1])
		}
		// The quoted name spans lines 3 to 5, so the next row is on line 6.
		if rows[2].Line != 6 {
			t.Fatalf("row 3 on line %d, want 6", rows[2].Line)
		}
	})
	t.Run("Chinese names and every consent form", func(t *testing.T) {
		rows := parse(t, importHeader+
			"wang@example.org,王芳,zh,捐赠人,2024-05-12 14:30\n"+
			"li@example.org,李四,zh,donor|volunteer,2024-05-12T14:30:00+08:00\n"+
			"zhao@example.org,赵六,,,2024-05-12T14:30\n"+
			"qian@example.org,钱七,en,,2024-05-12 14:30:05\n")
		if rows[0].Name != "王芳" || rows[0].Reason != "import.reason.tag" {
			t.Fatalf("row 1: %+v (Chinese tags are not valid tags)", rows[0])
		}
		want := []time.Time{
			time.Date(2024, 5, 12, 14, 30, 0, 0, time.UTC),
			time.Date(2024, 5, 12, 6, 30, 0, 0, time.UTC),
			time.Date(2024, 5, 12, 14, 30, 0, 0, time.UTC),
			time.Date(2024, 5, 12, 14, 30, 5, 0, time.UTC),
		}
		for i, r := range rows {
			if !r.Consent.Equal(want[i]) {
				t.Errorf("row %d consent %v, want %v", i+1, r.Consent, want[i])
			}
		}
		if rows[1].Name != "李四" || rows[1].Reason != "" || !slices.Equal(rows[1].Tags, []string{"donor", "volunteer"}) {
			t.Fatalf("row 2: %+v", rows[1])
		}
		if rows[2].Language != "en" {
			t.Fatalf("an empty language is en: %+v", rows[2])
		}
	})
	t.Run("rejection reasons", func(t *testing.T) {
		long := strings.Repeat("名", followerimport.MaxNameRunes+1)
		manyTags := make([]string, followerimport.MaxTags+1)
		for i := range manyTags {
			manyTags[i] = fmt.Sprintf("t%d", i)
		}
		rows := parse(t, importHeader+
			"not-an-address,Ann,en,,2024-01-01\n"+ // 2
			"bo@example.org,Bo,fr,,2024-01-01\n"+ // 3
			"cy@example.org,Cy,en,do/nor,2024-01-01\n"+ // 4
			"di@example.org,Di,en,"+strings.Join(manyTags, ";")+",2024-01-01\n"+ // 5
			"ed@example.org,Ed,en,,\n"+ // 6
			"fa@example.org,Fa,en,,01/03/2024\n"+ // 7
			"gu@example.org,"+long+",en,,2024-01-01\n"+ // 8
			"hu@example.org,Hu,en\n"+ // 9
			"ok@example.org,Ok,en,,2024-01-01\n"+ // 10
			",,,,\n"+ // 11: blank, skipped
			"OK@example.org,Ok again,en,,2024-01-01\n"+ // 12
			"iv@example.org,Iv,en,,2024-01-01,\n"+ // 13: a trailing empty value is fine
			"jo@example.org,Jo,en,,2024-01-01,extra\n") // 14
		want := []struct {
			line   int
			reason string
			args   []any
		}{
			{2, "import.reason.address", nil},
			{3, "import.reason.language", []any{"fr", "en, zh-Hans"}},
			{4, "import.reason.tag", []any{"do/nor"}},
			{5, "import.reason.tags_many", []any{followerimport.MaxTags}},
			{6, "import.reason.consent_missing", nil},
			{7, "import.reason.consent_format", []any{"01/03/2024"}},
			{8, "import.reason.name_long", []any{followerimport.MaxNameRunes}},
			{9, "import.reason.columns", []any{3, 5}},
			{10, "", nil},
			{12, "import.reason.duplicate", []any{10}},
			{13, "", nil},
			{14, "import.reason.columns", []any{6, 5}},
		}
		if len(rows) != len(want) {
			t.Fatalf("got %d rows, want %d", len(rows), len(want))
		}
		for i, w := range want {
			r := rows[i]
			if r.Line != w.line || r.Reason != w.reason || fmt.Sprint(r.ReasonArgs) != fmt.Sprint(w.args) {
				t.Errorf("row %d: line %d %q %v; want line %d %q %v", i, r.Line, r.Reason, r.ReasonArgs, w.line, w.reason, w.args)
			}
		}
	})
}

// smsAddress reads numbers as the SMS channel does, in Hong Kong.
func smsAddress(cell string) (string, string) {
	n, err := sms.Normalize(cell, "HK")
	var ne *sms.NumberError
	if errors.As(err, &ne) {
		return strings.TrimSpace(cell), "err.phone_" + ne.Reason
	}
	return n, ""
}

// TestParseFollowerCSVNumbers: a file of phone numbers for the SMS
// channel, each read in the account's region and refused with why.
func TestParseFollowerCSVNumbers(t *testing.T) {
	rows, err := followerimport.ParseWith(strings.NewReader(importHeader+
		"+852 9123 4567,Ann,en,,2024-01-01\n"+ // 2
		"21234567,Bo,en,,2024-01-01\n"+ // 3
		"(+852) 2123-4567,Bo again,en,,2024-01-01\n"+ // 4: 3's number
		"0085291234567,Ann again,en,,2024-01-01\n"+ // 5: 2's number
		"12,Cy,en,,2024-01-01\n"+ // 6
		"call me,Di,en,,2024-01-01\n"+ // 7
		"ann@example.org,Ed,en,,2024-01-01\n"+ // 8
		","+"Fa,en,,2024-01-01\n"+ // 9
		strings.Repeat("9", 41)+",Gu,en,,2024-01-01\n"+ // 10
		"+1 415 555 2671,Hu,en,,2024-01-01\n"+ // 11
		"9123 4568,Iv,en,,\n"), // 12
		[]string{"en", "zh-Hans"}, smsAddress)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line    int
		address string
		reason  string
		args    []any
	}{
		{2, "+85291234567", "", nil},
		{3, "+85221234567", "", nil},
		{4, "+85221234567", "import.reason.duplicate", []any{3}},
		{5, "+85291234567", "import.reason.duplicate", []any{2}},
		{6, "12", "err.phone_invalid_for_region", nil},
		{7, "call me", "err.phone_not_a_number", nil},
		{8, "ann@example.org", "err.phone_not_a_number", nil},
		{9, "", "err.phone_empty", nil},
		{10, strings.Repeat("9", 41), "err.phone_too_long", nil},
		{11, "+14155552671", "", nil},
		// Rejected for its consent, the number still claims its line.
		{12, "+85291234568", "import.reason.consent_missing", nil},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line || r.Address != w.address || r.Reason != w.reason || fmt.Sprint(r.ReasonArgs) != fmt.Sprint(w.args) {
			t.Errorf("row %d: line %d %q %q %v; want line %d %q %q %v", i, r.Line, r.Address, r.Reason, r.ReasonArgs, w.line, w.address, w.reason, w.args)
		}
	}
}
