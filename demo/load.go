package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/bridge/router"
	"github.com/plazahq/plaza/bridge/telegram"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/models/project"
)

// demoNames are given to demo followers in turn.
var demoNames = []string{"Ada Lam", "Ben Chow", "陈小明", "Dana Ortiz", "Eli Ng", "李华", "Fatima Khan", "Gus Ho", "王芳", "Hana Sato"}

// followPeriod is how far back the demo's follows and scans go, so the
// growth chart and the follower list show weeks of a poster's life.
const followPeriod = 6 * 7 * 24 * time.Hour

// followedAt is when the i-th of n demo followers followed: spread over
// followPeriod up to now, more of them lately as word got round, at
// varying hours of the day.
func followedAt(now time.Time, i, n int) time.Time {
	if n <= 0 {
		return now
	}
	// (1-x²) of the period ago, x from 0 to 1: the later followers come
	// closer together.
	x := float64(i+1) / float64(n)
	ago := time.Duration((1 - x*x) * float64(followPeriod))
	return now.Add(-ago - time.Duration(i*7%11)*time.Hour - time.Duration(i*13%60)*time.Minute)
}

// chatFollowers are the transit account's followers on the chat apps,
// beside its e-mail ones: WeChat OpenIDs and Telegram chat ids, as the
// platforms would give them. They follow through the code's scene, as a
// rider scanning at the stop would.
var chatFollowers = []struct{ channel, address, name, lang string }{
	{models.ChannelWeChat, "oDemoFollower0001", "陈先生", "zh-Hans"},
	{models.ChannelWeChat, "oDemoFollower0002", "黄女士", "zh-Hant"},
	{models.ChannelWeChat, "oDemoFollower0003", "Kelvin Ip", "en"},
	{models.ChannelTelegram, "770101", "Maria Lopez", "es"},
	{models.ChannelTelegram, "770102", "Jamie Tsang", "en"},
}

func ensureFollowers(ctx context.Context, now time.Time, followers *follower.Service, a *models.Account, code *followcode.FollowCode, n int) error {
	topics := a.TopicList()
	// Followers in each of the account's languages, the default most.
	langs := models.AccountLangs(a)
	for i := range n {
		lang := langs[0]
		if i%3 == 2 {
			lang = langs[(i/3)%len(langs)]
		}
		var tags []string
		if len(topics) > 0 {
			tags = []string{topics[i%len(topics)]}
		}
		// Every other follower came through the account's code.
		var viaID int64
		var viaScene string
		if i%2 == 0 && code != nil {
			viaID, viaScene = code.ID, code.Scene
		}
		addr := fmt.Sprintf("follower%02d@%s.demo.plaza.test", i+1, a.Handle)
		if _, err := followers.SeedFollowerAt(ctx, followedAt(now, i, n), a.ID, models.ChannelEmail, addr, demoNames[i%len(demoNames)], lang, tags, viaID, viaScene); err != nil {
			return fmt.Errorf("demo follower %s: %w", addr, err)
		}
	}
	return nil
}

// ensureChatFollowers adds the transit account's chat followers
// (chatFollowers), returning how many it has.
func ensureChatFollowers(ctx context.Context, now time.Time, followers *follower.Service, a *models.Account, code *followcode.FollowCode) (int, error) {
	topics := a.TopicList()
	for i, c := range chatFollowers {
		var tags []string
		if len(topics) > 0 {
			tags = []string{topics[i%len(topics)]}
		}
		var viaID int64
		var viaScene string
		if code != nil {
			viaID, viaScene = code.ID, code.Scene
		}
		if _, err := followers.SeedFollowerAt(ctx, followedAt(now, 2*i+1, 2*len(chatFollowers)), a.ID, c.channel, c.address, c.name, c.lang, tags, viaID, viaScene); err != nil {
			return 0, fmt.Errorf("demo %s follower: %w", c.channel, err)
		}
	}
	return len(chatFollowers), nil
}

// scale adds the generated followers and the webhook to the transit
// account.
func scale(ctx context.Context, store *models.Store, followers *follower.Service, projects *project.Service, chans *channel.Service, owner *models.Member, a *models.Account, opts Options, res *Result) error {
	if opts.Followers > 0 {
		var n int64
		var err error
		switch opts.Channel {
		case "", models.ChannelWebhook:
			n, err = followers.GenerateFollowers(ctx, a.ID, models.ChannelWebhook, "+86-139-", opts.Followers)
		case models.ChannelSMS:
			if opts.Followers > MaxSMSFollowers {
				return fmt.Errorf("at most %d SMS followers", MaxSMSFollowers)
			}
			// Hong Kong mobile numbers, E.164: +85260100001 and on.
			n, err = followers.GenerateNumbered(ctx, a.ID, models.ChannelSMS, "+852", "", 60_100_000, opts.Followers)
		case models.ChannelEmail:
			// reader1@bench.invalid on: .invalid never resolves (RFC
			// 2606), so no mail leaves by mistake for a real inbox.
			n, err = followers.GenerateNumbered(ctx, a.ID, models.ChannelEmail, "reader", "@bench.invalid", 0, opts.Followers)
		default:
			return fmt.Errorf("followers on channel %q: want webhook, sms or email", opts.Channel)
		}
		if err != nil {
			return err
		}
		res.Generated = n
	}
	to := opts.WebhookURL
	if to == "" {
		to = noReceiver
	}
	if err := chans.SaveWebhook(ctx, owner, a, channel.WebhookInput{Enabled: true, URL: to}); err != nil {
		return fmt.Errorf("demo webhook: %w", err)
	}
	w, err := chans.Webhook(ctx, owner, a)
	if err != nil {
		return err
	}
	res.Webhook = &Webhook{Account: a.Handle, URL: w.URL, Secret: w.Secret}
	if err := smsChannel(ctx, followers, chans, owner, a, opts, res); err != nil {
		return err
	}
	// A load-test demo keeps its broadcasts to the followers it measures:
	// browsers on a push service nobody runs would hold them up.
	if opts.Followers == 0 {
		if err := pushFollowers(ctx, followers, a, opts, res); err != nil {
			return err
		}
	}
	return chatChannels(ctx, store, followers, projects, chans, owner, a, res)
}

// chatChannels enables WeChat and Telegram on the account with generated
// credentials. They are not a real official account or bot: the callbacks
// take what a person posts with curl, and what Plaza would send to the
// platforms fails until real credentials are entered in the studio.
func chatChannels(ctx context.Context, store *models.Store, followers *follower.Service, projects *project.Service, chans *channel.Service, owner *models.Member, a *models.Account, res *Result) error {
	random := func(n int) string {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}
	wx := channel.Settings{Enabled: true, Values: map[string]string{wechat.FieldAppID: "wx" + random(8), wechat.FieldAppSecret: random(16),
		wechat.FieldToken: random(12), wechat.FieldAESKey: wechat.NewAESKey()}}
	tg := channel.Settings{Enabled: true, Values: map[string]string{telegram.FieldBotToken: "100000001:" + random(18),
		telegram.FieldSecretToken: random(24), telegram.FieldBotName: "PlazaDemoBot"}}
	for _, s := range []struct {
		name   string
		schema channel.Schema
		in     channel.Settings
	}{{models.ChannelWeChat, wechat.SettingsSchema, wx}, {models.ChannelTelegram, telegram.SettingsSchema, tg}} {
		if err := chans.Save(ctx, owner, a, s.name, s.schema, s.in); err != nil {
			return fmt.Errorf("demo %s channel: %w", s.name, err)
		}
	}
	c := &Chat{Account: a.Handle}
	c.Webhook.URL, c.Webhook.Secret = res.BaseURL+"/bridge/webhook/"+a.Handle, res.Webhook.Secret
	c.WeChat.URL, c.WeChat.AppID, c.WeChat.Token, c.WeChat.EncodingAESKey = res.BaseURL+"/bridge/wechat/"+a.Handle, wx.Get(wechat.FieldAppID), wx.Get(wechat.FieldToken), wx.Get(wechat.FieldAESKey)
	c.Telegram.URL, c.Telegram.SecretToken = res.BaseURL+"/bridge/telegram/"+a.Handle, tg.Get(telegram.FieldSecretToken)
	res.Chat = c
	// Two questions waiting in the inbox, through the router as if the
	// platforms had posted them (their fixed ids make a second run a
	// no-op). The askers do not follow, so the follower counts stay. The
	// router's own chat service will do: its keyword cache is not shared
	// with anything that changes keywords.
	r := router.New(store, chat.New(store.Core, account.New(store.Core, chans), chans, org.New(store.Core)), followers, projects, res.BaseURL).WithNonces(chans)
	for _, in := range []bridge.Inbound{
		{Channel: models.ChannelWeChat, From: "oDemoRider0001", MsgID: "demo-1", Kind: bridge.KindText, Text: "台风期间12路还运行吗？"},
		{Channel: models.ChannelTelegram, From: "770001", MsgID: "demo-2", Kind: bridge.KindText, Lang: "en",
			Text: "The lift at Central station has been out of order since Monday."},
	} {
		if _, err := r.Handle(ctx, a, in); err != nil {
			return fmt.Errorf("demo inbox: %w", err)
		}
	}
	return nil
}
