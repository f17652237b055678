package gtfs

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The limits of a feed Plaza reads.
const (
	// MaxZipBytes is the largest zip file accepted.
	MaxZipBytes = 20 << 20
	// MaxTextBytes is the most routes.txt and stops.txt may hold together
	// once uncompressed, counted as they are read (a zip's headers may lie).
	MaxTextBytes = 50 << 20
	// MaxStops is the most stops a feed may list.
	MaxStops = 200_000
	// maxField is the longest id, name or code kept.
	maxField = 500
)

// The files of a feed Plaza reads.
const (
	RoutesFile = "routes.txt"
	StopsFile  = "stops.txt"
)

// ImportError is why a feed file was refused as a whole: Key is a message
// key and Args its arguments, which name the file, the line and the
// column where there is one, so the message reads well in any language.
type ImportError struct {
	Key  string
	Args []any
	// File, Line and Column say where the problem is (empty or 0 when it
	// is about the zip file as a whole).
	File   string
	Line   int
	Column string
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("gtfs feed: %s %v", e.Key, e.Args)
}

// AsImportError unwraps an *ImportError.
func AsImportError(err error) (*ImportError, bool) {
	var e *ImportError
	ok := errors.As(err, &e)
	return e, ok
}

// fileErr is a problem with the zip file as a whole.
func fileErr(key string, args ...any) error { return &ImportError{Key: key, Args: args} }

// at is a problem at a file's line (and column): its message takes the
// file and the line first, then the column when there is one, then args.
func at(file string, line int, column, key string, args ...any) error {
	all := []any{file, line}
	if column != "" {
		all = append(all, column)
	}
	return &ImportError{Key: key, Args: append(all, args...), File: file, Line: line, Column: column}
}

// Feed is what a parsed file holds.
type parsed struct {
	Routes []Route
	Stops  []Stop
}

// errTooMuch is the budget of uncompressed bytes running out.
var errTooMuch = errors.New("uncompressed data over the limit")

// budget counts the uncompressed bytes read from the zip file over all
// its files.
type budget struct{ left int64 }

type limited struct {
	r io.Reader
	b *budget
}

func (l *limited) Read(p []byte) (int, error) {
	if l.b.left <= 0 {
		// One byte more tells a file that ends exactly at the limit from
		// one that goes on.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errTooMuch
		}
		return 0, err
	}
	if int64(len(p)) > l.b.left {
		p = p[:l.b.left]
	}
	n, err := l.r.Read(p)
	l.b.left -= int64(n)
	return n, err
}

// parseZip reads routes.txt and stops.txt of a GTFS zip file of size
// bytes. Any problem is an *ImportError.
func parseZip(r io.ReaderAt, size int64) (*parsed, error) {
	if size > MaxZipBytes {
		return nil, fileErr("gtfsfeed.err_too_big", MaxZipBytes>>20)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fileErr("gtfsfeed.err_not_zip")
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		name := strings.ToLower(path.Base(f.Name))
		if name != RoutesFile && name != StopsFile || f.FileInfo().IsDir() {
			continue
		}
		// A file at the top wins over one in a folder (some feeds are
		// zipped with their folder).
		if prev, ok := files[name]; ok && !strings.Contains(prev.Name, "/") {
			continue
		}
		files[name] = f
	}
	for _, name := range []string{RoutesFile, StopsFile} {
		if files[name] == nil {
			return nil, fileErr("gtfsfeed.err_missing_file", name)
		}
	}
	var total uint64
	for _, f := range files {
		total += f.UncompressedSize64
	}
	if total > MaxTextBytes {
		return nil, fileErr("gtfsfeed.err_too_much", MaxTextBytes>>20)
	}
	b := &budget{left: MaxTextBytes}
	out := &parsed{}
	if err := readFile(files[RoutesFile], b, func(rd *table) error {
		routes, err := readRoutes(rd)
		out.Routes = routes
		return err
	}); err != nil {
		return nil, err
	}
	if err := readFile(files[StopsFile], b, func(rd *table) error {
		stops, err := readStops(rd)
		out.Stops = stops
		return err
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// readFile opens one file of the zip and hands its table to read,
// turning the zip's and CSV's errors into *ImportErrors.
func readFile(f *zip.File, b *budget, read func(*table) error) error {
	name := strings.ToLower(path.Base(f.Name))
	rc, err := f.Open()
	if err != nil {
		return fileErr("gtfsfeed.err_corrupt", name)
	}
	defer rc.Close()
	br := bufio.NewReader(&limited{r: rc, b: b})
	// A UTF-8 byte order mark before the header is not part of it.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := &table{file: name, r: cr}
	err = read(t)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errTooMuch):
		return fileErr("gtfsfeed.err_too_much", MaxTextBytes>>20)
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return fileErr("gtfsfeed.err_corrupt", name)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return at(name, pe.Line, "", "gtfsfeed.err_csv")
	}
	if _, ok := AsImportError(err); ok {
		return err
	}
	// Any other read error is the file's decompression failing.
	return fileErr("gtfsfeed.err_corrupt", name)
}

// table reads one CSV file: its header, then its rows by column name.
type table struct {
	file string
	r    *csv.Reader
	cols map[string]int
	row  []string
	line int
}

// header reads the first line; required columns must all be there.
func (t *table) header(required ...string) error {
	h, err := t.r.Read()
	if err == io.EOF {
		return at(t.file, 1, "", "gtfsfeed.err_empty_file")
	}
	if err != nil {
		return err
	}
	t.cols = map[string]int{}
	for i, c := range h {
		c = strings.TrimSpace(c)
		if _, dup := t.cols[c]; !dup {
			t.cols[c] = i
		}
	}
	for _, c := range required {
		if !t.has(c) {
			return at(t.file, 1, c, "gtfsfeed.err_missing_column")
		}
	}
	return nil
}

func (t *table) has(col string) bool { _, ok := t.cols[col]; return ok }

// next reads the next row; false at the end. Blank lines are skipped by
// the CSV reader.
func (t *table) next() (bool, error) {
	row, err := t.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	t.row = row
	t.line, _ = t.r.FieldPos(0)
	for _, v := range row {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return false, at(t.file, t.line, "", "gtfsfeed.err_encoding")
		}
	}
	return true, nil
}

// get is a column's value on the current row, trimmed ("" when the
// column or the cell is missing).
func (t *table) get(col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(t.row) {
		return ""
	}
	return strings.TrimSpace(t.row[i])
}

// text is a column's value, refused when longer than maxField.
func (t *table) text(col string) (string, error) {
	v := t.get(col)
	if len(v) > maxField {
		return "", at(t.file, t.line, col, "gtfsfeed.err_too_long", maxField)
	}
	return v, nil
}

// id is a required, unique id column.
func (t *table) id(col string, seen map[string]int) (string, error) {
	v, err := t.text(col)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", at(t.file, t.line, col, "gtfsfeed.err_required")
	}
	if first, dup := seen[v]; dup {
		return "", at(t.file, t.line, col, "gtfsfeed.err_duplicate", v, first)
	}
	seen[v] = t.line
	return v, nil
}

func readRoutes(t *table) ([]Route, error) {
	if err := t.header("route_id"); err != nil {
		return nil, err
	}
	if !t.has("route_short_name") && !t.has("route_long_name") {
		return nil, at(t.file, 1, "route_short_name", "gtfsfeed.err_missing_column")
	}
	var out []Route
	seen := map[string]int{}
	for {
		ok, err := t.next()
		if err != nil || !ok {
			return out, err
		}
		r := Route{Type: 3}
		if r.ID, err = t.id("route_id", seen); err != nil {
			return nil, err
		}
		if r.ShortName, err = t.text("route_short_name"); err != nil {
			return nil, err
		}
		if r.LongName, err = t.text("route_long_name"); err != nil {
			return nil, err
		}
		if r.ShortName == "" && r.LongName == "" {
			return nil, at(t.file, t.line, "route_short_name", "gtfsfeed.err_route_name")
		}
		if v := t.get("route_type"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 9999 {
				return nil, at(t.file, t.line, "route_type", "gtfsfeed.err_route_type", v)
			}
			r.Type = n
		}
		out = append(out, r)
	}
}

func readStops(t *table) ([]Stop, error) {
	if err := t.header("stop_id", "stop_name", "stop_lat", "stop_lon"); err != nil {
		return nil, err
	}
	var out []Stop
	seen := map[string]int{}
	for {
		ok, err := t.next()
		if err != nil || !ok {
			return out, err
		}
		var s Stop
		if s.ID, err = t.id("stop_id", seen); err != nil {
			return nil, err
		}
		if s.Name, err = t.text("stop_name"); err != nil {
			return nil, err
		}
		if s.Code, err = t.text("stop_code"); err != nil {
			return nil, err
		}
		// Generic nodes (3) and boarding areas (4) may go without a
		// position; they are not places a notice names, so they are
		// skipped.
		if lt := t.get("location_type"); (lt == "3" || lt == "4") && t.get("stop_lat") == "" && t.get("stop_lon") == "" {
			continue
		}
		if s.Lat, err = coordinate(t, "stop_lat", 90); err != nil {
			return nil, err
		}
		if s.Lon, err = coordinate(t, "stop_lon", 180); err != nil {
			return nil, err
		}
		if len(out) == MaxStops {
			return nil, fileErr("gtfsfeed.err_too_many_stops", MaxStops)
		}
		out = append(out, s)
	}
}

// coordinate is a latitude or longitude within ±limit.
func coordinate(t *table, col string, limit float64) (float64, error) {
	v := t.get(col)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < -limit || f > limit {
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		if limit == 90 {
			return 0, at(t.file, t.line, col, "gtfsfeed.err_latitude", v)
		}
		return 0, at(t.file, t.line, col, "gtfsfeed.err_longitude", v)
	}
	return f, nil
}
