// Package router decides what each inbound chat message is: a follow or
// an unfollow, a command (follow, stop, help, feedback, in any of the
// interface's languages), a step of a guided conversation (giving feedback on a
// consultation), or a message for the staff inbox. It answers in the
// person's language.
package router

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/models/testchat"
)

// Router handles inbound chat messages for every channel.
type Router struct {
	store *models.Store
	chats Chats
	// followers starts a follow on "follow" and ends it on "stop", in the
	// turn's transaction.
	followers *follower.Service
	// projects answers the consultations a conversation takes part in.
	projects *project.Service
	nonces   Nonces
	// codes credits a follow through a code's scene to the code.
	codes Codes
	// tests links a staff member's chat for "send me a test" when the
	// message is the code the studio showed them.
	tests   TestChats
	baseURL string
}

// Chats is what the router needs of the chat domain (models/chat): the
// person's state, the messages and conversation it records, the
// conversation in progress, and the keyword replies. The methods taking
// tx write through the turn's transaction, which the store opened, so a
// message that fails half-way leaves nothing behind.
type Chats interface {
	LoadChatState(ctx context.Context, tx models.Core, accountID int64, channel, address string) (*models.ChatState, error)
	RecordTurnTouching(ctx context.Context, tx models.Core, in *models.ChatMessage, replies []models.ChatMessage, toInbox bool) (dup bool, err error)
	SaveChatSession(ctx context.Context, tx models.Core, cs *models.ChatSession, ttl time.Duration) error
	EndChatSession(ctx context.Context, tx models.Core, accountID int64, channel, address string) error
	SaveChatPlace(ctx context.Context, tx models.Core, p *models.ChatPlace) error
	SettleChatPlace(ctx context.Context, tx models.Core, accountID int64, channel, address string) error
	KeywordReply(ctx context.Context, accountID int64, text string) (*models.ChatKeyword, error)
}

// Nonces takes signed requests' one-time keys (models/channel), in the
// transaction that handles their message.
type Nonces interface {
	ClaimWeChatNonceIn(ctx context.Context, tx models.Core, accountID, ts int64, nonce string, expires time.Time) (bool, error)
}

// Codes is what the router needs of the follow codes (models/followcode):
// a follow through a scene (a WeChat scene code, a Telegram link with
// start=<scene>) is a scan of the account's code for that scene, counted
// like a visit of its link, and is credited to it. ChatScan writes
// through tx and returns the code's id, or nil when the account has no
// live code for the scene.
type Codes interface {
	ChatScan(ctx context.Context, tx models.Core, accountID int64, scene, channel, address string) (*int64, error)
}

// TestChats is what the router needs of the staff's test chats
// (models/testchat): Redeem takes a code through tx and links the chat,
// or answers testchat.ErrWrongCode or testchat.ErrTooManyTries.
type TestChats interface {
	Redeem(ctx context.Context, tx models.Core, a *models.Account, code, channel, address string) (*testchat.Link, error)
}

// WithTestChats returns the router taking test-chat codes with c.
func (r *Router) WithTestChats(c TestChats) *Router {
	cp := *r
	cp.tests = c
	return &cp
}

// WithCodes returns the router crediting follows through a scene to the
// account's follow code with c.
func (r *Router) WithCodes(c Codes) *Router {
	cp := *r
	cp.codes = c
	return &cp
}

// WithNonces returns the router taking one-time keys with n.
func (r *Router) WithNonces(n Nonces) *Router {
	c := *r
	c.nonces = n
	return &c
}

// New builds a router; baseURL makes the links it sends.
func New(store *models.Store, chats Chats, followers *follower.Service, projects *project.Service, baseURL string) *Router {
	return &Router{store: store, chats: chats, followers: followers, projects: projects, baseURL: strings.TrimRight(baseURL, "/")}
}

// sessionTTL is how long a guided conversation waits for the next
// message before it is forgotten.
const sessionTTL = 30 * time.Minute

// What took a message, recorded with it.
const (
	byCommand  = "command"
	byFeedback = "feedback"
	byInbox    = "inbox"
	byEvent    = "event"
	byKeyword  = "keyword"
	byPlace    = "place"
	byTestChat = "test-chat"
)

// turn is one inbound message being handled.
type turn struct {
	r *Router
	// store and projects are bound to the turn's transaction, and so is
	// the store's Core, the tx the chat domain writes through.
	store    *models.Store
	projects *project.Service
	account  *models.Account
	in       bridge.Inbound
	follower *models.Follower
	// session is the guided conversation in progress, if any.
	session *models.ChatSession
	// place is the place the person was last asked about, if any.
	place *models.ChatPlace
	// inboxOpen: staff already have an open conversation with the person.
	inboxOpen bool
	lang      i18n.Lang
	by        string
}

func (t *turn) say(key string, args ...any) bridge.Reply {
	return bridge.Reply{Text: i18n.T(t.lang, key, args...)}
}

func (t *turn) accountName() string {
	return t.account.LocalName(string(t.lang))
}

// Handle processes one inbound message for account a and returns the
// replies. A retry of a message already handled gets no reply and changes
// nothing. Everything a message does happens in one transaction: a
// message whose handling failed half-way (the platform hung up, the
// database went away) leaves nothing behind, so the platform's retry of
// it is handled in full rather than taken for a duplicate.
func (r *Router) Handle(ctx context.Context, a *models.Account, in bridge.Inbound) ([]bridge.Reply, error) {
	var replies []bridge.Reply
	err := r.store.Tx(ctx, func(tx *models.Store) error {
		if in.Once != nil {
			if r.nonces == nil {
				return errors.New("a signed request's one-time key, and no nonce store")
			}
			fresh, err := r.nonces.ClaimWeChatNonceIn(ctx, tx.Core, a.ID, in.Once.TS, in.Once.Nonce, in.Once.Expires)
			if err != nil {
				return err
			}
			if !fresh {
				return bridge.ErrReplayed
			}
		}
		var err error
		replies, err = r.handle(ctx, tx, a, in)
		return err
	})
	if errors.Is(err, errRetry) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return replies, nil
}

// errRetry rolls back the handling of a message that turned out to be a
// platform's retry of one already stored.
var errRetry = errors.New("message handled before")

func (r *Router) handle(ctx context.Context, tx *models.Store, a *models.Account, in bridge.Inbound) ([]bridge.Reply, error) {
	st, err := r.chats.LoadChatState(ctx, tx.Core, a.ID, in.Channel, in.From)
	if err != nil {
		return nil, err
	}
	t := &turn{r: r, store: tx, projects: r.projects.InTx(tx.Core), account: a, in: in, follower: st.Follower, session: st.Session, place: st.Place, inboxOpen: st.InboxOpen,
		lang: languageOf(st.Follower, in, a)}
	replies, err := t.route(ctx)
	if err != nil {
		return nil, err
	}
	if in.Channel == models.ChannelSMS && !t.activeFollower() && (st.Follower != nil && st.Follower.Status == models.StatusUnsubscribed ||
		t.follower != nil && t.follower.Status == models.StatusBlocked) {
		// A number that sent STOP gets nothing more until it follows
		// again (nor one staff blocked).
		replies = nil
	}
	var fid *int64
	if t.follower != nil {
		fid = &t.follower.ID
	}
	// The message is stored last, once it is known what took it; a retry
	// of it meanwhile finds it here and undoes its own work.
	msg := &models.ChatMessage{AccountID: a.ID, Channel: in.Channel, Address: in.From, Kind: in.Kind, Body: in.Text,
		HandledBy: t.by, FollowerID: fid}
	if in.MsgID != "" {
		msg.MsgID = &in.MsgID
	}
	outs := make([]models.ChatMessage, len(replies))
	for i, rep := range replies {
		outs[i] = models.ChatMessage{AccountID: a.ID, Channel: in.Channel, Address: in.From, FollowerID: fid, Kind: bridge.KindText,
			Body: rep.Text, HandledBy: t.by}
	}
	dup, err := r.chats.RecordTurnTouching(ctx, tx.Core, msg, outs, t.by == byInbox)
	if err != nil {
		return nil, err
	}
	if dup {
		return nil, errRetry
	}
	return replies, nil
}

// languageOf picks the language to answer in: the follower's stored one;
// for someone new, the one the platform gave (zh_TW is Traditional
// Chinese, es_MX Spanish), else the language of the command word they
// sent (SEGUIR is Spanish, 關注 Traditional Chinese), else Simplified
// Chinese for a message written in Chinese characters (Traditional when
// the account publishes only in that script), else the account's
// default.
func languageOf(f *models.Follower, in bridge.Inbound, a *models.Account) i18n.Lang {
	if f != nil && f.Language != "" {
		return i18n.UILang(f.Language)
	}
	if l, ok := i18n.Parse(strings.ReplaceAll(in.Lang, "_", "-")); ok {
		return l
	}
	if _, l := commandOf(normalize(in.Text)); l != "" {
		return l
	}
	langs := models.AccountLangs(a)
	for _, r := range in.Text {
		if unicode.Is(unicode.Han, r) {
			if slices.Contains(langs, string(i18n.ZHHant)) && !slices.Contains(langs, string(i18n.ZHHans)) {
				return i18n.ZHHant
			}
			return i18n.ZHHans
		}
	}
	return i18n.UILang(langs[0])
}

// command is what a text means as a command, if anything.
type command int

const (
	cmdNone command = iota
	cmdFollow
	cmdStop
	cmdHelp
	cmdFeedback
	cmdCancel
	cmdForgetPlace
)

// commandWords are the words of each command in each interface
// language, as the help texts of i18n/locales name them (FOLLOW, STOP,
// HELP, FEEDBACK, CANCEL, STOP PLACE) and the ones people also use. A word both
// Chinese scripts write alike (取消) counts as Simplified; the signs
// (?) belong to no language.
var commandWords = []struct {
	lang  i18n.Lang
	cmd   command
	words []string
}{
	{i18n.EN, cmdFollow, []string{"follow", "subscribe", "start"}},
	{i18n.EN, cmdStop, []string{"stop", "unsubscribe"}},
	{i18n.EN, cmdHelp, []string{"help"}},
	{i18n.EN, cmdFeedback, []string{"feedback"}},
	{i18n.EN, cmdCancel, []string{"cancel"}},
	{i18n.EN, cmdForgetPlace, []string{"stop place", "forget place", "clear place"}},
	{i18n.ZHHans, cmdFollow, []string{"关注", "订阅"}},
	// TD is how Chinese SMS unsubscribes (退订).
	{i18n.ZHHans, cmdStop, []string{"退订", "取消关注", "td"}},
	{i18n.ZHHans, cmdHelp, []string{"帮助"}},
	{i18n.ZHHans, cmdFeedback, []string{"反馈", "意见"}},
	{i18n.ZHHans, cmdCancel, []string{"取消"}},
	{i18n.ZHHans, cmdForgetPlace, []string{"取消位置", "删除位置", "清除位置"}},
	{i18n.ZHHant, cmdFollow, []string{"關注", "訂閱"}},
	{i18n.ZHHant, cmdStop, []string{"退訂", "取消關注"}},
	{i18n.ZHHant, cmdHelp, []string{"幫助"}},
	{i18n.ZHHant, cmdFeedback, []string{"意見", "反饋"}},
	{i18n.ZHHant, cmdForgetPlace, []string{"刪除位置"}},
	{i18n.ES, cmdFollow, []string{"seguir", "suscribir"}},
	{i18n.ES, cmdStop, []string{"baja", "parar"}},
	{i18n.ES, cmdHelp, []string{"ayuda"}},
	{i18n.ES, cmdFeedback, []string{"opinión"}},
	{i18n.ES, cmdCancel, []string{"cancelar"}},
	{i18n.ES, cmdForgetPlace, []string{"borrar lugar", "olvidar lugar"}},
	{i18n.AR, cmdFollow, []string{"متابعة", "اشتراك"}},
	{i18n.AR, cmdStop, []string{"إيقاف", "توقف"}},
	{i18n.AR, cmdHelp, []string{"مساعدة"}},
	{i18n.AR, cmdFeedback, []string{"رأي"}},
	{i18n.AR, cmdCancel, []string{"إلغاء"}},
	{i18n.AR, cmdForgetPlace, []string{"حذف المكان", "إيقاف المكان"}},
	{"", cmdHelp, []string{"?", "？", "؟"}},
}

type commandWord struct {
	cmd  command
	lang i18n.Lang
}

// commands maps each normalized command word to its command.
var commands = func() map[string]commandWord {
	m := map[string]commandWord{}
	for _, c := range commandWords {
		for _, w := range c.words {
			m[normalize(w)] = commandWord{c.cmd, c.lang}
		}
	}
	return m
}()

// smsStopWords end a follow by text message, as carriers require them to
// (STOPALL, CANCEL, END, QUIT) and as the US FCC's rule on revoking
// consent by any reasonable means names them (REVOKE, OPT OUT, 47 CFR
// 64.1200(a)(10)), besides every language's STOP; on SMS CANCEL is
// STOP, not the end of a conversation.
var smsStopWords = []string{"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "opt out", "opt-out", "optout", "退订", "取消订阅", "取消"}

// smsStartWords follow again by text message besides every language's
// FOLLOW: UNSTOP is what carriers' own opt-out confirmations tell people
// to send.
var smsStartWords = []string{"unstop"}

// Reserved reports whether word, as a person would text it, already means
// something to the router in any interface language: a command, a
// carrier's stop word, or an answer of a guided conversation (YES,
// SKIP). An account's own follow word must be none of them.
func Reserved(word string) bool {
	w := normalize(word)
	if c, _ := commandOf(w); c != cmdNone {
		return true
	}
	return oneOf(w, smsStopWords...) || oneOf(w, smsStartWords...) || oneOf(w, skipWords...) || oneOf(w, yesWords...)
}

// commandOf reads a normalized message as a command, in any interface
// language, and gives the language of the word ("" for a sign).
func commandOf(word string) (command, i18n.Lang) {
	c, ok := commands[word]
	if !ok {
		return cmdNone, ""
	}
	return c.cmd, c.lang
}

// oneOf reports whether a normalized message is one of words, which are
// written as people would (normalized here).
func oneOf(word string, words ...string) bool {
	for _, w := range words {
		if normalize(w) == word {
			return true
		}
	}
	return false
}

// skipWords leave out an optional answer (SKIP in the help texts).
var skipWords = []string{"skip", "-", "跳过", "跳過", "omitir", "تخطي"}

// yesWords confirm the feedback (YES in the help texts).
var yesWords = []string{"yes", "y", "ok", "send", "是", "确认", "確認", "好", "发送", "發送", "sí", "enviar", "نعم"}

// folding makes the marks people often leave out optional: Spanish
// accents (OPINION, SI) and the forms of Arabic alef, the tatweel and
// the short vowels.
var folding = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u",
	"أ", "ا", "إ", "ا", "آ", "ا", "ـ", "",
	"\u064b", "", "\u064c", "", "\u064d", "", "\u064e", "", "\u064f", "", "\u0650", "", "\u0651", "", "\u0652", "",
)

// normalize lowers a message, folds the marks people may leave out and
// drops the punctuation, quote marks and spaces people put around a
// command ("Stop.", " 退订！", «BAJA», 「關注」), and the extra spaces
// between its words.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimLeft(s, "/")
	if s == "?" || s == "？" || s == "؟" {
		return s
	}
	s = folding.Replace(s)
	s = strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	// "STOP  PLACE": one space between words.
	return strings.Join(strings.Fields(s), " ")
}

func (t *turn) route(ctx context.Context) ([]bridge.Reply, error) {
	if code, ok := t.testCode(); ok {
		return t.linkTestChat(ctx, code)
	}
	switch t.in.Kind {
	case bridge.KindFollow:
		t.by = byEvent
		return t.follow(ctx)
	case bridge.KindUnfollow:
		t.by = byEvent
		return nil, t.stop(ctx)
	}
	if t.in.Location != nil && t.activeFollower() {
		return t.offerPlace(ctx, t.in.Location)
	}
	if t.in.Kind == bridge.KindEvent {
		// Nothing the person did: a pending question stays.
		t.by = byEvent
		return nil, nil
	}
	word := normalize(t.in.Text)
	cmd, _ := commandOf(word)
	sms := t.in.Channel == models.ChannelSMS
	if sms && oneOf(word, smsStopWords...) {
		cmd = cmdStop
	}
	if sms && oneOf(word, smsStartWords...) {
		cmd = cmdFollow
	}
	if cmd == cmdNone && t.in.FollowWord != "" && word == normalize(t.in.FollowWord) {
		// The account's own follow word (an SMS keyword) is START.
		cmd = cmdFollow
	}
	// The answer to a question about a place; STOP comes first.
	if p := t.pendingPlace(); p != nil && cmd != cmdStop {
		replies, handled, err := t.answerPlace(ctx, p)
		if err != nil || handled {
			return replies, err
		}
	}
	if t.in.Kind == bridge.KindMedia {
		return t.toInbox()
	}
	switch cmd {
	case cmdFollow:
		t.by = byCommand
		return t.follow(ctx)
	case cmdStop:
		t.by = byCommand
		// By text message STOP is confirmed once: carriers forbid
		// a second message to a number that opted out. A number that
		// never followed is confirmed too, the first time, as its STOP
		// is recorded now.
		following := t.follower == nil || t.follower.Status != models.StatusUnsubscribed && t.follower.Status != models.StatusBlocked
		if err := t.stop(ctx); err != nil {
			return nil, err
		}
		if sms {
			if !following {
				return nil, nil
			}
			return []bridge.Reply{t.say("chat.sms_stopped", t.accountName())}, nil
		}
		return []bridge.Reply{t.say("chat.stopped", t.accountName())}, nil
	case cmdHelp:
		t.by = byCommand
		return []bridge.Reply{t.say("chat.help", t.accountName())}, nil
	case cmdFeedback:
		t.by = byFeedback
		return t.startFeedback(ctx)
	case cmdForgetPlace:
		return t.forgetPlace(ctx)
	case cmdCancel:
		if t.session != nil {
			t.by = byFeedback
			return []bridge.Reply{t.say("chat.cancelled")}, t.end(ctx)
		}
	}
	if t.session != nil && t.session.Flow == flowFeedback {
		t.by = byFeedback
		return t.continueFeedback(ctx, t.session)
	}
	k, err := t.r.chats.KeywordReply(ctx, t.account.ID, t.in.Text)
	if err != nil {
		return nil, err
	}
	if k != nil {
		if text, _ := k.ReplyFor(t.contentLang(), models.AccountDefaultLang(t.account)); text != "" {
			t.by = byKeyword
			return []bridge.Reply{{Text: text}}, nil
		}
	}
	return t.toInbox()
}

// testCode is the test-chat code the message is, if it is one: typed
// as a message, or the payload of a Telegram link's /start (a follow
// event with that scene). It comes before everything else, so that the
// staff member who opens the link or sends the code is not made a
// follower, nor gets a keyword's answer.
func (t *turn) testCode() (string, bool) {
	if t.r.tests == nil {
		return "", false
	}
	switch t.in.Kind {
	case bridge.KindText:
		return testchat.ParseCode(t.in.Text)
	case bridge.KindFollow:
		if t.in.Scene != "" {
			return testchat.ParseCode(t.in.Scene)
		}
	}
	return "", false
}

// linkTestChat links the chat for a staff member's tests.
func (t *turn) linkTestChat(ctx context.Context, code string) ([]bridge.Reply, error) {
	t.by = byTestChat
	_, err := t.r.tests.Redeem(ctx, t.store.Core, t.account, code, t.in.Channel, t.in.From)
	switch {
	case errors.Is(err, testchat.ErrWrongCode):
		return []bridge.Reply{t.say("chat.test_code_wrong")}, nil
	case errors.Is(err, testchat.ErrTooManyTries):
		return []bridge.Reply{t.say("chat.test_code_tries")}, nil
	case err != nil:
		return nil, fmt.Errorf("test chat code: %w", err)
	}
	return []bridge.Reply{t.say("chat.test_linked", t.accountName())}, nil
}

// toInbox leaves the message for the staff. The person is told once per
// conversation, not after every line they write to someone already
// reading.
func (t *turn) toInbox() ([]bridge.Reply, error) {
	t.by = byInbox
	if t.inboxOpen {
		return nil, nil
	}
	return []bridge.Reply{t.say("chat.to_inbox", t.accountName())}, nil
}

// contentLang is the person's language for the account's own texts: the
// follower's stored tag (which may be one Plaza's interface does not
// speak), else the one answered in.
func (t *turn) contentLang() string {
	if t.follower != nil && t.follower.Language != "" {
		if tag, ok := i18n.CanonicalTag(t.follower.Language); ok {
			return tag
		}
		return t.follower.Language
	}
	return string(t.lang)
}

// followLang is the language a follow from chat stores: the person's
// when the account publishes in it, else the account's default, never
// the other Chinese script silently.
func followLang(want string, a *models.Account) string {
	langs := models.AccountLangs(a)
	if slices.Contains(langs, want) {
		return want
	}
	return langs[0]
}

func (t *turn) follow(ctx context.Context) ([]bridge.Reply, error) {
	lang := followLang(t.contentLang(), t.account)
	var codeID *int64
	if t.in.Scene != "" && t.r.codes != nil {
		id, err := t.r.codes.ChatScan(ctx, t.store.Core, t.account.ID, t.in.Scene, t.in.Channel, t.in.From)
		if err != nil {
			return nil, fmt.Errorf("scan of scene %q: %w", t.in.Scene, err)
		}
		codeID = id
	}
	f, changed, err := t.r.followers.InTx(t.store.Core).FollowFromChat(ctx, t.account.ID, t.in.Channel, t.in.From, lang, t.in.Scene, codeID)
	if errors.Is(err, follower.ErrBlocked) {
		// Nothing to say to someone staff blocked.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("follow from chat: %w", err)
	}
	t.follower = f
	if f.Language != "" {
		// The follower is answered in the language they now get notices in.
		t.lang = i18n.UILang(f.Language)
	}
	if !changed {
		return []bridge.Reply{t.say("chat.already_following", t.accountName())}, nil
	}
	welcome := t.account.Welcome(t.account.FollowerLang(string(t.lang)))
	if welcome != "" {
		return []bridge.Reply{{Text: welcome}}, nil
	}
	return []bridge.Reply{t.say("chat.welcome", t.accountName())}, nil
}

func (t *turn) stop(ctx context.Context) error {
	if err := t.end(ctx); err != nil {
		return err
	}
	if err := t.settlePlace(ctx); err != nil {
		return err
	}
	if t.follower == nil {
		if t.in.Channel != models.ChannelSMS || t.in.Kind != bridge.KindText {
			return nil
		}
		// A number that never followed texted STOP: it is recorded as
		// stopped, so that nothing reaches it (an import, the API) until
		// it texts START.
		f, err := t.r.followers.InTx(t.store.Core).StopFromChat(ctx, t.account.ID, t.in.Channel, t.in.From, followLang(t.contentLang(), t.account))
		if err != nil {
			return err
		}
		t.follower = f
		return nil
	}
	f, err := t.r.followers.InTx(t.store.Core).Unsubscribe(ctx, t.follower.ID)
	if err != nil {
		return fmt.Errorf("unsubscribe from chat: %w", err)
	}
	t.follower = f
	return nil
}
