package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/pagecache"
	"github.com/plazahq/plaza/templates"
)

// publicPageCacheControl: a reader's own browser keeps an anonymous
// public page but asks again each time it shows it (max-age=0), with the
// page's ETag, and gets a 304 from this instance's memory when nothing
// changed: a citizen who reloads for an emergency update, or comes back
// to a consultation after answering, sees the page as it is now. A shared
// cache in front of Plaza (a CDN, a proxy) may serve it for 15 seconds
// (s-maxage) and then must ask again (must-revalidate, no stale serving):
// that takes a crowd's load off the instances while an update still
// reaches everyone within seconds, not minutes.
const publicPageCacheControl = "public, max-age=0, s-maxage=15, must-revalidate"

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

// keptPages answers an anonymous reader's request for a public page from
// the page cache, before the rest of the chain: a kept page needs neither
// the session lookup nor the page's environment, only the language
// (requestLang, as pageEnv works it out). A reader with a session or a
// one-time notice cookie, and every page not kept yet, goes on to
// publicPages through the whole chain. A kept page was built for the
// same address, so it passed pageEnv's checks of the path and query.
func (s *server) keptPages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if s.pages == nil || req.Method != http.MethodGet || !cachedPage(c.Path()) || !anonymous(req, s.cfg.cookieName(sessionCookie)) {
			return next(c)
		}
		version, err := s.pages.Version(req.Context())
		if err != nil {
			return err
		}
		if p, ok := s.pages.Get(pageKey(c, requestLang(c)), version); ok {
			return writePage(c, p)
		}
		return next(c)
	}
}

// anonymous reports whether req carries neither a session cookie nor a
// one-time notice: the page it gets is everyone's.
func anonymous(req *http.Request, session string) bool {
	if req.Header.Get("Cookie") == "" {
		return true
	}
	for _, name := range []string{session, flashCookie} {
		if _, err := req.Cookie(name); err == nil {
			return false
		}
	}
	return true
}

// pageKey is where a page is kept: its address and language.
func pageKey(c echo.Context, l i18n.Lang) string {
	return string(l) + " " + c.Request().URL.RequestURI()
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
			// Chat platforms' callbacks (thousands a second at peak)
			// change no public page: a follow or a pending answer is not
			// shown, and a published answer still reaches the pages
			// within the poll.
			// A citizen's answer says so itself when it was published
			// at once (publicProjects.submit): a crowd of answers
			// waiting for moderation must not make every request read
			// the version again.
			if !strings.HasPrefix(c.Path(), "/bridge/") && c.Path() != feedbackRoute {
				s.pages.Changed()
			}
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
		key := pageKey(c, env.Lang)
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

// The values of setPageHeaders that never change, as header slices: it
// runs on every page kept, and assigning them does not allocate. (A
// header's values are replaced, never appended to, by Set; these have no
// room to append into.)
var (
	pageCacheControl = []string{publicPageCacheControl}
	// The page's language comes from ?lang= (in the URL), the language
	// cookie or Accept-Language; a signed-in reader's page is another.
	pageVary = []string{"Accept-Language, Cookie"}
)

func setPageHeaders(h http.Header, p *pagecache.Page) {
	h["Cache-Control"] = pageCacheControl[:1:1]
	h["Vary"] = pageVary[:1:1]
	h["Etag"] = []string{p.ETag}
	h["Last-Modified"] = []string{p.Modified}
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
