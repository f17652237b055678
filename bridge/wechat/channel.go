package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/outbound"
)

// Settings finds an account's WeChat settings (models/channel).
type Settings interface {
	Cached(ctx context.Context, accountID int64, channel string) (*bridge.Settings, error)
}

// Inbox says when each person last wrote (WeChat's 48-hour window).
type Inbox interface {
	LastInbounds(ctx context.Context, accountID int64, channel string, addresses []string) (map[string]time.Time, error)
}

// Channel sends notices and staff replies to WeChat followers.
type Channel struct {
	client   *Client
	settings Settings
	store    Inbox
	now      func() time.Time
}

// NewChannel builds the channel.
func NewChannel(client *Client, settings Settings, inbox Inbox) *Channel {
	return &Channel{client: client, settings: settings, store: inbox, now: time.Now}
}

var _ interface {
	bridge.Channel
	bridge.Batcher
	bridge.Receiver
} = (*Channel)(nil)

// Name is the channel's name on followers.
func (c *Channel) Name() string { return ChannelName }

// ErrNotConfigured is an account without WeChat set up and enabled.
var ErrNotConfigured = errors.New("WeChat is not set up for this account")

func (c *Channel) account(ctx context.Context, accountID int64) (*bridge.Settings, Credentials, error) {
	s, err := c.settings.Cached(ctx, accountID, ChannelName)
	if errors.Is(err, models.ErrNotFound) || (err == nil && (!s.Enabled || s.Get(FieldAppSecret) == "")) {
		return nil, Credentials{}, ErrNotConfigured
	}
	if err != nil {
		return nil, Credentials{}, err
	}
	return s, credentials(s), nil
}

func credentials(s *bridge.Settings) Credentials {
	return Credentials{AppID: s.Get(FieldAppID), AppSecret: s.Get(FieldAppSecret)}
}

// maxText is what Plaza puts in one text message, link included: WeChat
// takes up to 2,048 bytes, which 600 Chinese characters nearly fill.
const maxText = 600

// MaxText is maxText for the publish confirmation's chat preview.
const MaxText = maxText

// Send delivers a notice: as a customer-service message to someone who
// wrote within 48 hours, otherwise as the account's template message.
// Without a template, a person outside the window cannot be reached, and
// the delivery fails with that reason.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	mc := m.Content
	s, cr, err := c.account(ctx, mc.AccountID)
	if errors.Is(err, ErrNotConfigured) {
		return broadcast.FailedResult(err.Error())
	}
	if err != nil {
		return broadcast.RetryResult("WeChat settings could not be read", 0).Because(err)
	}
	last, err := c.store.LastInbounds(ctx, mc.AccountID, ChannelName, []string{m.To.Address})
	if err != nil {
		return broadcast.RetryResult("reply window could not be read", 0).Because(err)
	}
	t, wrote := last[m.To.Address]
	inWindow := wrote && c.now().Sub(t) < models.ReplyWindow
	if !inWindow && s.Get(FieldTemplateID) == "" {
		return broadcast.FailedResult(errNoWay)
	}
	return c.sendOne(ctx, s, cr, m, inWindow)
}

// errNoWay is why a follower who has not written for 48 hours cannot get
// a notice from an account without a template.
const errNoWay = "outside WeChat's 48-hour window and no template message is set up"

// sendOne sends a notice to one person: as a customer-service message
// within the window, as the template otherwise.
func (c *Channel) sendOne(ctx context.Context, s *bridge.Settings, cr Credentials, m *broadcast.Message, inWindow bool) broadcast.Result {
	mc := m.Content
	if inWindow {
		text := bridge.NoticeText(mc, maxText)
		return result(c.client.SendText(ctx, cr, m.To.Address, text))
	}
	_, err := c.client.SendTemplate(ctx, cr, Template{ToUser: m.To.Address, TemplateID: s.Get(FieldTemplateID), URL: mc.URL,
		Data: map[string]TemplateField{
			"first":    {Value: bridge.Clip(mc.Subject, 100)},
			"keyword1": {Value: bridge.Clip(mc.AccountName, 40)},
			"keyword2": {Value: bridge.Clip(mc.Title, 100)},
			"remark":   {Value: bridge.Clip(mc.Text, 200)},
		}})
	return result(err)
}

// parallelSends is how many messages of a batch go to WeChat at once.
const parallelSends = 8

// SendBatch delivers a claimed batch of one broadcast: customer-service
// messages to those who wrote within 48 hours, the template to the others
// when the account has one, and otherwise one mass send per language to
// all the others (WeChat counts mass sends against a monthly quota, so an
// account that sends often should set a template).
func (c *Channel) SendBatch(ctx context.Context, msgs []*broadcast.Message) []broadcast.Result {
	out := make([]broadcast.Result, len(msgs))
	if len(msgs) == 0 {
		return out
	}
	fill := func(r broadcast.Result) []broadcast.Result {
		for i := range out {
			out[i] = r
		}
		return out
	}
	accountID := msgs[0].Content.AccountID
	s, cr, err := c.account(ctx, accountID)
	if errors.Is(err, ErrNotConfigured) {
		return fill(broadcast.FailedResult(err.Error()))
	}
	if err != nil {
		return fill(broadcast.RetryResult("WeChat settings could not be read", 0).Because(err))
	}
	addrs := make([]string, len(msgs))
	for i, m := range msgs {
		addrs[i] = m.To.Address
	}
	last, err := c.store.LastInbounds(ctx, accountID, ChannelName, addrs)
	if err != nil {
		return fill(broadcast.RetryResult("reply window could not be read", 0).Because(err))
	}
	now := c.now()
	type job struct {
		i        int
		inWindow bool
	}
	var jobs []job
	mass := map[string][]int{}
	for i, m := range msgs {
		t, ok := last[m.To.Address]
		in := ok && now.Sub(t) < models.ReplyWindow
		if in || s.Get(FieldTemplateID) != "" {
			jobs = append(jobs, job{i, in})
			continue
		}
		mass[m.Content.Language] = append(mass[m.Content.Language], i)
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range min(parallelSends, len(jobs)) {
		wg.Go(func() {
			for j := range work {
				out[j.i] = c.sendOne(ctx, s, cr, msgs[j.i], j.inWindow)
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	for _, idx := range mass {
		if len(idx) < 2 {
			// WeChat's mass send takes two people or more.
			out[idx[0]] = broadcast.FailedResult(errNoWay)
			continue
		}
		mc := msgs[idx[0]].Content
		to := make([]string, len(idx))
		for k, i := range idx {
			to[k] = msgs[i].To.Address
		}
		_, err := c.client.MassSendText(ctx, cr, to, bridge.NoticeText(mc, maxText))
		r := result(err)
		if CodeOf(err) == CodeNoMassQuota {
			r = broadcast.FailedResult("WeChat's mass-send quota for this month is used up; set a template message for notices")
		}
		for _, i := range idx {
			out[i] = r
		}
	}
	return out
}

// result maps WeChat's answer to a delivery result. The reason is short
// and carries no platform text: a transport error's message holds the
// request's URL, with the access token in its query.
func result(err error) broadcast.Result {
	if err == nil {
		return broadcast.SentResult()
	}
	code := CodeOf(err)
	switch code {
	case 0:
		return broadcast.RetryResult("WeChat unreachable: "+outbound.Reason(err), 0).Because(err)
	case CodeNotFollowing:
		return broadcast.Result{Outcome: broadcast.Failed, Unsubscribe: true, Reason: "the person no longer follows the account on WeChat"}
	case CodeOutOfWindow:
		return broadcast.FailedResult("outside WeChat's 48-hour window")
	case CodeBusy, CodeTooFrequent, CodeReplyLimit, CodeBadCredential, CodeBadToken, CodeTokenExpired:
		return broadcast.RetryResult(fmt.Sprintf("WeChat error %d", code), time.Minute)
	}
	return broadcast.FailedResult(fmt.Sprintf("WeChat error %d", code))
}

// failure is what staff are told about a failed call to WeChat: a
// message key with the next step, the error kept for the log.
func failure(err error) error {
	var f *bridge.Failure
	switch code := CodeOf(err); {
	case err == nil || errors.As(err, &f):
		return err
	case errors.Is(err, ErrNotConfigured):
		return bridge.Fail("platform.wechat_not_configured", err)
	case code == CodeOutOfWindow:
		return bridge.Fail("inbox.window_closed", fmt.Errorf("%w: %w", models.ErrReplyWindow, err))
	case code == 0:
		return bridge.Fail("platform.wechat_unreachable", err)
	case code == CodeBadCredential || code == CodeBadAppSecret || code == CodeBadAppID || code == CodeBadToken || code == CodeTokenExpired:
		return bridge.Fail("platform.wechat_credentials", err)
	case code == CodeIPNotWhitelist:
		return bridge.Fail("platform.wechat_ip", err)
	case code == CodeNotFollowing:
		return bridge.Fail("platform.wechat_not_following", err)
	case code == CodeBusy || code == CodeTooFrequent || code == CodeReplyLimit:
		return bridge.Fail("platform.wechat_busy", err)
	}
	return bridge.Fail("platform.wechat_refused", err)
}

// Reply sends a staff member's reply from the inbox.
func (c *Channel) Reply(ctx context.Context, accountID int64, to, text string) error {
	_, cr, err := c.account(ctx, accountID)
	if err != nil {
		return failure(err)
	}
	return failure(c.client.SendText(ctx, cr, to, text))
}

// TestConnection fetches a fresh access token, which proves the AppID
// and AppSecret (and that WeChat accepts calls from this server's IP).
func (c *Channel) TestConnection(ctx context.Context, s *bridge.Settings) (string, error) {
	if s.Get(FieldAppID) == "" || s.Get(FieldAppSecret) == "" {
		return "", failure(ErrNotConfigured)
	}
	_, _, err := c.client.FetchToken(ctx, credentials(s))
	if err != nil {
		return "", failure(err)
	}
	return strings.TrimSpace("AppID " + s.Get(FieldAppID)), nil
}

// FollowQR asks WeChat for a permanent parameterized QR code for scene
// and returns the URL it encodes: a person who scans it in WeChat and
// follows arrives with the scene.
func (c *Channel) FollowQR(ctx context.Context, accountID int64, scene string) (string, error) {
	_, cr, err := c.account(ctx, accountID)
	if err != nil {
		return "", failure(err)
	}
	q, err := c.client.CreateQR(ctx, cr, scene)
	if err != nil {
		return "", failure(err)
	}
	if q.URL == "" {
		return "", failure(errors.New("WeChat answered without the code's URL"))
	}
	return q.URL, nil
}
