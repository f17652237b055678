package chat

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/database"

	"github.com/plazahq/plaza/models"
)

// LoadChatState reads the person's state in one query, as every inbound
// message needs it; tx is the router's transaction. The follower comes
// from the followers' table in the same query, as the router needs both
// at once for every message.
func (s *Service) LoadChatState(ctx context.Context, tx models.Core, accountID int64, channel, address string) (*models.ChatState, error) {
	var row struct {
		models.Follower
		SFlow      *string
		SState     *string
		SExpiresAt *time.Time
		CStatus    *string
		PLat       *float64
		PLon       *float64
		PAskedAt   *time.Time
		PPending   *bool
	}
	err := tx.Conn(ctx).Raw(`SELECT f.*, cs.flow AS s_flow, cs.state AS s_state, cs.expires_at AS s_expires_at, cc.status AS c_status,
			cp.lat AS p_lat, cp.lon AS p_lon, cp.asked_at AS p_asked_at, cp.pending AS p_pending
		FROM (SELECT CAST(? AS BIGINT) AS account_id, CAST(? AS TEXT) AS channel, CAST(? AS TEXT) AS address) k
		LEFT JOIN followers f ON f.account_id = k.account_id AND f.channel = k.channel AND f.address = k.address
		LEFT JOIN chat_sessions cs ON cs.account_id = k.account_id AND cs.channel = k.channel AND cs.address = k.address AND cs.expires_at > ?
		LEFT JOIN chat_conversations cc ON cc.account_id = k.account_id AND cc.channel = k.channel AND cc.address = k.address
		LEFT JOIN chat_places cp ON cp.account_id = k.account_id AND cp.channel = k.channel AND cp.address = k.address`,
		accountID, channel, address, tx.Now()).Find(&row).Error // Find, not Scan: see models.Statement
	if err != nil {
		return nil, fmt.Errorf("chat state: %w", err)
	}
	st := &models.ChatState{InboxOpen: row.CStatus != nil && *row.CStatus == models.ConversationOpen}
	if row.Follower.ID != 0 {
		f := row.Follower
		st.Follower = &f
	}
	if row.SFlow != nil {
		st.Session = &models.ChatSession{AccountID: accountID, Channel: channel, Address: address, Flow: *row.SFlow}
		if row.SState != nil {
			st.Session.State = *row.SState
		}
		if row.SExpiresAt != nil {
			st.Session.ExpiresAt = *row.SExpiresAt
		}
	}
	if row.PLat != nil && row.PLon != nil && row.PAskedAt != nil {
		st.Place = &models.ChatPlace{AccountID: accountID, Channel: channel, Address: address, Lat: *row.PLat, Lon: *row.PLon,
			AskedAt: *row.PAskedAt, Pending: row.PPending != nil && *row.PPending}
	}
	return st, nil
}

// turnRows prepares a turn's rows: the message that came in (cleaned and
// cut to the longest text kept, in place) and the replies to it, all at now.
func turnRows(now time.Time, in *models.ChatMessage, replies []models.ChatMessage) []models.ChatMessage {
	in.Direction, in.CreatedAt = "in", now
	in.Body = models.CleanText(in.Body)
	if models.TooLong(in.Body, models.MaxChatText) {
		in.Body = string([]rune(in.Body)[:models.MaxChatText])
	}
	rows := make([]models.ChatMessage, 0, 1+len(replies))
	rows = append(rows, *in)
	for _, r := range replies {
		r.Direction, r.CreatedAt = "out", now
		rows = append(rows, r)
	}
	return rows
}

// touchConversation is how a message updates its conversation when the
// conversation exists (TouchConversation, RecordTurnTouching): an
// inbound one moves the reply window, one for the staff counts as unread
// and reopens it.
const touchConversation = `ON CONFLICT (account_id, channel, address) DO UPDATE SET
			follower_id = COALESCE(excluded.follower_id, chat_conversations.follower_id),
			unread = chat_conversations.unread + excluded.unread,
			status = CASE WHEN excluded.unread > 0 THEN 'open' ELSE chat_conversations.status END,
			preview = excluded.preview,
			last_message_at = excluded.last_message_at,
			last_inbound_at = COALESCE(excluded.last_inbound_at, chat_conversations.last_inbound_at)`

// RecordTurn stores a message that came in, with what handled it, and the
// replies sent to it, in one statement, through tx (the router's
// transaction). A message whose platform id was stored before is not
// stored again: dup reports a retry, whose handling the caller must undo
// (the router rolls its transaction back, replies included).
func (s *Service) RecordTurn(ctx context.Context, tx models.Core, in *models.ChatMessage, replies []models.ChatMessage) (dup bool, err error) {
	rows := turnRows(tx.Now(), in, replies)
	res := tx.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
	if res.Error != nil {
		return false, fmt.Errorf("record chat messages: %w", res.Error)
	}
	// Only the inbound message has a platform id that can conflict.
	if res.RowsAffected < int64(len(rows)) {
		return true, nil
	}
	in.ID = rows[0].ID
	return false, nil
}

// RecordTurnTouching is RecordTurn and then TouchConversation with the
// inbound message (toInbox: it is for the staff), what the router does
// with every message. On PostgreSQL it is one statement, where the two
// were two round trips of the six a WeChat callback made.
func (s *Service) RecordTurnTouching(ctx context.Context, tx models.Core, in *models.ChatMessage, replies []models.ChatMessage, toInbox bool) (dup bool, err error) {
	if tx.Dialect() != database.Postgres {
		if dup, err := s.RecordTurn(ctx, tx, in, replies); err != nil || dup {
			return dup, err
		}
		return false, s.TouchConversation(ctx, tx, in, toInbox)
	}
	now := tx.Now()
	rows := turnRows(now, in, replies)
	var q strings.Builder
	q.WriteString(`WITH m AS (INSERT INTO chat_messages
		(account_id, channel, address, follower_id, direction, msg_id, kind, body, handled_by, user_id, created_at) VALUES `)
	args := make([]any, 0, 11*len(rows)+12)
	for i, m := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, m.AccountID, m.Channel, m.Address, m.FollowerID, m.Direction, m.MsgID, m.Kind, m.Body, m.HandledBy, m.UserID, m.CreatedAt)
	}
	unread, status := 0, models.ConversationClosed
	if toInbox {
		unread, status = 1, models.ConversationOpen
	}
	// The conversation is touched only when every row went in: a retry
	// of a stored message conflicts, and the caller rolls back.
	q.WriteString(` ON CONFLICT DO NOTHING RETURNING id, direction),
	c AS (INSERT INTO chat_conversations
		(account_id, channel, address, follower_id, status, unread, preview, last_message_at, last_inbound_at)
		SELECT CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT),
			CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ)
		WHERE (SELECT COUNT(*) FROM m) = ?
		` + touchConversation + `)
	SELECT (SELECT COUNT(*) FROM m) AS n, (SELECT id FROM m WHERE direction = 'in') AS in_id`)
	args = append(args, in.AccountID, in.Channel, in.Address, in.FollowerID, status, unread, preview(in.Body), now, now, len(rows))
	var out struct {
		N    int
		InID *int64
	}
	// Find, not Scan: see models.Statement.
	if err := tx.Conn(ctx).Raw(q.String(), args...).Find(&out).Error; err != nil {
		return false, fmt.Errorf("record chat turn: %w", err)
	}
	if out.N < len(rows) || out.InID == nil {
		return true, nil
	}
	in.ID = *out.InID
	return false, nil
}

// recordOutbound stores a message sent to a person (a reply).
func (s *Service) recordOutbound(ctx context.Context, m *models.ChatMessage) error {
	m.Direction, m.CreatedAt = "out", s.core.Now()
	if err := s.core.Conn(ctx).Create(m).Error; err != nil {
		return fmt.Errorf("record outbound message: %w", err)
	}
	return nil
}

// previewLength is how much of the last message the list shows.
const previewLength = 140

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > previewLength {
		s = string([]rune(s)[:previewLength-1]) + "…"
	}
	return s
}

// TouchConversation keeps a person's conversation up to date with a
// message, through tx (the router's transaction, or the service's own):
// an inbound one moves the reply window, and one for the staff (toInbox)
// counts as unread and reopens the conversation. A conversation made only
// of commands starts closed, so the inbox lists what needs a person.
func (s *Service) TouchConversation(ctx context.Context, tx models.Core, m *models.ChatMessage, toInbox bool) error {
	unread, status := 0, models.ConversationClosed
	if toInbox {
		unread, status = 1, models.ConversationOpen
	}
	var inboundAt *time.Time
	if m.Direction == "in" {
		inboundAt = &m.CreatedAt
	}
	err := tx.Conn(ctx).Exec(`INSERT INTO chat_conversations
		(account_id, channel, address, follower_id, status, unread, preview, last_message_at, last_inbound_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		`+touchConversation,
		m.AccountID, m.Channel, m.Address, m.FollowerID, status, unread, preview(m.Body), m.CreatedAt, inboundAt).Error
	if err != nil {
		return fmt.Errorf("touch conversation: %w", err)
	}
	return nil
}

// SaveChatSession stores the conversation's state through tx (the
// router's transaction), to expire after ttl without a message.
func (s *Service) SaveChatSession(ctx context.Context, tx models.Core, cs *models.ChatSession, ttl time.Duration) error {
	cs.ExpiresAt = tx.Now().Add(ttl)
	err := tx.Conn(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(cs).Error
	if err != nil {
		return fmt.Errorf("save chat session: %w", err)
	}
	return nil
}

// EndChatSession forgets the person's conversation in progress, through
// tx: the router's transaction, or the one erasing a follower
// (EraseFollowerMessages).
func (s *Service) EndChatSession(ctx context.Context, tx models.Core, accountID int64, channel, address string) error {
	err := tx.Conn(ctx).Where("account_id = ? AND channel = ? AND address = ?", accountID, channel, address).Delete(&models.ChatSession{}).Error
	if err != nil {
		return fmt.Errorf("end chat session: %w", err)
	}
	return nil
}

// SaveChatPlace stores the place the person is asked about now, through
// tx (the router's transaction), in place of the one before.
func (s *Service) SaveChatPlace(ctx context.Context, tx models.Core, p *models.ChatPlace) error {
	p.AskedAt = tx.Now()
	err := tx.Conn(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
	if err != nil {
		return fmt.Errorf("save chat place: %w", err)
	}
	return nil
}

// SettleChatPlace marks the place the person was asked about as
// answered (saved or dropped), through tx, keeping when and where it was
// asked.
func (s *Service) SettleChatPlace(ctx context.Context, tx models.Core, accountID int64, channel, address string) error {
	err := tx.Conn(ctx).Model(&models.ChatPlace{}).Where("account_id = ? AND channel = ? AND address = ? AND pending", accountID, channel, address).
		Update("pending", false).Error
	if err != nil {
		return fmt.Errorf("settle chat place: %w", err)
	}
	return nil
}

// LastInbounds tells, for many people at once, when each last wrote, for
// those who ever did: the WeChat channel's 48-hour window.
func (s *Service) LastInbounds(ctx context.Context, accountID int64, channel string, addresses []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(addresses))
	for start := 0; start < len(addresses); start += 500 {
		chunk := addresses[start:min(start+500, len(addresses))]
		var rows []struct {
			Address       string
			LastInboundAt *time.Time
		}
		err := s.core.Conn(ctx).Table("chat_conversations").Select("address, last_inbound_at").
			Where("account_id = ? AND channel = ? AND address IN ? AND last_inbound_at IS NOT NULL", accountID, channel, chunk).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("last inbound of %d people: %w", len(chunk), err)
		}
		for _, r := range rows {
			out[r.Address] = *r.LastInboundAt
		}
	}
	return out, nil
}
