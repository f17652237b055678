// Package followerimport reads a CSV file of followers (an NGO's donor
// list) and decides what importing each row would do, against the
// followers an account already has. It is pure: no database, no clock,
// no authorization; models loads the followers, stores the file and
// writes the outcome, so every rule here is tested by plain table tests.
package followerimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of an import.
const (
	// MaxRows is the most followers one file may hold.
	MaxRows = 200_000
	// MaxBytes is the largest file accepted; the upload route's body
	// limit is a little higher, for the multipart envelope.
	MaxBytes = 30 << 20
	// MaxNameRunes and MaxTags bound a row's name and tags.
	MaxNameRunes = 200
	MaxTags      = 20
	// consentSkew lets a consent time given in a time zone ahead of UTC
	// (at most UTC+14) be "now" without counting as the future.
	consentSkew = 14 * time.Hour
)

// Columns are the columns a file must have, in any order.
var Columns = []string{"address", "name", "language", "tags", "consent"}

// CSVError is a problem with a file as a whole, so nothing of it can be
// imported. Key is a message key and Args its arguments (line numbers,
// column names), so the message reads well in either language.
type CSVError struct {
	Key  string
	Args []any
}

func (e *CSVError) Error() string {
	if len(e.Args) == 0 {
		return "csv file: " + e.Key
	}
	return fmt.Sprintf("csv file: %s %v", e.Key, e.Args)
}

// AsCSVError unwraps a *CSVError.
func AsCSVError(err error) (*CSVError, bool) {
	var e *CSVError
	ok := errors.As(err, &e)
	return e, ok
}

func csvErr(key string, args ...any) error { return &CSVError{Key: key, Args: args} }

// Row is one line of a file as read and checked on its own. A row
// with a Reason is rejected whatever the account's followers are.
type Row struct {
	// Line is where the row starts in the file; the header is line 1.
	Line int
	// Address is normalized when it is valid, otherwise as written.
	Address  string
	Name     string
	Language string
	Tags     []string
	Consent  time.Time
	// RawLanguage, RawTags and RawConsent are the cells as written, shown
	// for rejected rows.
	RawLanguage, RawTags, RawConsent string
	// Reason is the message key of why the row is rejected, with its
	// arguments; empty for a valid row.
	Reason     string
	ReasonArgs []any
}

func (r *Row) reject(key string, args ...any) {
	if r.Reason == "" {
		r.Reason, r.ReasonArgs = key, args
	}
}

// AddressFunc reads a row's address cell for one channel: the address
// normalized, or the message key of why it is refused (its arguments
// none). The channel's own rules live with the channel; this package only
// applies them, so it stays pure.
type AddressFunc func(cell string) (address, reason string)

// EmailAddress reads an e-mail address, the address of the e-mail
// channel and of Parse.
func EmailAddress(cell string) (string, string) {
	addr, ok := NormalizeEmail(cell)
	if !ok {
		return strings.TrimSpace(cell), "import.reason.address"
	}
	return addr, ""
}

// Parse reads a CSV file of e-mail followers. A file that cannot be
// read as a whole (not UTF-8 text, not CSV, a wrong header, too many rows)
// is a *CSVError; problems of single rows are their Reason. langs are the
// account's languages, its default first: a row's language must be one
// of them, and a row without one gets the default.
func Parse(r io.Reader, langs []string) ([]Row, error) {
	return ParseWith(r, langs, EmailAddress)
}

// ParseWith reads a CSV file of followers whose addresses address reads
// (phone numbers for SMS): as Parse, two rows whose addresses read alike
// ("+852 2123 4567" and "21234567") being duplicates.
func ParseWith(r io.Reader, langs []string, address AddressFunc) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, csvErr("import.err.too_big", MaxBytes>>20)
	}
	data, err = checkText(data)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, csvReadErr(err)
	}
	cols, err := headerColumns(header)
	if err != nil {
		return nil, err
	}
	// The positions of the named columns; a value under a column without
	// a name rejects its row rather than being dropped unseen.
	var colIdx []int
	for _, i := range cols {
		colIdx = append(colIdx, i)
	}
	var rows []Row
	firstLine := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadErr(err)
		}
		if blank(rec) {
			continue
		}
		if len(rows) == MaxRows {
			return nil, csvErr("import.err.too_many_rows", MaxRows)
		}
		line, _ := cr.FieldPos(0)
		row, addrOK := readRow(line, rec, cols, len(header), colIdx, langs, address)
		// The first row of an address claims it, even when it is rejected
		// for another reason; later ones are duplicates of it.
		if addrOK && row.Reason != "import.reason.columns" {
			if first, ok := firstLine[row.Address]; ok {
				row.Reason, row.ReasonArgs = "import.reason.duplicate", []any{first}
			} else {
				firstLine[row.Address] = line
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, csvErr("import.err.no_rows")
	}
	return rows, nil
}

// checkText makes sure data is UTF-8 text and drops a byte order mark.
func checkText(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		return nil, csvErr("import.err.utf16")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0")):
		return nil, csvErr("import.err.spreadsheet")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, csvErr("import.err.empty")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, csvErr("import.err.binary")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, csvErr("import.err.encoding", 1+bytes.Count(data[:off], []byte("\n")))
	}
	return data, nil
}

func csvReadErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return csvErr("import.err.bare_quote", pe.Line)
		case errors.Is(pe.Err, csv.ErrQuote):
			return csvErr("import.err.quote", pe.StartLine)
		}
		return csvErr("import.err.csv", pe.Line)
	}
	return fmt.Errorf("read csv: %w", err)
}

// headerColumns maps each required column to its position; unnamed columns
// (trailing commas a spreadsheet leaves) are allowed while they stay empty.
func headerColumns(header []string) (map[string]int, error) {
	if len(header) == 1 {
		if h := header[0]; strings.ContainsAny(h, ";\t") {
			return nil, csvErr("import.err.delimiter")
		}
	}
	cols := map[string]int{}
	var extra []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
		case !slices.Contains(Columns, name):
			extra = append(extra, strconv.Quote(strings.TrimSpace(h)))
		default:
			if _, dup := cols[name]; dup {
				return nil, csvErr("import.err.header_duplicate", name)
			}
			cols[name] = i
		}
	}
	extra = shortList(extra)
	var missing []string
	for _, c := range Columns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	switch {
	case len(missing) > 0 && len(extra) > 0:
		return nil, csvErr("import.err.header_wrong", strings.Join(missing, ", "), strings.Join(extra, ", "))
	case len(missing) > 0:
		return nil, csvErr("import.err.header_missing", strings.Join(missing, ", "))
	case len(extra) > 0:
		return nil, csvErr("import.err.header_extra", strings.Join(extra, ", "))
	}
	return cols, nil
}

// Bounds of the unknown column names an error repeats: a file with a
// hundred thousand columns would otherwise make a page of megabytes.
const (
	maxNamedColumns    = 10
	maxColumnNameRunes = 40
)

// shortList keeps the first few names, each cut to a readable length, and
// says how many more there are.
func shortList(names []string) []string {
	out := make([]string, 0, min(len(names), maxNamedColumns+1))
	for i, n := range names {
		if i == maxNamedColumns {
			out = append(out, fmt.Sprintf("… (+%d)", len(names)-maxNamedColumns))
			break
		}
		if r := []rune(n); len(r) > maxColumnNameRunes {
			n = string(r[:maxColumnNameRunes]) + "…"
		}
		out = append(out, n)
	}
	return out
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// readRow checks one record on its own; addrOK reports whether its
// address could be read.
func readRow(line int, rec []string, cols map[string]int, width int, colIdx []int, langs []string, address AddressFunc) (row Row, addrOK bool) {
	cell := func(name string) string {
		if i := cols[name]; i < len(rec) {
			return rec[i]
		}
		return ""
	}
	row = Row{Line: line, RawLanguage: strings.TrimSpace(cell("language")),
		RawTags: strings.TrimSpace(cell("tags")), RawConsent: strings.TrimSpace(cell("consent"))}
	addr, reason := address(cell("address"))
	row.Address = addr
	if reason != "" {
		row.Address = strings.TrimSpace(cell("address"))
		row.reject(reason)
	}
	if len(rec) < width || !blank(rec[width:]) {
		row.reject("import.reason.columns", len(rec), width)
	}
	for i := range min(width, len(rec)) {
		if !slices.Contains(colIdx, i) && strings.TrimSpace(rec[i]) != "" {
			row.reject("import.reason.unnamed", i+1)
		}
	}
	row.Name = cleanName(cell("name"))
	if utf8.RuneCountInString(row.Name) > MaxNameRunes {
		row.reject("import.reason.name_long", MaxNameRunes)
	}
	if l := languageTag(row.RawLanguage); l == "" && len(langs) > 0 {
		row.Language = langs[0]
	} else if slices.Contains(langs, l) {
		row.Language = l
	} else {
		row.reject("import.reason.language", row.RawLanguage, strings.Join(langs, ", "))
	}
	tags, bad := NormalizeTags(strings.FieldsFunc(row.RawTags, func(r rune) bool { return r == ';' || r == '|' || r == ',' }))
	switch {
	case bad != "":
		row.reject("import.reason.tag", strings.TrimSpace(bad))
	case len(tags) > MaxTags:
		row.reject("import.reason.tags_many", MaxTags)
	default:
		row.Tags = tags
	}
	if row.RawConsent == "" {
		row.reject("import.reason.consent_missing")
	} else if t, ok := parseConsent(row.RawConsent); ok {
		row.Consent = t
	} else {
		row.reject("import.reason.consent_format", row.RawConsent)
	}
	return row, reason == ""
}

// cleanName turns line breaks and runs of spaces into one space and drops
// other control characters.
func cleanName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// parseConsent reads a consent time: RFC 3339, or a date with an optional
// time of day (a space or T between them); times without a zone are UTC.
// The layout is picked by length, so that 100,000 rows cost one parse each.
func parseConsent(s string) (time.Time, bool) {
	layout := time.RFC3339
	switch len(s) {
	case len("2006-01-02"):
		layout = "2006-01-02"
	case len("2006-01-02 15:04"):
		layout = "2006-01-02 15:04"
	case len("2006-01-02 15:04:05"):
		layout = "2006-01-02 15:04:05"
	}
	if len(s) > 10 && s[10] == 'T' && layout != time.RFC3339 {
		layout = layout[:10] + "T" + layout[11:]
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// languageTag reads a spreadsheet's language cell as a tag of Plaza's
// language list: "zh_TW", "zh-HK" and "zh-Hant" are zh-Hant, "zh",
// "zh-CN" and "zh-SG" zh-Hans, and any other language its base ("es-MX"
// is es, "EN" en). It is a plain mapping rather than i18n's matcher,
// which this package (read by i18n's own tests) cannot import.
func languageTag(cell string) string {
	l := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(cell), "_", "-"))
	if l == "" {
		return ""
	}
	base, rest, _ := strings.Cut(l, "-")
	if base == "zh" {
		switch {
		case strings.HasPrefix(rest, "hant"), rest == "tw", rest == "hk", rest == "mo":
			return "zh-Hant"
		}
		return "zh-Hans"
	}
	return base
}
