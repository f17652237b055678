package broadcast

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/markdown"
	"github.com/plazahq/plaza/models"
)

// renderer turns a broadcast's notice snapshot into Content per language,
// once per broadcast and language rather than once per follower.
type renderer struct {
	db      *gorm.DB
	baseURL string
	loc     *time.Location

	mu    sync.Mutex
	cache map[renderKey]*Content
}

type renderKey struct {
	broadcast int64
	lang      string
}

// content returns the broadcast's content for a reader of lang. The cache
// keeps the few broadcasts being sent; it is cleared when it grows, which
// costs one re-render per broadcast.
func (r *renderer) content(ctx context.Context, broadcastID int64, lang string) (*Content, error) {
	k := renderKey{broadcastID, lang}
	r.mu.Lock()
	c, ok := r.cache[k]
	r.mu.Unlock()
	if ok {
		return c, nil
	}
	var b models.Broadcast
	if err := r.db.WithContext(ctx).First(&b, broadcastID).Error; err != nil {
		return nil, fmt.Errorf("broadcast %d: %w", broadcastID, err)
	}
	var a models.Account
	if err := r.db.WithContext(ctx).First(&a, b.AccountID).Error; err != nil {
		return nil, fmt.Errorf("account %d: %w", b.AccountID, err)
	}
	c, err := r.render(&b, &a, lang)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.cache == nil || len(r.cache) > 64 {
		r.cache = map[renderKey]*Content{}
	}
	r.cache[k] = c
	r.mu.Unlock()
	return c, nil
}

func (r *renderer) render(b *models.Broadcast, a *models.Account, lang string) (*Content, error) {
	snap, err := ParseSnapshot(b.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("broadcast %d: %w", b.ID, err)
	}
	return renderNotice(snap.Notice(), a, b.ID, b.Kind, b.Emergency(), lang, r.baseURL, r.loc), nil
}

// Preview is the content a first publication of n would carry to a
// reader of lang, rendered as the engine renders a broadcast's: what the
// publish confirmation shows before anything is sent.
func Preview(n *models.Notice, a *models.Account, lang, baseURL string, loc *time.Location) *Content {
	return renderNotice(n, a, 0, KindPublish, n.Emergency(), lang, baseURL, loc)
}

func renderNotice(n *models.Notice, a *models.Account, broadcastID int64, kind string, emergency bool, lang, baseURL string, loc *time.Location) *Content {
	used := n.Language(lang)
	l := i18n.UILang(used)
	title, body := n.Title(lang), n.Body(lang)
	subject := title
	var lead string
	switch kind {
	case KindUpdate:
		subject, lead = i18n.T(l, "bc.subject_update", title), i18n.T(l, "bc.text_update")
	case KindCancel:
		subject, lead = i18n.T(l, "bc.subject_cancel", title), i18n.T(l, "bc.text_cancel")
	case KindAllClear:
		subject, lead = i18n.T(l, "bc.subject_all_clear", title), i18n.T(l, "bc.text_all_clear")
	}
	var facts []string
	if n.Kind == models.NoticeSafety && n.Severity != "" {
		facts = append(facts, i18n.T(l, "bc.severity", n.Severity))
	}
	if n.AreaDesc != "" {
		facts = append(facts, i18n.T(l, "bc.area", n.AreaDesc))
	}
	if n.Routes != "" {
		facts = append(facts, i18n.T(l, "bc.routes", strings.ReplaceAll(n.Routes, ",", ", ")))
	}
	if n.Stops != "" {
		facts = append(facts, i18n.T(l, "bc.stops", strings.ReplaceAll(n.Stops, ",", ", ")))
	}
	if n.EffectiveAt != nil {
		facts = append(facts, i18n.T(l, "bc.effective", when(*n.EffectiveAt, loc)))
	}
	if n.ExpiresAt != nil {
		facts = append(facts, i18n.T(l, "bc.expires", when(*n.ExpiresAt, loc)))
	}
	var text, html strings.Builder
	if lead != "" {
		text.WriteString(lead + "\n\n")
		html.WriteString("<p><strong>" + escape(lead) + "</strong></p>\n")
	}
	text.WriteString(markdown.Text(body))
	html.WriteString(markdown.HTML(body))
	todo := whatToDo(n, kind, lang, l)
	if todo != "" {
		text.WriteString("\n\n" + todo)
		html.WriteString("<p><strong>" + escape(todo) + "</strong></p>\n")
	}
	if len(facts) > 0 {
		text.WriteString("\n\n" + strings.Join(facts, "\n"))
		html.WriteString("<ul>")
		for _, f := range facts {
			html.WriteString("<li>" + escape(f) + "</li>")
		}
		html.WriteString("</ul>\n")
	}
	return &Content{
		BroadcastID: broadcastID, NoticeID: n.ID, Kind: kind, NoticeKind: n.Kind, Language: used,
		AccountID: a.ID, AccountHandle: a.Handle, AccountName: a.LocalName(used),
		Subject: subject, Title: title, Text: strings.TrimSpace(text.String()), HTML: html.String(), WhatToDo: todo,
		URL:      fmt.Sprintf("%s/@%s/notices/%d", baseURL, a.Handle, n.ID),
		Severity: n.Severity, Emergency: emergency, Area: models.AreaOf(n.Area),
	}
}

// whatToDo is the line that tells a reader of a safety notice what to
// do: its response types in plain words, then its instructions, in the
// notice's language (l is its interface language). A cancellation or an
// all-clear says nothing of it: what was to be done no longer is.
func whatToDo(n *models.Notice, kind, lang string, l i18n.Lang) string {
	if kind == KindCancel || kind == KindAllClear {
		return ""
	}
	var parts []string
	for _, r := range n.ResponseTypeList() {
		parts = append(parts, i18n.T(l, "plain.response_"+strings.ToLower(r)))
	}
	if instr := n.Instruction(lang); instr != "" {
		parts = append(parts, instr)
	}
	if len(parts) == 0 {
		return ""
	}
	return i18n.T(l, "bc.instruction", i18n.Sentences(parts...))
}

func when(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
