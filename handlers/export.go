package handlers

import (
	"io"
	"net/http"
	"time"
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
