package handlers

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// exportChunkTimeout is how long one chunk of a streamed export may take
// to reach the client. The server's WriteTimeout bounds a whole response,
// which no export of a large account could meet; a download instead lives
// as long as it keeps moving, and a client that stops reading is still
// cut off.
const exportChunkTimeout = time.Minute

// streamWriter is the response of a long download: before each chunk it
// moves the connection's write deadline exportChunkTimeout ahead.
type streamWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

// newStreamWriter wraps w, the response writer of a streamed export. The
// deadline moves at once, so the queries before the first row (counting,
// the audit entry) do not eat into the server's timeout either.
func newStreamWriter(w http.ResponseWriter) *streamWriter {
	s := &streamWriter{w: w, rc: http.NewResponseController(w)}
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportChunkTimeout))
	return s
}

func (s *streamWriter) Write(p []byte) (int, error) {
	// An error means the server cannot set deadlines (a test recorder);
	// then there is none to extend.
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportChunkTimeout))
	return s.w.Write(p)
}

// Flush sends what is buffered to the client now.
func (s *streamWriter) Flush() {
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportChunkTimeout))
	_ = s.rc.Flush()
}

// exportFlushRows is how many rows of an export go out together: the
// client sees progress as the rows are read, not only when a buffer fills.
const exportFlushRows = 2000

// csvDownload is a CSV file streamed to the client as its rows are read.
// The status and the header row go out with the first row, so an export
// that fails before it (the audit entry could not be written) is an
// ordinary error page; after it, a failure can only end the download
// short, since a CSV has no way to say "incomplete". Every cell goes
// through csvSafe.
type csvDownload struct {
	res     *echo.Response
	sw      *streamWriter
	buf     *bufio.Writer
	w       *csv.Writer
	name    string
	rows    int
	started bool
}

// newCSVDownload prepares the download of a file called name; nothing is
// sent until begin.
func newCSVDownload(res *echo.Response, name string) *csvDownload {
	sw := newStreamWriter(res)
	buf := bufio.NewWriterSize(sw, 32<<10)
	return &csvDownload{res: res, sw: sw, buf: buf, w: csv.NewWriter(buf), name: name}
}

// begin sends the status and the header row: UTF-8 with a byte-order
// mark, so spreadsheet programs read Chinese right.
func (d *csvDownload) begin(header []string) error {
	d.started = true
	hdr := d.res.Header()
	hdr.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hdr.Set(echo.HeaderContentDisposition, `attachment; filename="`+d.name+`"`)
	hdr.Set("Cache-Control", "no-store")
	d.res.WriteHeader(http.StatusOK)
	if _, err := d.buf.WriteString("\ufeff"); err != nil {
		return err
	}
	return d.row(header)
}

// row writes one record; every exportFlushRows rows reach the client at
// once, so it sees progress as the rows are read.
func (d *csvDownload) row(rec []string) error {
	for i := range rec {
		rec[i] = csvSafe(rec[i])
	}
	if err := d.w.Write(rec); err != nil {
		return err
	}
	if d.rows++; d.rows%exportFlushRows == 0 {
		d.w.Flush()
		if err := d.buf.Flush(); err != nil {
			return err
		}
		d.sw.Flush()
	}
	return d.w.Error()
}

// end finishes the download after the rows were written with err (what
// names the export in the error).
func (d *csvDownload) end(err error, what string) error {
	if err != nil {
		if !d.res.Committed {
			return err
		}
		return fmt.Errorf("export %s: %w", what, err)
	}
	d.w.Flush()
	if err := d.w.Error(); err != nil {
		return fmt.Errorf("export %s: %w", what, err)
	}
	return d.buf.Flush()
}
