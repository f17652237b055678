// Package echo is a channel for tests, added the way any channel is: this
// package, one registration line (r.Add(echo.New(d.Settings))) and one
// message catalog entry (channel.echo). Its "platform" is this process:
// what it sends is kept in memory, and its inbound endpoint takes JSON
// signed with the account's key.
package echo

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// Name is the channel's name.
const Name = "echo"

// Settings finds an account's settings (models/channel).
type Settings interface {
	Cached(ctx context.Context, accountID int64, channel string) (*bridge.Settings, error)
}

// Channel keeps what it sends.
type Channel struct {
	settings Settings
	mu       sync.Mutex
	sent     []string
}

// New builds the channel.
func New(settings Settings) *Channel { return &Channel{settings: settings} }

var _ interface {
	bridge.Channel
	bridge.Batcher
	bridge.Receiver
} = (*Channel)(nil)

// Name is the channel's name on followers.
func (c *Channel) Name() string { return Name }

var schema = bridge.Schema{
	Fields: []bridge.Field{
		{Name: "name", Label: "chat.bot_name", Kind: channel.Text, Max: 64},
		{Name: "key", Label: "chat.token", Kind: channel.Text, Secret: true, Fact: true, Max: 64},
	},
	Validate: func(s *bridge.Settings, v *models.ValidationError) {
		if s.Get("key") == "" {
			s.Set("key", bridge.RandomHex(16))
		}
	},
}

// Schema describes the settings: a name, and the key inbound requests
// carry.
func (c *Channel) Schema() bridge.Schema { return schema }

// Sent lists what the channel sent, in order.
func (c *Channel) Sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

var errOff = errors.New("echo is not set up for this account")

func (c *Channel) deliver(ctx context.Context, accountID int64, to, text string) error {
	s, err := c.settings.Cached(ctx, accountID, Name)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !s.Enabled) {
		return errOff
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.sent = append(c.sent, to+": "+text)
	c.mu.Unlock()
	return nil
}

// Send keeps the notice.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	if err := c.deliver(ctx, m.Content.AccountID, m.To.Address, bridge.NoticeText(m.Content, 1000)); err != nil {
		return broadcast.FailedResult(err.Error())
	}
	return broadcast.SentResult()
}

// SendBatch keeps each notice.
func (c *Channel) SendBatch(ctx context.Context, msgs []*broadcast.Message) []broadcast.Result {
	out := make([]broadcast.Result, len(msgs))
	for i, m := range msgs {
		out[i] = c.Send(ctx, m)
	}
	return out
}

// Reply keeps the staff reply.
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	if err := c.deliver(ctx, accountID, to, text); err != nil {
		return bridge.Fail("inbox.send_failed", err)
	}
	return nil
}

// TestConnection says who the settings are.
func (c *Channel) TestConnection(_ context.Context, s *bridge.Settings) (string, error) {
	if s.Get("key") == "" {
		return "", bridge.Fail("inbox.send_failed", errOff)
	}
	return "echo " + s.Get("name"), nil
}

// Inbound takes POST /bridge/echo/<handle>: {"from", "type", "text"}
// with the account's key in X-Echo-Key, answered with the replies.
func (c *Channel) Inbound(h bridge.Host) []bridge.Route {
	return []bridge.Route{{Method: http.MethodPost, Serve: func(w http.ResponseWriter, r *http.Request, handle string) error {
		a, s, err := bridge.Endpoint(w, r, h, handle, Name)
		if err != nil || a == nil {
			return err
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Echo-Key")), []byte(s.Get("key"))) != 1 {
			bridge.Text(w, http.StatusUnauthorized, "bad key")
			return nil
		}
		body := bridge.ReadBody(w, r)
		if body == nil {
			return nil
		}
		in, err := Parse(body)
		if err != nil {
			bridge.Text(w, http.StatusBadRequest, err.Error())
			return nil
		}
		replies, err := h.Handle(r.Context(), a, in)
		if err != nil {
			return err
		}
		out, err := json.Marshal(map[string]any{"replies": replies})
		if err != nil {
			return err
		}
		bridge.Blob(w, http.StatusOK, "application/json", out)
		return nil
	}}}
}

// Parse reads an inbound message.
func Parse(body []byte) (bridge.Inbound, error) {
	var m struct{ From, Type, Text, ID string }
	if err := json.Unmarshal(body, &m); err != nil {
		return bridge.Inbound{}, errors.New("not a message")
	}
	in := bridge.Inbound{Channel: Name, From: m.From, MsgID: m.ID, Text: m.Text, Kind: bridge.KindText}
	if m.Type == "follow" {
		in.Kind, in.Text = bridge.KindFollow, ""
	}
	if in.From == "" || len(in.From) > models.MaxChatAddress || (in.Kind == bridge.KindText && in.Text == "") {
		return bridge.Inbound{}, errors.New("a message needs from and text")
	}
	return in, nil
}
