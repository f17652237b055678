package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/pagecache"
	"github.com/plazahq/plaza/templates"
)

// publicPageCacheControl lets browsers and shared caches keep an
// anonymous public page for 15 seconds, then ask again with its ETag (a
// 304 costs a few hundred bytes). A notice's emergency update must reach a
// reader who reloads within seconds, not minutes: must-revalidate forbids
// serving the page past its age when Plaza cannot be asked, and there is
// no stale-while-revalidate, which would show the old page once more.
const publicPageCacheControl = "public, max-age=15, must-revalidate"

// cachedPage reports whether route is a public HTML page kept in the
// page cache for anonymous readers.
func cachedPage(route string) bool {
	switch route {
	case "/", "/accounts", "/alerts", "/projects",
		"/@:handle", "/@:handle/notices", "/@:handle/notices/:id", "/@:handle/alerts",
		"/@:handle/projects", "/@:handle/projects/:id":
		return true
	}
	return false
}

// publicPages serves anonymous readers' public pages from the page cache,
// with an ETag, Last-Modified and Cache-Control, and answers a matching
// If-None-Match with 304. A page is built once per content version and
// language (pagecache says how changes made anywhere reach it). Anyone
// signed in, or with a one-time notice or a cookie to clear, gets the page
// built for them, as before. After a state-changing request the version
// is read again, so the change is seen at once on this instance.
func (s *server) publicPages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if s.pages == nil {
			return next(c)
		}
		if unsafeMethod(req.Method) {
			err := next(c)
			s.pages.Changed()
			return err
		}
		if req.Method != http.MethodGet || !cachedPage(c.Path()) {
			return next(c)
		}
		env := templates.EnvOf(req.Context())
		res := c.Response()
		if env == nil || env.User != nil || env.Flash != "" || len(res.Header().Values("Set-Cookie")) > 0 {
			return next(c)
		}
		version, err := s.pages.Version(req.Context())
		if err != nil {
			return err
		}
		key := string(env.Lang) + " " + req.URL.RequestURI()
		if p, ok := s.pages.Get(key, version); ok {
			return writePage(c, p)
		}

		// Build it, into a buffer, then keep it if it is a whole public
		// page: 200, HTML, and no cookie set by the way.
		buf := &pageWriter{ResponseWriter: res.Writer}
		res.Writer = buf
		err = next(c)
		res.Writer = buf.ResponseWriter
		h := res.Header()
		if err != nil || !buf.wrote || buf.status != http.StatusOK || len(h.Values("Set-Cookie")) > 0 ||
			!strings.HasPrefix(h.Get(echo.HeaderContentType), echo.MIMETextHTML) {
			buf.flush()
			return err
		}
		p := s.pages.Put(key, version, buf.status, h.Get(echo.HeaderContentType), bytes.Clone(buf.body.Bytes()))
		setPageHeaders(h, p)
		if noneMatch(req, p.ETag) {
			buf.status = http.StatusNotModified
			buf.body.Reset()
			res.Status = http.StatusNotModified
		} else {
			h.Set(echo.HeaderContentLength, p.Length)
		}
		buf.flush()
		return nil
	}
}

// writePage answers with a kept page, or 304 when the reader has it.
func writePage(c echo.Context, p *pagecache.Page) error {
	h := c.Response().Header()
	setPageHeaders(h, p)
	if noneMatch(c.Request(), p.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	// A known length spares the chunked encoding (and its closing write).
	h.Set(echo.HeaderContentLength, p.Length)
	return c.Blob(p.Status, p.ContentType, p.Body)
}

func setPageHeaders(h http.Header, p *pagecache.Page) {
	h.Set("Cache-Control", publicPageCacheControl)
	// The page's language comes from ?lang= (in the URL), the language
	// cookie or Accept-Language; a signed-in reader's page is another.
	h.Set("Vary", "Accept-Language, Cookie")
	h.Set("ETag", p.ETag)
	h.Set("Last-Modified", p.Built.Format(http.TimeFormat))
}

// noneMatch reports whether If-None-Match names etag (or is *).
func noneMatch(req *http.Request, etag string) bool {
	inm := req.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		// A weak comparison, as RFC 9110 asks for If-None-Match.
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// pageWriter holds a response's status and body until flush, so a
// page can be kept before it is sent. Headers go to the real writer's
// map, which they share.
type pageWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *pageWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *pageWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(b)
}

// Flush is not passed on: a page is whole before it is sent.
func (w *pageWriter) Flush() {}

func (w *pageWriter) flush() {
	if !w.wrote {
		return
	}
	w.ResponseWriter.WriteHeader(w.status)
	if w.status != http.StatusNotModified && w.body.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
	}
}
