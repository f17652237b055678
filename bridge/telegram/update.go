// Package telegram is the Telegram bot channel: the webhook Telegram's
// servers call with updates (checked by their secret-token header), and
// the Bot API client that sends messages.
package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plazahq/plaza/bridge"
)

// ChannelName is the channel's name on followers.
const ChannelName = "telegram"

// Update is what Telegram posts to the webhook (the fields Plaza reads of
// the Bot API's Update object).
type Update struct {
	UpdateID      int64          `json:"update_id"`
	Message       *Message       `json:"message"`
	EditedMessage *Message       `json:"edited_message"`
	MyChatMember  *ChatMemberUpd `json:"my_chat_member"`
}

// Message is a Bot API Message.
type Message struct {
	MessageID int64           `json:"message_id"`
	From      *User           `json:"from"`
	Chat      Chat            `json:"chat"`
	Date      int64           `json:"date"`
	Text      string          `json:"text"`
	Caption   string          `json:"caption"`
	Photo     json.RawMessage `json:"photo"`
	Voice     json.RawMessage `json:"voice"`
	Document  json.RawMessage `json:"document"`
	Location  *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"location"`
}

// User is a Bot API User.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LanguageCode string `json:"language_code"`
}

// Chat is a Bot API Chat.
type Chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

// ChatMemberUpd is a ChatMemberUpdated: in a private chat, the person
// blocking (kicked) or unblocking (member) the bot.
type ChatMemberUpd struct {
	Chat          Chat `json:"chat"`
	From          User `json:"from"`
	NewChatMember struct {
		Status string `json:"status"`
	} `json:"new_chat_member"`
}

// ErrMalformed is a body that is not an update Plaza can read.
var ErrMalformed = errors.New("not a Telegram update")

// ErrIgnored is an update Plaza has nothing to do with (a group chat, an
// edit, a kind of update it did not ask for).
var ErrIgnored = errors.New("update ignored")

// ParseUpdate reads a posted update and turns it into the bridge's shape.
func ParseUpdate(body []byte) (bridge.Inbound, error) {
	var u Update
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&u); err != nil {
		return bridge.Inbound{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if u.UpdateID <= 0 {
		return bridge.Inbound{}, fmt.Errorf("%w: no update_id", ErrMalformed)
	}
	in := bridge.Inbound{Channel: ChannelName, MsgID: strconv.FormatInt(u.UpdateID, 10)}
	switch {
	case u.MyChatMember != nil:
		if u.MyChatMember.Chat.Type != "private" {
			return in, ErrIgnored
		}
		in.From = strconv.FormatInt(u.MyChatMember.Chat.ID, 10)
		switch u.MyChatMember.NewChatMember.Status {
		case "kicked":
			in.Kind = bridge.KindUnfollow
		default:
			return in, ErrIgnored
		}
		return in, nil
	case u.Message != nil:
	default:
		return in, ErrIgnored
	}
	m := u.Message
	if m.Chat.Type != "private" || m.Chat.ID == 0 {
		// Plaza talks to people one to one; a bot added to a group stays
		// silent there.
		return in, ErrIgnored
	}
	in.From = strconv.FormatInt(m.Chat.ID, 10)
	if m.From != nil {
		in.Lang = m.From.LanguageCode
	}
	text := m.Text
	switch {
	case text != "":
		in.Kind, in.Text = bridge.KindText, text
	case m.Location != nil:
		in.Kind, in.Text = bridge.KindMedia, fmt.Sprintf("[location] %g,%g", m.Location.Latitude, m.Location.Longitude)
		in.Location = bridge.LocationAt(m.Location.Latitude, m.Location.Longitude)
	case len(m.Photo) > 0:
		in.Kind, in.Text = bridge.KindMedia, strings.TrimSpace("[photo] "+m.Caption)
	case len(m.Voice) > 0:
		in.Kind, in.Text = bridge.KindMedia, "[voice]"
	case len(m.Document) > 0:
		in.Kind, in.Text = bridge.KindMedia, strings.TrimSpace("[file] "+m.Caption)
	default:
		return in, ErrIgnored
	}
	if !utf8.ValidString(in.Text) || strings.ContainsRune(in.Text, 0) {
		return in, fmt.Errorf("%w: text is not UTF-8", ErrMalformed)
	}
	if in.Kind == bridge.KindText && strings.HasPrefix(text, "/") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(text), " ")
		// "/start@PlazaBot" in a client that adds the bot's name.
		cmd, _, _ = strings.Cut(cmd, "@")
		switch strings.ToLower(cmd) {
		case "/start":
			// A deep link t.me/<bot>?start=<scene> opens the chat with
			// "/start <scene>": a follow through that code.
			in.Kind, in.Scene, in.Text = bridge.KindFollow, strings.TrimSpace(arg), ""
			if len(in.Scene) > 64 {
				in.Scene = in.Scene[:64]
			}
		case "/stop":
			in.Text = "stop"
		default:
			in.Text = strings.TrimPrefix(cmd, "/") + " " + arg
		}
	}
	return in, nil
}

// Reply is the webhook's answer: Telegram performs the method given in the
// response body, which saves a call to the Bot API for one reply.
func Reply(chatID, text string) []byte {
	b, _ := json.Marshal(map[string]any{"method": "sendMessage", "chat_id": chatID, "text": text})
	return b
}
