package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/queue"
)

func demoCmd(ctx context.Context, args []string, e env) error {
	fs, load := flags("demo", e)
	asJSON := fs.Bool("json", false, "print the logins and URLs as one JSON object")
	followers := fs.Int("followers", 0, "add this many followers on --channel to @"+demo.TransitHandle+" (for benchmarks)")
	channel := fs.String("channel", models.ChannelWebhook, "the channel of the --followers: webhook, sms (numbers +85260100001 on) or email (reader1@bench.invalid on)")
	webhookURL := fs.String("webhook-url", "", "send @"+demo.TransitHandle+"'s webhook channel to this URL")
	smsURL := fs.String("sms-url", demo.DefaultSMSURL, "the SMS provider @"+demo.TransitHandle+" sends through (`plaza smssink` listens there)")
	pushURL := fs.String("push-url", demo.DefaultPushURL, "the push service of @"+demo.TransitHandle+"'s browser followers (`plaza pushsink` listens there)")
	cfg, err := parseOnly(fs, args, load)
	if err != nil {
		return err
	}
	if *followers < 0 || *followers > 50_000_000 {
		return usageError{fmt.Errorf("--followers %d: want 0 to 50000000", *followers)}
	}
	switch *channel {
	case models.ChannelWebhook, models.ChannelEmail:
	case models.ChannelSMS:
		if *followers > demo.MaxSMSFollowers {
			return usageError{fmt.Errorf("--followers %d: at most %d SMS followers", *followers, demo.MaxSMSFollowers)}
		}
	default:
		return usageError{fmt.Errorf("--channel %q: want webhook, sms or email", *channel)}
	}
	for name, u := range map[string]string{"--sms-url": *smsURL, "--push-url": *pushURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return usageError{fmt.Errorf("%s %q: want an http(s) URL", name, u)}
		}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return err
	}
	box, err := app.SecretBox(ctx, cfg, account.New(models.NewStore(db, nil).Core, nil), nil)
	if err != nil {
		return err
	}
	d := app.Open(db, inserter, box)
	res, err := demo.Seed(ctx, demo.Services{
		Store: d.Store, Orgs: d.Orgs, Accounts: d.Accounts, FollowCodes: d.FollowCodes, Notices: d.Notices,
		Followers: d.Followers, Projects: d.Projects, Channels: d.Channels, GTFS: d.GTFS, Districts: d.Districts, Media: d.Media,
		Broadcasts: broadcast.NewService(d.Store, nil),
	}, cfg.BaseURL, demo.Options{Followers: *followers, Channel: *channel,
		WebhookURL: *webhookURL, SMSURL: *smsURL, PushURL: *pushURL})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(e.stdout, "The demo is ready in the %s database: open %s (a running Plaza shows it at once;\n"+
		"otherwise start Plaza with `go run ./cmd/plaza --timezone Asia/Hong_Kong`).\n\n", db.Dialect, res.URLs["home"])
	fmt.Fprintln(e.stdout, "Sign in at", res.URLs["login"], "with any of these (passwords are new on every run):")
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nEMAIL\tPASSWORD\tROLE\tORGANIZATION")
	for _, u := range res.Users {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Email, u.Password, u.Role, u.Organization)
	}
	w.Flush()
	fmt.Fprintln(e.stdout, "\nOfficial accounts (follow page, followers):")
	for _, a := range res.Accounts {
		fmt.Fprintf(e.stdout, "  %-20s %s  (%s, %d followers)\n", "@"+a.Handle, a.URL, a.FollowURL, a.Followers)
	}
	if res.Generated > 0 {
		fmt.Fprintf(e.stdout, "\nAdded %d %s followers to @%s.\n", res.Generated, *channel, demo.TransitHandle)
	}
	if c := res.Chat; c != nil {
		fmt.Fprintf(e.stdout, "\nChat channels of @%s (README.md, \"The chat bridge\", shows how to post to them with curl):\n", c.Account)
		fmt.Fprintf(e.stdout, "  webhook   %s\n            secret %s (sends to %s)\n", c.Webhook.URL, c.Webhook.Secret, res.Webhook.URL)
		fmt.Fprintf(e.stdout, "  wechat    %s\n            AppID %s  Token %s  EncodingAESKey %s\n", c.WeChat.URL, c.WeChat.AppID, c.WeChat.Token, c.WeChat.EncodingAESKey)
		fmt.Fprintf(e.stdout, "  telegram  %s\n            X-Telegram-Bot-Api-Secret-Token: %s\n", c.Telegram.URL, c.Telegram.SecretToken)
		fmt.Fprintln(e.stdout, "  The WeChat and Telegram credentials are made up: messages in work, messages out need real ones (studio → Chat channels).")
		fmt.Fprintln(e.stdout, "  Running the demo again makes new secrets (these, the SMS token and the webhook secret): paste them again\n"+
			"  wherever you pasted them (a platform's console, a curl script).")
	}
	if m := res.SMS; m != nil {
		fmt.Fprintf(e.stdout, "\nSMS: @%s texts from %s through the provider at %s; %d SMS followers (%s).\n",
			m.Account, m.Number, m.ProviderURL, len(m.Followers), strings.Join(m.Followers, ", "))
		fmt.Fprintf(e.stdout, "  See the texts, and text %s by typing \"+85291230001 Is line 12 running?\":\n    %s\n", m.Number, m.Sink)
	}
	if p := res.WebPush; p != nil {
		fmt.Fprintf(e.stdout, "\nWeb Push: %d browser followers of @%s, subscribed at the push service %s.\n", len(p.Endpoints), p.Account, p.PushURL)
		fmt.Fprintf(e.stdout, "  See the notifications, decrypted: %s\n", p.Sink)
	}
	if res.OutboundAllow != "" {
		fmt.Fprintf(e.stdout, "  Plaza reaches these local services only when allowed: start it with PLAZA_OUTBOUND_ALLOW=%s.\n", res.OutboundAllow)
	}
	if len(res.Projects) > 0 {
		fmt.Fprintln(e.stdout, "\nProjects and consultations (citizens answer on the page of an open one):")
		for _, p := range res.Projects {
			fmt.Fprintf(e.stdout, "  %-20s %-40s %-14s %s\n", "@"+p.Account, p.Title, p.Status, p.URL)
		}
		fmt.Fprintf(e.stdout, "  %-20s %s\n", "every project", res.BaseURL+"/projects")
	}
	fmt.Fprintln(e.stdout, "\nFollow QR codes (open the link as if you had scanned the poster):")
	for _, c := range res.FollowCodes {
		fmt.Fprintf(e.stdout, "  %-20s %-32s %s\n", "@"+c.Account, c.Name, c.URL)
	}
	fmt.Fprintln(e.stdout, "\nMail to followers goes to the log unless PLAZA_SMTP_URL is set; `go run ./cmd/plaza mailsink`\n"+
		"runs a local SMTP server that prints it (then start Plaza with PLAZA_SMTP_URL=smtp://127.0.0.1:1025).")
	fmt.Fprintln(e.stdout, "\nMore to try:")
	for _, k := range []string{"directory", "alerts", "projects", "studio", "admin"} {
		fmt.Fprintf(e.stdout, "  %-20s %s\n", k, res.URLs[k])
	}
	return nil
}
