package handlers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/paths"
	"github.com/plazahq/plaza/templates"
)

// The moderation side of projects: the queue, bulk actions, official
// responses, the official summary and the exports.

// queueFilter reads the queue's filters from q (the queue's query, or
// that of the queue address a row's form came from). The queue opens on
// the answers that wait for a moderator; "all" asks for every state.
func queueFilter(q url.Values) models.FeedbackFilter {
	status := q.Get("status")
	if status == "" && q.Get("reported") != "1" {
		status = models.FeedbackPending
	}
	f := models.FeedbackFilter{Status: status, Stance: q.Get("stance"),
		District: q.Get("district"), Query: q.Get("q"), Reported: q.Get("reported") == "1"}
	if !slices.Contains(models.FeedbackStatuses(), f.Status) {
		f.Status = ""
	}
	if !slices.Contains(models.Stances(), f.Stance) {
		f.Stance = ""
	}
	if len([]rune(f.Query)) > 100 {
		f.Query = string([]rune(f.Query)[:100])
	}
	if len([]rune(f.District)) > 100 {
		f.District = ""
	}
	return f
}

func (h *projects) queue(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	return h.renderQueue(c, http.StatusOK, m, a, p, c.Request().URL.RequestURI(), templates.QueueReply{})
}

// renderQueue shows the queue at address (its filters and page), with
// reply the state of a row's reply form that was refused, if any.
func (h *projects) renderQueue(c echo.Context, status int, m *models.Member, a *models.Account, p *models.Project, address string, reply templates.QueueReply) error {
	ctx := c.Request().Context()
	u, err := url.Parse(address)
	if err != nil {
		return fmt.Errorf("queue address %q: %w", address, err)
	}
	q := u.Query()
	f := queueFilter(q)
	page := models.Page{Number: 1, Size: models.DefaultPageSize}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 && n <= 100000 {
		page.Number = n
	}
	if q.Get("size") == "100" {
		page.Size = 100
	}
	list, total, err := h.projects.OrgFeedback(ctx, m, a, p.ID, f, page)
	if err != nil {
		return err
	}
	counts, err := h.projects.FeedbackCounts(ctx, p.ID)
	if err != nil {
		return err
	}
	questions, err := h.projects.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	revs, err := h.projects.PendingRevisions(ctx, p.ID, ids)
	if err != nil {
		return err
	}
	dups, err := h.projects.DuplicateFeedback(ctx, p.ID, list)
	if err != nil {
		return err
	}
	pager := templates.Pager{Page: page.Number, Size: page.Limit(), Total: total, BaseURL: address}
	return render(c, status, templates.FeedbackQueue(m, a, p, list, questions, f, counts, pager, revs, dups, h.store.Now(), reply))
}

// queueBack is where a form posted from the queue returns: the queue
// address it sent (page and filters kept), if it is this project's
// queue; "" otherwise.
func queueBack(c echo.Context, queue string) string {
	back := safeNext(c.FormValue("back"))
	if back != queue && !strings.HasPrefix(back, queue+"?") {
		return ""
	}
	return back
}

func (h *projects) bulk(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	params, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	var ids []int64
	// ids are the ticked boxes of the bulk form; id is the answer of a
	// row's own form (a name of its own, so it is never taken for a box).
	for _, raw := range append(params["ids"], params["id"]...) {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "bad id")
		}
		ids = append(ids, id)
	}
	back := safeNext(c.FormValue("back"))
	if !strings.HasPrefix(back, paths.Feedback(m.Org.ID, a.Handle, p.ID)) {
		back = paths.Feedback(m.Org.ID, a.Handle, p.ID)
	}
	_, err = h.projects.ModerateFeedback(c.Request().Context(), m, a, p.ID, ids, c.FormValue("action"))
	if v, ok := models.AsValidation(err); ok {
		// The queue page shows why nothing happened (nothing selected,
		// too many, no action) as its notice.
		key := v.Fields["ids"]
		if key == "" {
			key = "feedback.err_no_action"
		}
		return redirect(c, back, key)
	}
	if err != nil {
		return err
	}
	return redirect(c, back, "feedback.moderated_"+c.FormValue("action"))
}

// answer loads one answer of the project in the path, with the
// project's questions for its extra answers.
func (h *projects) answer(c echo.Context) (*models.Member, *models.Account, *models.Project, *models.Feedback, []models.ProjectQuestion, error) {
	m, a, p, err := h.project(c)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	id, err := parseID(c, "feedback")
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	ctx := c.Request().Context()
	fb, err := h.projects.OrgFeedbackItem(ctx, m, a, p.ID, id)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	questions, err := h.projects.ProjectQuestions(ctx, p.ID)
	return m, a, p, fb, questions, err
}

func (h *projects) feedbackItem(c echo.Context) error {
	m, a, p, fb, questions, err := h.answer(c)
	if err != nil {
		return err
	}
	rel, err := h.projects.FeedbackRelated(c.Request().Context(), fb)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.FeedbackItem(m, a, p, fb, questions, fb.Response, nil, rel))
}

func (h *projects) respond(c echo.Context) error {
	m, a, p, fb, questions, err := h.answer(c)
	if err != nil {
		return err
	}
	response := c.FormValue("response")
	publish := c.FormValue("action") == "publish"
	// A reply sent from a row of the queue goes back to that page of the
	// queue, and a refused one is shown there, in its row.
	back := queueBack(c, paths.Feedback(m.Org.ID, a.Handle, p.ID))
	_, err = h.projects.RespondToFeedback(c.Request().Context(), m, a, p.ID, fb.ID, response, publish)
	if v, ok := models.AsValidation(err); ok && back != "" {
		// The page shown is the queue: its links and row forms come back
		// to it, not to this form's address.
		templates.EnvOf(c.Request().Context()).Path = back
		return h.renderQueue(c, http.StatusUnprocessableEntity, m, a, p, back, templates.QueueReply{ID: fb.ID, Text: response, Errors: v.Fields})
	} else if ok {
		rel, rerr := h.projects.FeedbackRelated(c.Request().Context(), fb)
		if rerr != nil {
			return rerr
		}
		return render(c, http.StatusUnprocessableEntity, templates.FeedbackItem(m, a, p, fb, questions, response, v.Fields, rel))
	}
	if err != nil {
		return err
	}
	key := "feedback.response_saved"
	if publish {
		key = "feedback.response_published"
	}
	if back != "" {
		return redirect(c, back, key)
	}
	return redirect(c, paths.FeedbackItem(m.Org.ID, a.Handle, p.ID, fb.ID), key)
}

// acceptRevision makes a phone revision, which nothing else can confirm,
// the person's answer in place of the earlier one.
func (h *projects) acceptRevision(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "feedback")
	if err != nil {
		return err
	}
	back := paths.FeedbackItem(m.Org.ID, a.Handle, p.ID, id)
	err = h.projects.AcceptAnswerRevision(c.Request().Context(), m, a, p.ID, id)
	if v, ok := models.AsValidation(err); ok {
		return redirect(c, back, v.Fields["revision"])
	}
	if err != nil {
		return err
	}
	return redirect(c, back, "answers.accepted")
}

func (h *projects) summary(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	params, _ := c.FormParams()
	given := models.FormTexts(params, formLangs(a, p), "result")
	texts := map[string]string{}
	for l := range given {
		texts[l] = given.Get(l, "result")
	}
	_, err = h.projects.SetProjectResult(c.Request().Context(), m, a, p.ID, texts)
	if v, ok := models.AsValidation(err); ok {
		return h.again(c, m, a, p, func(ps *templates.ProjectStudio) {
			all := ps.Project.Translations.Clone()
			for _, l := range ps.Langs {
				all.Set(l, "result", texts[l])
			}
			ps.Project.Translations = all
			ps.Errors = v.Fields
		})
	}
	if err != nil {
		return err
	}
	return redirect(c, paths.Project(m.Org.ID, a.Handle, p.ID)+"#summary", "projects.summary_saved")
}

// exportName is the file name of an export: the account, the project and
// the day.
func (h *projects) exportName(a *models.Account, p *models.Project, ext string) string {
	return fmt.Sprintf("%s-project-%d-feedback-%s.%s", a.Handle, p.ID, h.store.Now().In(h.loc).Format("20060102"), ext)
}

func exportTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// exportCSV streams every answer as CSV. It starts with a byte-order mark
// so spreadsheet programs read it as UTF-8 and show Chinese text.
func (h *projects) exportCSV(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	d := newCSVDownload(c.Response(), h.exportName(a, p, "csv"))
	err = h.projects.ExportFeedback(c.Request().Context(), m, a, p.ID, "csv", func(qs []models.ProjectQuestion, r models.ExportRow) error {
		if !d.started {
			if err := d.begin(feedbackHeader(qs, p.DefaultLang)); err != nil {
				return err
			}
		}
		return d.row(append(feedbackColumns(&r.Feedback), r.Extra...))
	})
	if err == nil && !d.started {
		qs, qerr := h.projects.ProjectQuestions(c.Request().Context(), p.ID)
		if qerr != nil {
			return qerr
		}
		err = d.begin(feedbackHeader(qs, p.DefaultLang))
	}
	return d.end(err, "feedback csv")
}

// feedbackHeader is the header row of the answers' CSV: the fixed columns,
// then the project's questions, whose labels staff type (csvDownload
// neutralises a label as any cell).
func feedbackHeader(qs []models.ProjectQuestion, def string) []string {
	head := []string{"id", "created_at", "updated_at", "stance", "comment", "name", "contact", "district",
		"channel", "language", "status", "reports", "response", "response_at"}
	for _, q := range qs {
		head = append(head, q.Label(def, def))
	}
	return head
}

func feedbackColumns(f *models.Feedback) []string {
	resp := ""
	if f.ResponseAt != nil {
		resp = exportTime(*f.ResponseAt)
	}
	return []string{strconv.FormatInt(f.ID, 10), exportTime(f.CreatedAt), exportTime(f.UpdatedAt), f.Stance,
		f.Comment, f.Name, f.Contact, f.District, f.Channel, f.Lang, f.Status,
		strconv.Itoa(f.Reports), f.Response, resp}
}

// csvSafe defuses text that a spreadsheet would run as a formula (CSV
// injection): a leading =, +, -, @, tab or carriage return gets a quote
// in front, which spreadsheets show as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportJSON streams every answer as one JSON array, an object per answer.
func (h *projects) exportJSON(c echo.Context) error {
	m, a, p, err := h.project(c)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+h.exportName(a, p, "json")+`"`)
	res.Header().Set("Cache-Control", "no-store")
	buf := bufio.NewWriterSize(newStreamWriter(res), 32<<10)
	enc := json.NewEncoder(buf)
	first := true
	start := func() error {
		res.WriteHeader(http.StatusOK)
		_, err := buf.WriteString("[\n")
		return err
	}
	err = h.projects.ExportFeedback(c.Request().Context(), m, a, p.ID, "json", func(qs []models.ProjectQuestion, r models.ExportRow) error {
		if first {
			if err := start(); err != nil {
				return err
			}
		} else if _, err := buf.WriteString(","); err != nil {
			return err
		}
		first = false
		return enc.Encode(exportObject(qs, &r, p.DefaultLang))
	})
	if err == nil && first {
		err = start()
	}
	if err != nil {
		if !res.Committed {
			return err
		}
		return fmt.Errorf("export feedback json: %w", err)
	}
	if _, err := buf.WriteString("]\n"); err != nil {
		return fmt.Errorf("export feedback json: %w", err)
	}
	return buf.Flush()
}

type exportAnswer struct {
	Question string   `json:"question"`
	Answer   []string `json:"answer"`
}

type exportFeedback struct {
	ID         int64          `json:"id"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
	Stance     string         `json:"stance"`
	Comment    string         `json:"comment"`
	Name       string         `json:"name"`
	Contact    string         `json:"contact"`
	District   string         `json:"district"`
	Channel    string         `json:"channel"`
	Language   string         `json:"language"`
	Status     string         `json:"status"`
	Reports    int            `json:"reports"`
	Response   string         `json:"response"`
	ResponseAt *time.Time     `json:"response_at"`
	Answers    []exportAnswer `json:"answers"`
}

func exportObject(qs []models.ProjectQuestion, r *models.ExportRow, def string) exportFeedback {
	f := &r.Feedback
	out := exportFeedback{ID: f.ID, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), Stance: f.Stance, Comment: f.Comment,
		Name: f.Name, Contact: f.Contact, District: f.District, Channel: f.Channel, Language: f.Lang, Status: f.Status,
		Reports: f.Reports, Response: f.Response, ResponseAt: f.ResponseAt, Answers: []exportAnswer{}}
	answers := f.AnswerMap()
	for _, q := range qs {
		if a := answers[strconv.FormatInt(q.ID, 10)]; len(a) > 0 {
			out.Answers = append(out.Answers, exportAnswer{Question: q.Label(def, def), Answer: a})
		}
	}
	return out
}
