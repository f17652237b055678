package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

// The feedback conversation: pick one of the open consultations from a
// numbered list, give a stance, a comment, answer the project's extra
// questions, confirm. It stores the same feedback as the web form, with
// the channel it came from.

const flowFeedback = "feedback"

// Steps of the feedback conversation.
const (
	stepPick     = "pick"
	stepStance   = "stance"
	stepComment  = "comment"
	stepQuestion = "question"
	stepConfirm  = "confirm"
)

// maxListed is how many consultations the numbered list offers.
const maxListed = 9

type feedbackState struct {
	Step     string              `json:"step"`
	Projects []int64             `json:"projects,omitempty"`
	Project  int64               `json:"project,omitempty"`
	Stance   string              `json:"stance,omitempty"`
	Comment  string              `json:"comment,omitempty"`
	Question int                 `json:"question,omitempty"`
	Answers  map[string][]string `json:"answers,omitempty"`
	// Lang is the language the conversation is in, for someone whose
	// language nothing else tells (not a follower, no hint from the
	// platform): their "2" is not a word of any language.
	Lang string `json:"lang,omitempty"`
}

func (t *turn) save(ctx context.Context, st *feedbackState) error {
	st.Lang = string(t.lang)
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode feedback state: %w", err)
	}
	return t.r.chats.SaveChatSession(ctx, t.store.Core, &models.ChatSession{AccountID: t.account.ID, Channel: t.in.Channel, Address: t.in.From,
		Flow: flowFeedback, State: string(b)}, sessionTTL)
}

func (t *turn) end(ctx context.Context) error {
	return t.r.chats.EndChatSession(ctx, t.store.Core, t.account.ID, t.in.Channel, t.in.From)
}

func (t *turn) startFeedback(ctx context.Context) ([]bridge.Reply, error) {
	open, err := t.projects.OpenConsultations(ctx, t.account.ID, maxListed)
	if err != nil {
		return nil, err
	}
	if len(open) == 0 {
		return []bridge.Reply{t.say("chat.fb_none", t.accountName())}, t.end(ctx)
	}
	if len(open) == 1 {
		return t.chooseProject(ctx, &feedbackState{}, &open[0])
	}
	st := &feedbackState{Step: stepPick}
	var b strings.Builder
	b.WriteString(i18n.T(t.lang, "chat.fb_pick"))
	for i, p := range open {
		st.Projects = append(st.Projects, p.ID)
		fmt.Fprintf(&b, "\n%d. %s", i+1, p.Title(string(t.lang)))
	}
	b.WriteString("\n" + i18n.T(t.lang, "chat.fb_cancel_hint"))
	return []bridge.Reply{{Text: b.String()}}, t.save(ctx, st)
}

func (t *turn) chooseProject(ctx context.Context, st *feedbackState, p *models.PublicProject) ([]bridge.Reply, error) {
	st.Step, st.Project, st.Projects = stepStance, p.ID, nil
	return []bridge.Reply{t.say("chat.fb_stance", p.Title(string(t.lang)))}, t.save(ctx, st)
}

func (t *turn) continueFeedback(ctx context.Context, session *models.ChatSession) ([]bridge.Reply, error) {
	var st feedbackState
	if err := json.Unmarshal([]byte(session.State), &st); err != nil {
		// A state this version cannot read: start again rather than fail.
		return t.startFeedback(ctx)
	}
	if st.Lang != "" && (t.follower == nil || t.follower.Language == "") && t.in.Lang == "" {
		t.lang = i18n.UILang(st.Lang)
	}
	text := strings.TrimSpace(t.in.Text)
	if st.Step == stepPick {
		n, ok := number(text, len(st.Projects))
		if !ok {
			return []bridge.Reply{t.say("chat.fb_pick_again", len(st.Projects))}, t.save(ctx, &st)
		}
		p, err := t.openProject(ctx, st.Projects[n-1])
		if err != nil || p == nil {
			return t.closedMeanwhile(ctx, err)
		}
		return t.chooseProject(ctx, &st, p)
	}
	p, err := t.openProject(ctx, st.Project)
	if err != nil || p == nil {
		return t.closedMeanwhile(ctx, err)
	}
	questions, err := t.projects.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	switch st.Step {
	case stepStance:
		s, ok := stance(text)
		if !ok {
			return []bridge.Reply{t.say("chat.fb_stance_again")}, t.save(ctx, &st)
		}
		st.Stance, st.Step = s, stepComment
		return []bridge.Reply{t.say("chat.fb_comment", models.MaxComment)}, t.save(ctx, &st)
	case stepComment:
		if oneOf(normalize(text), skipWords...) {
			text = ""
		}
		if len([]rune(text)) > models.MaxComment {
			return []bridge.Reply{t.say("chat.fb_comment_long", models.MaxComment)}, t.save(ctx, &st)
		}
		st.Comment, st.Step, st.Question = text, stepQuestion, 0
		return t.nextQuestion(ctx, &st, p, questions)
	case stepQuestion:
		if st.Question >= len(questions) {
			return t.nextQuestion(ctx, &st, p, questions)
		}
		q := questions[st.Question]
		answer, ok := t.answer(q, p.DefaultLang, text)
		if !ok {
			return []bridge.Reply{t.say("chat.fb_answer_again"), {Text: t.ask(q, p.DefaultLang)}}, t.save(ctx, &st)
		}
		if st.Answers == nil {
			st.Answers = map[string][]string{}
		}
		if len(answer) > 0 {
			st.Answers[strconv.FormatInt(q.ID, 10)] = answer
		}
		st.Question++
		return t.nextQuestion(ctx, &st, p, questions)
	case stepConfirm:
		if oneOf(normalize(text), yesWords...) {
			return t.submit(ctx, &st, p)
		}
		return []bridge.Reply{t.say("chat.fb_confirm_again")}, t.save(ctx, &st)
	}
	return t.startFeedback(ctx)
}

// openProject loads a project of the account that still takes answers,
// or nil.
func (t *turn) openProject(ctx context.Context, id int64) (*models.PublicProject, error) {
	p, err := t.projects.PublicProjectByID(ctx, t.account.Handle, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !p.Open(t.store.Now()) {
		return nil, nil
	}
	return p, nil
}

func (t *turn) closedMeanwhile(ctx context.Context, err error) ([]bridge.Reply, error) {
	if err != nil {
		return nil, err
	}
	return []bridge.Reply{t.say("chat.fb_closed")}, t.end(ctx)
}

// nextQuestion asks the next extra question, or for confirmation when
// there are none left.
func (t *turn) nextQuestion(ctx context.Context, st *feedbackState, p *models.PublicProject, qs []models.ProjectQuestion) ([]bridge.Reply, error) {
	if st.Question < len(qs) {
		st.Step = stepQuestion
		return []bridge.Reply{{Text: t.ask(qs[st.Question], p.DefaultLang)}}, t.save(ctx, st)
	}
	st.Step = stepConfirm
	lang := string(t.lang)
	comment := st.Comment
	if comment == "" {
		comment = i18n.T(t.lang, "chat.fb_no_comment")
	}
	return []bridge.Reply{t.say("chat.fb_confirm", i18n.T(t.lang, "feedback.stance_"+st.Stance), p.Title(lang), comment)}, t.save(ctx, st)
}

// ask words an extra question, with numbered choices, in the reader's
// language or else def, the project's default language.
func (t *turn) ask(q models.ProjectQuestion, def string) string {
	lang := string(t.lang)
	var b strings.Builder
	b.WriteString(q.Label(lang, def))
	for i, c := range q.Choices(lang, def) {
		fmt.Fprintf(&b, "\n%d. %s", i+1, c.Label)
	}
	switch {
	case q.Kind == models.QuestionMultiple:
		b.WriteString("\n" + i18n.T(t.lang, "chat.fb_several"))
	case q.Kind == models.QuestionSingle:
		b.WriteString("\n" + i18n.T(t.lang, "chat.fb_one"))
	}
	if !q.Required {
		b.WriteString("\n" + i18n.T(t.lang, "chat.fb_optional"))
	}
	return b.String()
}

// answer reads a reply to an extra question: free text, one number, or
// several numbers for a multiple-choice question; "skip" when optional.
func (t *turn) answer(q models.ProjectQuestion, def, text string) ([]string, bool) {
	if w := normalize(text); w == "" || oneOf(w, skipWords...) {
		return nil, !q.Required
	}
	if q.Kind == models.QuestionText {
		return []string{text}, len([]rune(text)) <= 500
	}
	choices := q.Choices(string(t.lang), def)
	var out []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' || r == '،' }) {
		n, ok := number(part, len(choices))
		if !ok {
			return nil, false
		}
		if v := choices[n-1].Value; !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 || (q.Kind == models.QuestionSingle && len(out) > 1) {
		return nil, false
	}
	return out, true
}

func (t *turn) submit(ctx context.Context, st *feedbackState, p *models.PublicProject) ([]bridge.Reply, error) {
	in := models.FeedbackInput{Stance: st.Stance, Comment: st.Comment, Consent: true, Lang: string(t.lang),
		Channel: t.in.Channel, ChatAddress: t.in.From, Answers: map[int64][]string{},
		// The sender is the client: the same limits as the web form's.
		Client: "chat:" + t.in.Channel + ":" + t.in.From}
	for k, v := range st.Answers {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			in.Answers[id] = v
		}
	}
	if t.follower != nil {
		in.FollowerID = &t.follower.ID
	}
	sub, err := t.projects.SubmitFeedback(ctx, p, in)
	if errors.Is(err, models.ErrConsultationClosed) {
		return t.closedMeanwhile(ctx, nil)
	}
	if errors.Is(err, models.ErrLimited) {
		return []bridge.Reply{t.say("chat.fb_too_many")}, t.end(ctx)
	}
	if _, bad := models.AsValidation(err); bad {
		// The project's questions changed during the conversation: begin
		// again with the current ones.
		return []bridge.Reply{t.say("chat.fb_changed")}, t.end(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := t.end(ctx); err != nil {
		return nil, err
	}
	link := fmt.Sprintf("%s/@%s/projects/%d", t.r.baseURL, p.Handle, p.ID)
	key := "chat.fb_thanks"
	if sub.Updated {
		key = "chat.fb_thanks_updated"
	}
	reply := i18n.T(t.lang, key)
	if p.FeedbackReview {
		reply += " " + i18n.T(t.lang, "chat.fb_thanks_review")
	}
	return []bridge.Reply{{Text: reply + "\n" + link}}, nil
}

// number reads "3" (or "3." or "３" or the Arabic "٣") as a choice from
// 1 to n.
func number(s string, n int) (int, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), ".。)")
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, s)
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 || v > n {
		return 0, false
	}
	return v, true
}

func stance(s string) (string, bool) {
	if n, ok := number(s, 3); ok {
		s = strconv.Itoa(n)
	}
	switch normalize(s) {
	case "1", "support", "yes", "支持", "赞成", "贊成", "a favor", "apoyo", "si", "تاييد", "نعم":
		return models.StanceSupport, true
	case "2", "oppose", "no", "against", "反对", "反對", "en contra", "معارضة", "لا":
		return models.StanceOppose, true
	case "3", "neutral", "中立", "无意见", "無意見", "محايد", "حياد":
		return models.StanceNeutral, true
	}
	return "", false
}
