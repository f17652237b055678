package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/paths"
)

//go:embed openapi.json
var openapiDoc []byte

// apiArea is the token-authenticated JSON API under /api/v1. Handlers
// parse JSON, call the same model functions as the studio and answer JSON;
// errors have one shape: {"error": {"code", "message", "fields"}}.
type apiArea struct {
	store      *models.Store
	notices    *notice.Service
	accounts   *account.Service
	followers  *follower.Service
	projects   *project.Service
	tokens     *apitoken.Service
	broadcasts *broadcast.Service
	baseURL    string
	// gtfs tells which routes and stops of a notice the account's GTFS
	// feed lacks (the warnings of a create or update).
	gtfs *gtfs.Service
	// media has the notices' files.
	media *media.Service
}

func registerAPI(e *echo.Echo, h *apiArea) {
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "application/json", openapiDoc)
	})
	g := e.Group("/api/v1", h.authenticate)
	read, write := scope(apitoken.ScopeNoticesRead), scope(apitoken.ScopeNoticesWrite)
	fread, fwrite := scope(apitoken.ScopeFollowersRead), scope(apitoken.ScopeFollowersWrite)
	idem := h.idempotent

	g.GET("/accounts/:handle/notices", h.listNotices, read)
	g.POST("/accounts/:handle/notices", h.createNotice, write, idem)
	g.GET("/notices/:id", h.getNotice, read)
	g.PATCH("/notices/:id", h.patchNotice, write)
	g.POST("/notices/:id/publish", h.publishNotice, write, idem)
	g.POST("/notices/:id/cancel", h.cancelNotice, write, idem)
	g.GET("/broadcasts/:id", h.getBroadcast, read)
	g.GET("/accounts/:handle/followers", h.listFollowers, fread)
	g.POST("/accounts/:handle/followers", h.addFollower, fwrite, idem)
	g.POST("/followers/:id/tags", h.tagFollower, fwrite, idem)
	g.DELETE("/followers/:id", h.removeFollower, fwrite)
	g.GET("/accounts/:handle/projects", h.listProjects, scope(apitoken.ScopeProjectsRead))
	g.GET("/projects/:id", h.getProject, scope(apitoken.ScopeProjectsRead))
	g.GET("/projects/:id/feedback", h.listFeedback, scope(apitoken.ScopeFeedbackRead))
}

// apiError is the body of every API error.
type apiError struct {
	status  int
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Message: msg}
}

// apiErrorFor turns a model or framework error into the API's shape;
// validation errors name each bad field, in English.
func apiErrorFor(err error, status int, title string) *apiError {
	if v, ok := models.AsValidation(err); ok {
		e := apiErr(http.StatusUnprocessableEntity, "invalid", "some fields are invalid")
		e.Fields = map[string]string{}
		for f, key := range v.Fields {
			e.Fields[f] = i18nEN(key)
		}
		return e
	}
	code := strings.TrimSuffix(strings.TrimPrefix(title, "error."), "_title")
	return apiErr(status, code, i18nEN(strings.TrimSuffix(title, "_title")))
}

func scope(s string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !apiToken(c).Has(s) {
				return apiErr(http.StatusForbidden, "insufficient_scope", "this token lacks the scope "+s)
			}
			return next(c)
		}
	}
}

func (h *apiArea) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="plaza"`)
			return apiErr(http.StatusUnauthorized, "unauthorized", "send an API token: Authorization: Bearer plz_…")
		}
		m, t, err := h.tokens.Authenticate(c.Request().Context(), strings.TrimSpace(raw))
		if errors.Is(err, apitoken.ErrBadToken) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="plaza", error="invalid_token"`)
			return apiErr(http.StatusUnauthorized, "invalid_token", "the token is unknown or revoked")
		}
		if err != nil {
			return err
		}
		setValue(c, keyAPIMember, m)
		setValue(c, keyAPIToken, t)
		return next(c)
	}
}

// bufferedWriter keeps a copy of what a handler writes, to store it under
// the request's Idempotency-Key.
type bufferedWriter struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *bufferedWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// idempotent replays the stored response of a POST whose Idempotency-Key
// was seen before with the same request, so a client retrying after a
// timeout does not publish twice.
func (h *apiArea) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if key == "" {
			return next(c)
		}
		if len(key) > 200 {
			return apiErr(http.StatusBadRequest, "bad_idempotency_key", "Idempotency-Key is at most 200 characters")
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(c.Request().Method+" "+c.Request().URL.Path+"\n"), body...))
		hash := hex.EncodeToString(sum[:])
		t := apiToken(c)
		ctx := c.Request().Context()
		prev, err := h.tokens.ClaimIdempotencyKey(ctx, t.ID, key, hash)
		if errors.Is(err, apitoken.ErrIdempotencyReused) {
			return apiErr(http.StatusUnprocessableEntity, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
		}
		if err != nil {
			return err
		}
		if prev != nil {
			if prev.Status == 0 {
				return apiErr(http.StatusConflict, "request_in_progress", "a request with this Idempotency-Key is still being processed")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(prev.Status, "application/json", []byte(prev.Response))
		}
		w := &bufferedWriter{ResponseWriter: c.Response().Writer, status: http.StatusOK}
		c.Response().Writer = w
		err = next(c)
		if err != nil {
			// Errors are answered by the error handler, after this
			// returns: store what the client will see unless it is our
			// failure, which a retry may not hit.
			var ae *apiError
			status, _, _ := classify(err)
			if errors.As(err, &ae) {
				status = ae.status
			}
			if status >= 500 {
				_ = h.tokens.ReleaseIdempotencyKey(detached(c), t.ID, key)
				return err
			}
			h.handleErr(c, err)
			if ferr := h.tokens.FinishIdempotencyKey(detached(c), t.ID, key, w.status, w.buf.String()); ferr != nil {
				return ferr
			}
			return nil
		}
		return h.tokens.FinishIdempotencyKey(detached(c), t.ID, key, w.status, w.buf.String())
	}
}

// handleErr writes an error response now, so idempotent can store it.
func (h *apiArea) handleErr(c echo.Context, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		status, title, _ := classify(err)
		ae = apiErrorFor(err, status, title)
	}
	_ = c.JSON(ae.status, map[string]any{"error": ae})
}

// detached is the request's context without its cancellation: the
// idempotency record must be written even if the client has gone.
func detached(c echo.Context) context.Context { return context.WithoutCancel(c.Request().Context()) }

// i18nEN is a message key (with the arguments models.KeyArgs packed in
// it, if any) in English.
func i18nEN(key string) string {
	k, args := models.SplitKeyArgs(key)
	return i18n.T(i18n.EN, k, args...)
}

// decode reads a JSON body strictly: unknown fields are an error, so a
// typo does not silently drop a value, and text with a NUL character
// (\u0000) is invalid, as it is in forms.
func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return apiErr(http.StatusBadRequest, "bad_json", "the body is not the JSON this endpoint takes: "+err.Error())
	}
	if field, ok := nulField(v); ok {
		return models.FieldError(field, "err.nul_character")
	}
	return nil
}

// cursor pagination: an opaque cursor wraps the last id of a page.
func pageArgs(c echo.Context) (int64, int, error) {
	limit := 50
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return 0, 0, apiErr(http.StatusBadRequest, "bad_limit", "limit is a number from 1 to 200")
		}
		limit = n
	}
	var after int64
	if s := c.QueryParam("cursor"); s != "" {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		n, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "id:"), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "id:") || n <= 0 {
			return 0, 0, apiErr(http.StatusBadRequest, "bad_cursor", "cursor is not one this API gave out")
		}
		after = n
	}
	return after, limit, nil
}

func nextCursor(lastID int64, full bool) *string {
	if !full {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(lastID, 10)))
	return &s
}

type listResponse[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// noticeJSON is a notice as the API shows it: what a client can send
// (notice.Input, by its json tags) and what the notice has besides.
type noticeJSON struct {
	ID      int64  `json:"id"`
	Account string `json:"account"`
	Status  string `json:"status"`
	Ended   string `json:"ended,omitempty"`
	// DefaultLang is the language a reader without their own gets.
	DefaultLang string `json:"default_lang"`
	notice.Input
	Revision    int        `json:"revision"`
	PublishedAt *time.Time `json:"published_at"`
	URL         *string    `json:"url"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Files are its images and documents (withFiles).
	Files []noticeFileJSON `json:"files"`
	// Warnings are about a notice just created or changed: routes and
	// stops the account's GTFS feed lacks (api_gtfs.go). It is saved all
	// the same.
	Warnings []apiWarning `json:"warnings,omitempty"`
}

// noticeFileJSON is an image or a document of a notice.
type noticeFileJSON struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Sha1        string `json:"sha1"`
	URL         string `json:"url"`
}

// noticeWithFiles is noticeOut with the notice's files.
func (h *apiArea) noticeWithFiles(ctx context.Context, handle string, n *models.Notice) (noticeJSON, error) {
	out := h.noticeOut(handle, n)
	return out, h.withFiles(ctx, &out)
}

// withFiles fills in the files of the notices out, read at once.
func (h *apiArea) withFiles(ctx context.Context, out ...*noticeJSON) error {
	ids := make([]int64, len(out))
	for i, n := range out {
		ids[i] = n.ID
	}
	files, err := h.media.FilesOfNotices(ctx, ids)
	if err != nil {
		return err
	}
	for _, n := range out {
		n.Files = []noticeFileJSON{}
		for _, f := range files[n.ID] {
			n.Files = append(n.Files, noticeFileJSON{ID: f.ID, Kind: f.Kind, Title: f.Title, Filename: f.Filename, ContentType: f.ContentType,
				Size: f.Size, Width: f.Width, Height: f.Height, Sha1: f.Sha1, URL: h.baseURL + paths.Media(f.MediaPublicID)})
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *apiArea) noticeOut(handle string, n *models.Notice) noticeJSON {
	out := noticeJSON{ID: n.ID, Account: handle, Status: n.Status, Ended: n.Ended, DefaultLang: n.DefaultLang, Input: notice.InputOf(n),
		Revision: n.Revision, PublishedAt: n.PublishedAt, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}
	// The API has always shown no tags as [], never null; likewise
	// files, for the answers that do not read them (withFiles).
	out.Tags = nonNil(out.Tags)
	out.ResponseTypes = nonNil(out.ResponseTypes)
	out.Files = []noticeFileJSON{}
	if n.PublishedAt != nil {
		u := fmt.Sprintf("%s/@%s/notices/%d", h.baseURL, handle, n.ID)
		out.URL = &u
	}
	return out
}

func (h *apiArea) account(c echo.Context) (*models.Member, *models.Account, error) {
	m := apiMember(c)
	a, err := h.accounts.OrgAccount(c.Request().Context(), m, c.Param("handle"))
	return m, a, err
}

// notice loads a notice of the token's organization; another
// organization's is a 404, as if it did not exist.
func (h *apiArea) notice(c echo.Context) (*models.Member, *models.Account, *models.Notice, error) {
	m := apiMember(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	a, n, err := h.notices.APINotice(c.Request().Context(), m, id)
	return m, a, n, err
}

func (h *apiArea) listNotices(c echo.Context) error {
	m, a, err := h.account(c)
	if err != nil {
		return err
	}
	after, limit, err := pageArgs(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" && !validNoticeStatus(status) {
		return apiErr(http.StatusBadRequest, "bad_status", "status is one of draft, scheduled, published, updated, cancelled, expired")
	}
	list, err := h.notices.APINotices(c.Request().Context(), m, a, status, after, limit)
	if err != nil {
		return err
	}
	out := listResponse[noticeJSON]{Data: []noticeJSON{}}
	for i := range list {
		out.Data = append(out.Data, h.noticeOut(a.Handle, &list[i]))
	}
	withFiles := make([]*noticeJSON, len(out.Data))
	for i := range out.Data {
		withFiles[i] = &out.Data[i]
	}
	if err := h.withFiles(c.Request().Context(), withFiles...); err != nil {
		return err
	}
	if len(list) > 0 {
		out.NextCursor = nextCursor(list[len(list)-1].ID, len(list) == limit)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *apiArea) createNotice(c echo.Context) error {
	m, a, err := h.account(c)
	if err != nil {
		return err
	}
	// The body is the notice's input itself, by its json tags.
	var in notice.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	n, err := h.notices.CreateNotice(c.Request().Context(), m, a, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.withWarnings(c.Request().Context(), a, h.noticeOut(a.Handle, n)))
}

func (h *apiArea) getNotice(c echo.Context) error {
	_, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	out, err := h.noticeWithFiles(c.Request().Context(), a.Handle, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// patchNotice replaces a draft's content, or sends an update of a live
// notice (the whole notice is sent, as in the studio).
func (h *apiArea) patchNotice(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	// Starting from the stored input, fields the client leaves out keep
	// their values.
	in := notice.InputOf(n)
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if n.Live() {
		n, b, err := h.notices.UpdateNotice(ctx, m, a, n.ID, in)
		if err != nil {
			return err
		}
		out, err := h.noticeWithFiles(ctx, a.Handle, n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, publishResult{Notice: h.withWarnings(ctx, a, out), BroadcastID: &b.ID})
	}
	n, err = h.notices.SaveNotice(ctx, m, a, n.ID, in)
	if err != nil {
		return err
	}
	out, err := h.noticeWithFiles(ctx, a.Handle, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publishResult{Notice: h.withWarnings(ctx, a, out)})
}

type publishResult struct {
	Notice      noticeJSON `json:"notice"`
	BroadcastID *int64     `json:"broadcast_id"`
}

func (h *apiArea) publishNotice(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	n, b, err := h.notices.PublishNotice(c.Request().Context(), m, a, n.ID, notice.InputOf(n))
	if err != nil {
		return err
	}
	nj, err := h.noticeWithFiles(c.Request().Context(), a.Handle, n)
	if err != nil {
		return err
	}
	out := publishResult{Notice: nj}
	if b != nil {
		out.BroadcastID = &b.ID
	}
	return c.JSON(http.StatusOK, out)
}

func (h *apiArea) cancelNotice(c echo.Context) error {
	m, a, n, err := h.notice(c)
	if err != nil {
		return err
	}
	var in struct {
		How string `json:"how"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	n, b, err := h.notices.EndNotice(c.Request().Context(), m, a, n.ID, in.How)
	if err != nil {
		return err
	}
	out, err := h.noticeWithFiles(c.Request().Context(), a.Handle, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publishResult{Notice: out, BroadcastID: &b.ID})
}

type broadcastJSON struct {
	ID         int64      `json:"id"`
	NoticeID   int64      `json:"notice_id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	Emergency  bool       `json:"emergency"`
	Total      int64      `json:"total"`
	Sent       int64      `json:"sent"`
	Failed     int64      `json:"failed"`
	Dead       int64      `json:"dead"`
	Held       int64      `json:"held"`
	Skipped    int64      `json:"skipped"`
	Remaining  int64      `json:"remaining"`
	Rate       float64    `json:"rate"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// CompactedAt is when retention removed the per-recipient rows.
	CompactedAt *time.Time `json:"compacted_at"`
	// Channels counts the deliveries per channel of their followers
	// ("" for followers erased since).
	Channels []broadcastChannelJSON `json:"channels"`
}

type broadcastChannelJSON struct {
	Channel string `json:"channel"`
	Total   int64  `json:"total"`
	Pending int64  `json:"pending"`
	Sent    int64  `json:"sent"`
	Failed  int64  `json:"failed"`
	Dead    int64  `json:"dead"`
	Held    int64  `json:"held"`
	Skipped int64  `json:"skipped"`
}

func (h *apiArea) getBroadcast(c echo.Context) error {
	m := apiMember(c)
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.broadcasts.OrgProgress(c.Request().Context(), m, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, broadcastJSON{ID: p.ID, NoticeID: p.NoticeID, Kind: p.Kind, Status: p.Status, Emergency: p.Emergency(),
		Total: p.Total, Sent: p.Sent, Failed: p.Failed, Dead: p.Dead, Held: p.Held, Skipped: p.Skipped, Remaining: p.Remaining(),
		Rate: p.Rate, CreatedAt: p.CreatedAt, FinishedAt: p.FinishedAt, CompactedAt: p.CompactedAt, Channels: channelsOut(p.Channels)})
}

func channelsOut(cs []broadcast.ChannelCounts) []broadcastChannelJSON {
	out := make([]broadcastChannelJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, broadcastChannelJSON{Channel: c.Channel, Total: c.Total(), Pending: c.Pending, Sent: c.Sent,
			Failed: c.Failed, Dead: c.Dead, Held: c.Held, Skipped: c.Skipped})
	}
	return out
}

type followerJSON struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	Address   string    `json:"address"`
	Name      string    `json:"name"`
	Language  string    `json:"language"`
	Status    string    `json:"status"`
	Tags      []string  `json:"tags"`
	CreatedAt time.Time `json:"created_at"`
}

func followerOut(f *models.Follower) followerJSON {
	return followerJSON{ID: f.ID, Channel: f.Channel, Address: models.OutsideAddress(f.Channel, f.Address), Name: f.Name, Language: f.Language, Status: f.Status,
		Tags: nonNil(f.Tags), CreatedAt: f.CreatedAt}
}

func (h *apiArea) listFollowers(c echo.Context) error {
	m, a, err := h.account(c)
	if err != nil {
		return err
	}
	after, limit, err := pageArgs(c)
	if err != nil {
		return err
	}
	ch := c.QueryParam("channel")
	if len(ch) > 40 {
		return apiErr(http.StatusBadRequest, "bad_channel", "channel is a channel's name, such as email, sms or webpush")
	}
	list, err := h.followers.APIFollowers(c.Request().Context(), m, a, ch, after, limit)
	if err != nil {
		return err
	}
	out := listResponse[followerJSON]{Data: []followerJSON{}}
	for i := range list {
		out.Data = append(out.Data, followerOut(&list[i]))
	}
	if len(list) > 0 {
		out.NextCursor = nextCursor(list[len(list)-1].ID, len(list) == limit)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *apiArea) addFollower(c echo.Context) error {
	m, a, err := h.account(c)
	if err != nil {
		return err
	}
	var in follower.Input
	if err := decode(c, &in); err != nil {
		return err
	}
	f, created, err := h.followers.APIAddFollower(c.Request().Context(), m, a, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, followerOut(f))
}

func (h *apiArea) follower(c echo.Context) (*models.Member, *models.Account, *models.Follower, error) {
	m := apiMember(c)
	id, err := parseID(c, "id")
	if err != nil {
		return nil, nil, nil, err
	}
	a, f, err := h.followers.APIFollower(c.Request().Context(), m, id)
	return m, a, f, err
}

func (h *apiArea) tagFollower(c echo.Context) error {
	m, a, f, err := h.follower(c)
	if err != nil {
		return err
	}
	var in struct {
		Add    []string `json:"add"`
		Remove []string `json:"remove"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := h.followers.BulkTag(ctx, m, a, []int64{f.ID}, in.Add, in.Remove); err != nil {
		return err
	}
	f, err = h.followers.FollowerByID(ctx, f.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, followerOut(f))
}

// removeFollower ends the follow, as the follower's own unsubscribe link
// would; the record stays (erasure is a privacy request in the studio).
func (h *apiArea) removeFollower(c echo.Context) error {
	_, _, f, err := h.follower(c)
	if err != nil {
		return err
	}
	f, err = h.followers.Unsubscribe(c.Request().Context(), f.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, followerOut(f))
}
