package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/channel"
)

// The settings vocabulary is models/channel's, which stores them.
type (
	// Schema describes a channel's settings: fields, which are secret,
	// their message keys and the validator.
	Schema = channel.Schema
	// Field is one setting.
	Field = channel.Field
	// Settings are an account's settings for one channel.
	Settings = channel.Settings
)

// Channel is the one contract every channel meets: the broadcast engine
// sends through it (broadcast.Channel is its sending half, which the
// engine declares so as not to import the bridge), the studio shows its
// settings form from Schema, replies from the inbox with Reply and checks
// the credentials with TestConnection. A channel may also take a batch
// (Batcher), receive the platform's requests (Receiver) and point the
// platform at Plaza (Connector).
type Channel interface {
	broadcast.Channel
	// Schema describes the settings staff enter on the chat page; a
	// channel whose settings live elsewhere returns the zero Schema.
	Schema() Schema
	// Reply sends a staff member's reply from the inbox.
	Reply(ctx context.Context, accountID int64, to, text string) error
	// TestConnection checks the settings against the platform and says
	// who the platform knows them as. Its errors are *Failure.
	TestConnection(ctx context.Context, s *Settings) (string, error)
}

// Batcher is a channel that also takes many messages in one call.
type Batcher = broadcast.BatchChannel

// Connector is a channel that can point the platform's webhook at Plaza
// itself (Telegram's setWebhook).
type Connector interface {
	Connect(ctx context.Context, s *Settings, url string) error
}

// Learner is a channel whose connection test tells settings staff need
// not type (Telegram's getMe names the bot, which the follow page's
// t.me link needs): Learn fills them into s from what TestConnection
// answered, never over what staff typed, and reports whether it changed
// anything.
type Learner interface {
	Learn(s *Settings, who string) bool
}

// Facter is a channel that shows more facts on its settings panel than
// its Fact fields (Telegram's follow link).
type Facter interface {
	Facts(s *Settings) []Fact
}

// Fact is a label (a message key) and a value to paste somewhere.
type Fact struct {
	Label string
	Value string
}

// Receiver is a channel that takes the platform's requests: its routes
// are mounted at /bridge/<name>/:handle, one per method.
type Receiver interface {
	Inbound(h Host) []Route
}

// Route is one inbound endpoint of a channel. Serve verifies the
// platform's request, parses it into an Inbound, hands it to the host
// and answers the platform; handle is the account's handle in the URL.
// An error it returns is the server's (a 500), after nothing was written.
type Route struct {
	Method string
	// Path follows /bridge/<name>/:handle ("/status" for SMS delivery
	// receipts); empty for the account's own address.
	Path  string
	Serve func(w http.ResponseWriter, r *http.Request, handle string) error
}

// Host is what an inbound endpoint needs of Plaza.
type Host interface {
	// Endpoint finds the account and its enabled settings for channel
	// name (models.ErrNotFound when either is missing).
	Endpoint(ctx context.Context, handle, name string) (*models.Account, *Settings, error)
	// Account finds the account with handle.
	Account(ctx context.Context, handle string) (*models.Account, error)
	// Handle routes one message (bridge/router).
	Handle(ctx context.Context, a *models.Account, in Inbound) ([]Reply, error)
	// Claim takes a signed request's one-time key when there is no
	// message to handle with it (WeChat's URL check).
	Claim(ctx context.Context, accountID int64, k *OnceKey) (bool, error)
	Now() time.Time
	Log() *slog.Logger
}

// Registry is the list of channels Plaza runs, each registered once in
// app; the engine, the studio and the bridge endpoints take them from it.
type Registry struct {
	chans   []Channel
	senders []broadcast.Channel
}

// Add registers a channel; a name taken twice is a programming error.
func (r *Registry) Add(c Channel) *Registry {
	r.AddSender(c)
	r.chans = append(r.chans, c)
	return r
}

// AddSender registers a channel that only sends notices (e-mail, whose
// replies and settings are not the chat page's).
func (r *Registry) AddSender(c broadcast.Channel) *Registry {
	for _, s := range r.senders {
		if s.Name() == c.Name() {
			panic(fmt.Sprintf("bridge: channel %q registered twice", c.Name()))
		}
	}
	r.senders = append(r.senders, c)
	return r
}

// Channels lists the registered channels in order.
func (r *Registry) Channels() []Channel { return r.chans }

// Senders lists every channel the engine sends through.
func (r *Registry) Senders() []broadcast.Channel { return r.senders }

// Get returns the channel called name, or nil.
func (r *Registry) Get(name string) Channel {
	for _, c := range r.chans {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// ReplayWindow is how far a signed request's timestamp may be from now.
const ReplayWindow = 5 * time.Minute

// BodyLimit bounds an inbound request: a few kilobytes of text in a
// JSON or XML envelope.
const BodyLimit = 64 << 10

// ReadBody reads a platform's request, answering 413 when it is larger
// than any message (or 400); nil means the answer was written.
func ReadBody(w http.ResponseWriter, r *http.Request) []byte {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, BodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			Text(w, http.StatusRequestEntityTooLarge, "the message is larger than 64 KB")
			return nil
		}
		Text(w, http.StatusBadRequest, "the request body could not be read")
		return nil
	}
	return body
}

// Text answers with a plain-text body.
func Text(w http.ResponseWriter, status int, msg string) {
	Blob(w, status, "text/plain; charset=UTF-8", []byte(msg))
}

// Blob answers with body of content type ct.
func Blob(w http.ResponseWriter, status int, ct string, body []byte) {
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// FreshTimestamp checks a platform's timestamp (Unix seconds) against
// the replay window.
func FreshTimestamp(ts string, now time.Time) bool {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(n, 0))
	return d < ReplayWindow && d > -ReplayWindow
}

// JoinReplies makes one message of the router's replies, for a platform
// whose passive reply is a single message.
func JoinReplies(rs []Reply) string {
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = r.Text
	}
	return strings.Join(texts, "\n\n")
}

// Endpoint finds the account a platform calls for and its enabled
// settings for channel name; a missing account or disabled channel is
// answered with a 404 and a word why (a nil account then, and no error).
func Endpoint(w http.ResponseWriter, r *http.Request, h Host, handle, name string) (*models.Account, *Settings, error) {
	a, s, err := h.Endpoint(r.Context(), handle, name)
	if errors.Is(err, models.ErrNotFound) {
		Text(w, http.StatusNotFound, "no account here with "+name+" enabled")
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return a, s, nil
}

// RandomHex returns n random bytes in hex, an alphabet every platform
// accepts for the shared tokens channels generate for staff (a webhook's
// secret token, WeChat's Token).
func RandomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
