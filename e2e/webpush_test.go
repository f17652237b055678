package e2e_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestWebPushInChromium: on the follow page of an account that offers
// browser notifications the button appears, push.js registers /sw.js with
// the whole site as its scope and posts the browser's subscription to
// Plaza with the topic ticked in the form, and a message pushed to the
// service worker is shown as a notification with its title, tag and its
// Stop and Settings actions.
//
// Chromium's PushManager.subscribe() needs Google's push service, which a
// test machine cannot reach, so the page's PushManager answers with a
// subscription made in the test; the push itself is delivered through the
// DevTools protocol (ServiceWorker.deliverPushMessage), so no outside
// push service is involved either way.
func TestWebPushInChromium(t *testing.T) {
	chromium(t)
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		fx := apptest.Seed(t, a)
		ctx := context.Background()
		owner := fx.Member(models.RoleOwner)
		if err := a.Accounts.UpdateAccount(ctx, owner, fx.Account, models.AccountInput{
			Name: "Metro", Category: "transit", Languages: []string{"en", "zh"}, Topics: "line-12,line-7"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Channels.SetChannel(ctx, owner, fx.Account, models.ChannelWebPush, true); err != nil {
			t.Fatal(err)
		}
		p := newPerson(t, "citizen", a.URL, true)

		var mu sync.Mutex
		var regs []*serviceworker.Registration
		if err := chromedp.Listen(p.ctx, func(ev any) {
			if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
				mu.Lock()
				regs = append(regs, e.Registrations...)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: a.URL}); err != nil {
			t.Fatal(err)
		}
		p.open("/@metro/follow")
		p.waitFor("the push button", `!document.querySelector('[data-webpush]').hidden`)
		if _, err := chromedp.Call(p.ctx, serviceworker.Enable, struct{}{}); err != nil {
			t.Fatal(err)
		}
		// A subscription as a push service would give it.
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(function () {
			PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
			PushManager.prototype.subscribe = function (opts) {
				window.usedKey = opts.applicationServerKey.length;
				return Promise.resolve({ toJSON: function () { return {
					endpoint: 'https://push.example/send/e2e-1',
					keys: { p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
						auth: 'BTBZMqHH6r4Tts7J_aSIgg' } }; } });
			};
			return true;
		}())`)); err != nil {
			t.Fatal(err)
		}
		p.do("tick a topic", chromedp.Click(`#follow-form input[name="topics"][value="line-7"]`))
		p.do("press the push button", chromedp.Click(`[data-webpush] button`))
		p.waitFor("the done message", `document.querySelector('[data-push-status]').textContent.indexOf('Done') === 0`)
		if used, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](`window.usedKey`)); err != nil || used != 65 {
			t.Fatalf("applicationServerKey of %d bytes, %v", used, err)
		}
		var f models.Follower
		if err := a.Store.DB().Where("channel = ?", models.ChannelWebPush).First(&f).Error; err != nil {
			t.Fatalf("no webpush follower: %v", err)
		}
		if !strings.Contains(f.Address, "https://push.example/send/e2e-1") || f.Status != models.StatusActive || f.Source != "web" {
			t.Fatalf("follower = %+v", f)
		}
		if got, err := a.Followers.FollowerByID(ctx, f.ID); err != nil || strings.Join(got.Tags, ",") != "line-7" {
			t.Fatalf("the follower's topics: %+v, %v", got, err)
		}
		scope, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`navigator.serviceWorker.ready.then(r => r.scope)`, chromedp.EvalAwaitPromise))
		if err != nil || scope != a.URL+"/" {
			t.Fatalf("scope %q, %v", scope, err)
		}

		// A pushed message becomes a notification.
		var id serviceworker.RegistrationID
		if !apptest.Eventually(10*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range regs {
				if r.ScopeURL == a.URL+"/" && !r.IsDeleted {
					id = r.RegistrationID
				}
			}
			return id != ""
		}) {
			t.Fatal("no service worker registration reported")
		}
		data, _ := json.Marshal(map[string]string{"title": "Route 12 detour", "body": "Buses use Harbour Road.", "url": a.URL + "/@metro", "tag": "notice-9",
			"unsubscribe": a.URL + "/f/unsubscribe/token", "stop": "Stop these notifications",
			"preferences": a.URL + "/f/preferences/token", "settings": "Settings"})
		var got []string
		// The first push can arrive before the worker takes events; it is
		// delivered again until it shows (the tag keeps it one).
		apptest.EventuallyEvery(15*time.Second, time.Second, func() bool {
			if _, err = chromedp.Call(p.ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
				Origin: a.URL, RegistrationID: id, Data: string(data)}); err != nil {
				return false
			}
			time.Sleep(200 * time.Millisecond)
			got, err = chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`navigator.serviceWorker.ready.then(r => r.getNotifications())
				.then(ns => ns.map(n => n.title + '|' + n.tag + '|' + n.body + '|' + n.data.url + '|' + n.data.unsubscribe + '|' + n.data.preferences + '|' +
				(n.actions || []).map(x => x.action + ':' + x.title).join(',')))`, chromedp.EvalAwaitPromise))
			return err == nil && len(got) > 0
		})
		if err != nil || len(got) != 1 || got[0] != "Route 12 detour|notice-9|Buses use Harbour Road.|"+a.URL+"/@metro|"+a.URL+"/f/unsubscribe/token|"+a.URL+"/f/preferences/token|stop:Stop these notifications,settings:Settings" {
			t.Fatalf("notifications %q, %v", got, err)
		}
	})
}
