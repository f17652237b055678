package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// This file holds what decides who sees personal data: contact details
// shown masked to staff without PermContacts, and signing secrets
// withheld from staff without PermSecrets.

// MaskContact shortens an address so staff without PermContacts can tell
// followers apart without learning how to reach them: the first letter
// and the domain of an e-mail address ("a…@example.org"), the first and
// last two characters of anything else ("+1…00"), or "…" alone for a
// short one.
func MaskContact(s string) string {
	if s == "" {
		return ""
	}
	if at := strings.LastIndex(s, "@"); at > 0 {
		r := []rune(s[:at])
		return string(r[0]) + "…" + s[at:]
	}
	r := []rune(s)
	if len(r) <= 6 {
		return "…"
	}
	return string(r[:2]) + "…" + string(r[len(r)-2:])
}

// ContactFor is s as m may see it: whole for members with PermContacts,
// masked for everyone else.
func ContactFor(m *Member, s string) string {
	if m.Can(PermContacts) {
		return s
	}
	return MaskContact(s)
}

// MaskFollowers masks the addresses of fs for a member without
// PermContacts.
func MaskFollowers(m *Member, fs []Follower) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Address = MaskContact(fs[i].Address)
	}
}

// MaskFeedbackContacts masks the contacts citizens left with fs for a
// member without PermContacts (the normalized key goes too: it is the
// same contact).
func MaskFeedbackContacts(m *Member, fs []Feedback) {
	if m.Can(PermContacts) {
		return
	}
	for i := range fs {
		fs[i].Contact, fs[i].ContactKey = MaskContact(fs[i].Contact), nil
	}
}

// A follower's traces beyond the followers table: what they wrote in
// chats with the account, and the answers they gave to its projects.
// Both their data export and their erasure go through the selections
// below, so what is exported is exactly what is erased.

// chatOf selects the rows of table (chat_messages, chat_conversations)
// of follower f: by their address on their channel of the account (how
// the bridge keys them, also before or after a follow) or linked to them.
func (s *Store) chatOf(ctx context.Context, table string, f *Follower) *gorm.DB {
	return s.conn(ctx).Table(table).Where("account_id = ? AND ((channel = ? AND address = ?) OR follower_id = ?)",
		f.AccountID, f.Channel, f.Address, f.ID)
}

// answerKeys are the contact keys under which f's answers may be stored:
// their chat address on their channel, and their address read as an
// e-mail address or phone number (someone who typed it into the web
// form).
func answerKeys(f *Follower) []string {
	keys := []string{"chat:" + f.Channel + ":" + f.Address}
	if k, ok := ContactKey(f.Address); ok && k != "" {
		keys = append(keys, k)
	}
	return keys
}

// answersOf selects f's answers to the projects of their account: linked
// to them, or left with their address as the contact.
func (s *Store) answersOf(ctx context.Context, f *Follower) *gorm.DB {
	return s.conn(ctx).Model(&Feedback{}).
		Where("project_id IN (SELECT id FROM projects WHERE account_id = ?)", f.AccountID).
		Where("(follower_id = ? OR contact_key IN ?)", f.ID, answerKeys(f))
}

// ChatMessageData is one message of a follower's chats, in their data
// export.
type ChatMessageData struct {
	// Direction is "in" (they wrote) or "out" (the account answered).
	Direction string    `json:"direction"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	At        time.Time `json:"at"`
}

// AnswerData is one answer a follower gave to a project, in their data
// export.
type AnswerData struct {
	ProjectID int64  `json:"project_id"`
	Project   string `json:"project"`
	Stance    string `json:"stance"`
	Comment   string `json:"comment"`
	Name      string `json:"name"`
	Contact   string `json:"contact"`
	District  string `json:"district"`
	// Answers maps each extra question (in English) to the answer.
	Answers     map[string][]string `json:"answers"`
	Status      string              `json:"status"`
	Response    string              `json:"official_response,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	Revisions   int                 `json:"revisions"`
	FromChannel string              `json:"channel"`
}

// FollowerChats reads f's chat messages with the account, oldest first,
// for the follower's data export (models/follower's Traces).
func (s *Store) FollowerChats(ctx context.Context, f *Follower) ([]ChatMessageData, error) {
	var rows []ChatMessage
	if err := s.chatOf(ctx, "chat_messages", f).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("chat messages of follower %d: %w", f.ID, err)
	}
	out := make([]ChatMessageData, len(rows))
	for i, r := range rows {
		out[i] = ChatMessageData{Direction: r.Direction, Kind: r.Kind, Body: r.Body, At: r.CreatedAt.UTC()}
	}
	return out, nil
}

// FollowerAnswers reads f's answers to the account's projects, with each
// extra question's label, for the follower's data export (models/follower's
// Traces).
func (s *Store) FollowerAnswers(ctx context.Context, f *Follower) ([]AnswerData, error) {
	var rows []Feedback
	if err := s.answersOf(ctx, f).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("answers of follower %d: %w", f.ID, err)
	}
	out := make([]AnswerData, 0, len(rows))
	for _, r := range rows {
		var p Project
		if err := s.conn(ctx).Select("id, title_en").First(&p, r.ProjectID).Error; err != nil {
			return nil, notFound(err, "project")
		}
		qs, err := s.ProjectQuestions(ctx, r.ProjectID)
		if err != nil {
			return nil, err
		}
		given := r.AnswerMap()
		answers := map[string][]string{}
		for _, q := range qs {
			if v := given[strconv.FormatInt(q.ID, 10)]; len(v) > 0 {
				answers[q.Label("en")] = v
			}
		}
		out = append(out, AnswerData{ProjectID: r.ProjectID, Project: p.TitleEn, Stance: r.Stance, Comment: r.Comment,
			Name: r.Name, Contact: r.Contact, District: r.District, Answers: answers, Status: r.Status, Response: r.Response,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Revisions: r.Revisions, FromChannel: r.Channel})
	}
	return out, nil
}

// EraseTraces is eraseTraces inside tx, the transaction of
// models/follower's EraseFollower that deletes the follower, so their
// traces go with them (models/follower's Traces).
func (s *Store) EraseTraces(ctx context.Context, tx Core, f *Follower) (messages, answers int64, err error) {
	c := *s
	c.Core = tx
	return c.eraseTraces(ctx, f)
}

// eraseTraces deletes f's chats with the account (messages, the inbox
// conversation, a conversation in progress) and anonymizes their answers:
// name, contact and the link to them go, the answer itself stays and
// still counts in the results. It returns how many messages and answers
// it touched.
func (s *Store) eraseTraces(ctx context.Context, f *Follower) (messages, answers int64, err error) {
	res := s.chatOf(ctx, "chat_messages", f).Delete(&ChatMessage{})
	if res.Error != nil {
		return 0, 0, fmt.Errorf("erase chat messages: %w", res.Error)
	}
	messages = res.RowsAffected
	if err := s.chatOf(ctx, "chat_conversations", f).Delete(&Conversation{}).Error; err != nil {
		return 0, 0, fmt.Errorf("erase conversations: %w", err)
	}
	if err := s.EndChatSession(ctx, f.AccountID, f.Channel, f.Address); err != nil {
		return 0, 0, err
	}
	res = s.answersOf(ctx, f).Updates(map[string]any{"name": "", "contact": "", "contact_key": nil, "follower_id": nil})
	if res.Error != nil {
		return 0, 0, fmt.Errorf("anonymize answers: %w", res.Error)
	}
	return messages, res.RowsAffected, nil
}
