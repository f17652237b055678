// Package demo fills a database with a believable Plaza: a transit
// authority, a safety office, an NGO and a neighbourhood business, with
// staff of every role and their official accounts. Running it again
// refreshes the passwords and adds whatever is missing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/models/project"
)

// Result is what a person or a script needs to try the demo.
type Result struct {
	BaseURL       string            `json:"base_url"`
	Users         []User            `json:"users"`
	Organizations []Organization    `json:"organizations"`
	Accounts      []Account         `json:"accounts"`
	FollowCodes   []FollowCode      `json:"follow_codes"`
	URLs          map[string]string `json:"urls"`
	Projects      []Project         `json:"projects"`
	// Generated is how many extra followers Options.Followers added.
	Generated int64 `json:"generated_followers,omitempty"`
	// Webhook is the transit account's webhook: where it sends (the URL
	// Options.WebhookURL gave, or a placeholder) and its secret.
	Webhook *Webhook `json:"webhook,omitempty"`
	// Chat is every chat channel of the transit account, with what a
	// person needs to post to it (with curl, as the platform would).
	Chat *Chat `json:"chat,omitempty"`
	// SMS is the transit account's SMS channel on the local provider
	// (`plaza smssink`), and its SMS followers.
	SMS *SMS `json:"sms,omitempty"`
	// WebPush is the transit account's browser followers, subscribed at
	// the local push service (`plaza pushsink`).
	WebPush *WebPush `json:"webpush,omitempty"`
	// OutboundAllow is what PLAZA_OUTBOUND_ALLOW must allow for Plaza to
	// reach the local sinks (it refuses loopback otherwise).
	OutboundAllow string `json:"outbound_allow,omitempty"`
}

// SMS is the transit account's SMS channel.
type SMS struct {
	Account string `json:"account"`
	// Number is the account's SMS number: followers text it, and its
	// messages come from it.
	Number string `json:"number"`
	// ProviderURL is the provider's base URL the channel sends to: the
	// SMS sink's address.
	ProviderURL string `json:"provider_url"`
	AccountSID  string `json:"account_sid"`
	// AuthToken signs the provider's calls to Plaza (texts in, receipts).
	AuthToken string `json:"auth_token"`
	// InboundURL is where the provider posts the texts people send to
	// Number.
	InboundURL string `json:"inbound_url"`
	// Sink is the command that runs the provider; lines typed into it
	// are texts to Number.
	Sink string `json:"sink"`
	// Followers are the demo's SMS followers' numbers.
	Followers []string `json:"followers"`
}

// WebPush is the transit account's browser followers.
type WebPush struct {
	Account string `json:"account"`
	// PushURL is the push service their subscriptions' endpoints are on.
	PushURL string `json:"push_url"`
	// Endpoints are their subscriptions' endpoints.
	Endpoints []string `json:"endpoints"`
	// Sink is the command that runs the push service.
	Sink string `json:"sink"`
}

// Chat is the transit account's chat channels.
type Chat struct {
	Account string `json:"account"`
	// Webhook is the generic webhook's inbound URL; sign with
	// Result.Webhook.Secret.
	Webhook struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	} `json:"webhook"`
	WeChat struct {
		URL            string `json:"url"`
		AppID          string `json:"app_id"`
		Token          string `json:"token"`
		EncodingAESKey string `json:"encoding_aes_key"`
	} `json:"wechat"`
	Telegram struct {
		URL string `json:"url"`
		// SecretToken goes in the X-Telegram-Bot-Api-Secret-Token header.
		SecretToken string `json:"secret_token"`
	} `json:"telegram"`
}

// noReceiver is where the demo's webhook sends when no receiver was given:
// the discard port, so sends fail at once with a clear reason.
const noReceiver = "http://127.0.0.1:9/no-receiver"

// Project is a demo project with its public page.
type Project struct {
	ID      int64  `json:"id"`
	Account string `json:"account"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	URL     string `json:"url"`
}

// Options add load to the demo, for benchmarks, and say where its local
// services are.
type Options struct {
	// Followers adds this many followers on Channel to the transit
	// account.
	Followers int
	// Channel is the generated followers' channel: webhook (the default),
	// sms or email.
	Channel string
	// WebhookURL points the transit account's webhook channel here.
	WebhookURL string
	// SMSURL is the SMS provider's base URL (DefaultSMSURL when empty).
	SMSURL string
	// PushURL is the push service of the demo's browser followers
	// (DefaultPushURL when empty).
	PushURL string
}

// Where `plaza smssink` and `plaza pushsink` listen by default.
const (
	DefaultSMSURL  = "http://127.0.0.1:1026"
	DefaultPushURL = "http://127.0.0.1:1027"
)

// MaxSMSFollowers is how many SMS followers Options.Followers can add:
// the numbers +85260100001 to +85265999999, all valid Hong Kong mobile
// numbers.
const MaxSMSFollowers = 5_899_999

// Webhook is an account's webhook channel: where it posts, and the secret
// that signs each request.
type Webhook struct {
	Account string `json:"account"`
	URL     string `json:"url"`
	Secret  string `json:"secret"`
}

// TransitHandle is the demo account that generated followers follow.
const TransitHandle = "citytransit"

// User is a demo login.
type User struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	Role         string `json:"role"`
	Organization string `json:"organization,omitempty"`
	Admin        bool   `json:"admin"`
}

// Organization is a demo organization with its studio address.
type Organization struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Verified  bool   `json:"verified"`
	StudioURL string `json:"studio_url"`
}

// Account is a demo official account with its public page.
type Account struct {
	Handle       string `json:"handle"`
	Name         string `json:"name"`
	Organization string `json:"organization"`
	URL          string `json:"url"`
	FollowURL    string `json:"follow_url"`
	// Followers counts the seeded followers on every channel, not those
	// Options.Followers added.
	Followers int `json:"followers"`
}

// FollowCode is a demo follow QR code: its short link and studio page.
type FollowCode struct {
	Account   string `json:"account"`
	Name      string `json:"name"`
	Scene     string `json:"scene"`
	URL       string `json:"url"`
	StudioURL string `json:"studio_url"`
}

type orgSpec struct {
	name     string
	kind     models.OrgKind
	verified bool
	staff    []staffSpec
	accounts []models.AccountInput
	// code is the scene of the account's follow QR code; followers is how
	// many people follow it.
	code      followcode.FollowCodeInput
	followers int
	// districts gives the organization the city's districts and spreads
	// its followers over them.
	districts bool
}

type staffSpec struct {
	email, name string
	role        models.Role
}

func specs() []orgSpec {
	return []orgSpec{
		{
			name: "City Transit Authority", kind: models.KindAgency, verified: true,
			staff: []staffSpec{
				{"owner@transit.demo.plaza.test", "Mei Chen", models.RoleOwner},
				{"editor@transit.demo.plaza.test", "Tom Okafor", models.RoleEditor},
				{"moderator@transit.demo.plaza.test", "Li Wei", models.RoleModerator},
				{"viewer@transit.demo.plaza.test", "Ana Souza", models.RoleViewer},
			},
			accounts: []models.AccountInput{{
				Handle: "citytransit", Category: "transit", Languages: []string{"en", "zh-Hans", "zh-Hant", "es"}, DefaultLang: "en",
				Texts: accountTexts(
					"en", "City Transit", "Service changes, diversions and planned works on every bus and tram line in the city.",
					"zh-Hans", "城市公交", "全市公交和电车线路的服务变更、绕行及计划施工信息。",
					"zh-Hant", "城市公車", "全市公車及電車路線的服務變更、改道及計畫施工資訊。",
					"es", "Transporte Urbano", "Cambios de servicio, desvíos y obras programadas en todas las líneas de autobús y tranvía de la ciudad.",
				), Topics: "line-12,line-7,line-3,district-north,district-south",
			}},
			code: followcode.FollowCodeInput{Name: "Bus stop 1042, Harbour Road", Scene: "stop-1042"}, followers: 40, districts: true,
		},
		{
			name: "City Safety Office", kind: models.KindAgency, verified: true,
			staff: []staffSpec{
				{"owner@safety.demo.plaza.test", "Grace Lam", models.RoleOwner},
				{"editor@safety.demo.plaza.test", "Omar Haddad", models.RoleEditor},
			},
			accounts: []models.AccountInput{{
				Handle: "citysafety", Category: "safety", Languages: []string{"en", "zh-Hans", "ar"}, DefaultLang: "en",
				Texts: accountTexts(
					"en", "City Safety Office", "Typhoon, flood and heat warnings, and what to do when they come.",
					"zh-Hans", "城市安全办公室", "台风、洪水和高温预警，以及应对指引。",
					"ar", "مكتب السلامة في المدينة", "تحذيرات الأعاصير والفيضانات والحر، وما يجب فعله عند حدوثها.",
				), Topics: "typhoon,flood,heat,district-north,district-south",
			}},
			code: followcode.FollowCodeInput{Name: "Spring safety campaign poster", Scene: "poster-spring-campaign"}, followers: 25, districts: true,
		},
		{
			name: "Harbour Food Bank", kind: models.KindNGO, verified: true,
			staff: []staffSpec{
				{"owner@foodbank.demo.plaza.test", "Priya Nair", models.RoleOwner},
				{"moderator@foodbank.demo.plaza.test", "Sam Wong", models.RoleModerator},
			},
			accounts: []models.AccountInput{{
				Handle: "harbourfoodbank", Category: "charity", Languages: []string{"en", "zh-Hans"}, DefaultLang: "en",
				Texts: accountTexts(
					"en", "Harbour Food Bank", "Updates for our donors, volunteers and partner kitchens.",
					"zh-Hans", "海港食物银行", "为捐助者、志愿者和合作厨房提供最新消息。",
				), Topics: "donor,volunteer,partner",
			}},
			code: followcode.FollowCodeInput{Name: "Donation box flyer", Scene: "flyer-donation-box"}, followers: 15,
		},
		{
			name: "Lee's Fruit Stand", kind: models.KindBusiness, verified: false,
			staff: []staffSpec{
				{"owner@fruit.demo.plaza.test", "Mr Lee", models.RoleOwner},
			},
			accounts: []models.AccountInput{{
				Handle: "leesfruit", Category: "business", Languages: []string{"en", "zh-Hans"}, DefaultLang: "en",
				Texts: accountTexts(
					"en", "Lee's Fruit Stand", "Fresh fruit on Market Street since 1988. Follow us for the day's specials.",
					"zh-Hans", "李记水果", "1988年起扎根市场街的新鲜水果摊。关注我们，获取每日特价。",
				),
			}},
			code: followcode.FollowCodeInput{Name: "Counter sign", Scene: "counter"}, followers: 5,
		},
	}
}

// triples builds translations from (language, text, text) triples into
// the two fields named.
func triples(first, second string, v []string) models.Translations {
	out := models.Translations{}
	for i := 0; i+2 < len(v); i += 3 {
		out.Set(v[i], first, v[i+1])
		out.Set(v[i], second, v[i+2])
	}
	return out
}

// accountTexts are an account's name and bio per language.
func accountTexts(v ...string) models.Translations { return triples("name", "bio", v) }

// noticeTexts are a notice's title and body per language.
func noticeTexts(v ...string) models.Translations { return triples("title", "body", v) }

// AdminEmail is the demo's platform admin.
const AdminEmail = "admin@demo.plaza.test"

// Services are the domains the demo writes through, built as the app
// builds them.
type Services struct {
	Store       *models.Store
	Orgs        *org.Service
	Accounts    *account.Service
	FollowCodes *followcode.Service
	Notices     *notice.Service
	Followers   *follower.Service
	Projects    *project.Service
	Channels    *channel.Service
	// GTFS keeps the transit authority's GTFS static feed (nil: none).
	GTFS *gtfs.Service
	// Districts keeps the city agencies' districts.
	Districts *district.Service
	// Broadcasts dates the demo notices' broadcasts and deliveries back
	// to when the notices went out (nil: they stay pending, for the
	// workers to send now).
	Broadcasts *broadcast.Service
	// Media stores the accounts' avatars and the projects' pictures (nil:
	// none, and the pages show their placeholders).
	Media *media.Service
}

// Seed creates (or refreshes) the demo and returns its logins and URLs.
func Seed(ctx context.Context, s Services, baseURL string, opts Options) (*Result, error) {
	store, orgs, accounts, codes, followers, projects, chans := s.Store, s.Orgs, s.Accounts, s.FollowCodes, s.Followers, s.Projects, s.Channels
	res := &Result{BaseURL: baseURL, URLs: map[string]string{
		"home": baseURL + "/", "directory": baseURL + "/accounts", "login": baseURL + "/login",
		"studio": baseURL + "/studio", "admin": baseURL + "/admin",
		"alerts": baseURL + "/alerts", "projects": baseURL + "/projects",
	}}
	admin, pw, err := ensureUser(ctx, orgs, AdminEmail, "Platform Admin", true)
	if err != nil {
		return nil, err
	}
	res.Users = append(res.Users, User{Email: admin.Email, Password: pw, Role: "platform admin", Admin: true})

	for _, spec := range specs() {
		org, err := ensureOrg(ctx, orgs, admin, spec)
		if err != nil {
			return nil, err
		}
		res.Organizations = append(res.Organizations, Organization{
			ID: org.ID, Name: org.Name, Kind: string(org.Kind), Verified: org.Verified(),
			StudioURL: fmt.Sprintf("%s/studio/orgs/%d", baseURL, org.ID),
		})
		var owner *models.Member
		for _, st := range spec.staff {
			u, pw, err := ensureUser(ctx, orgs, st.email, st.name, false)
			if err != nil {
				return nil, err
			}
			if err := ensureMember(ctx, orgs, admin, org, u, st.role); err != nil {
				return nil, err
			}
			res.Users = append(res.Users, User{Email: u.Email, Password: pw, Role: string(st.role), Organization: org.Name})
			if st.role == models.RoleOwner && owner == nil {
				owner = &models.Member{User: u, Org: org, Role: models.RoleOwner}
			}
		}
		for _, in := range spec.accounts {
			a, err := ensureAccount(ctx, accounts, owner, in)
			if err != nil {
				return nil, err
			}
			if s.Media != nil && a.AvatarMediaID == nil {
				if err := s.Media.SetAvatar(ctx, owner, a, avatarPNG(a.Category)); err != nil {
					return nil, fmt.Errorf("demo avatar of @%s: %w", a.Handle, err)
				}
			}
			code, err := ensureCode(ctx, codes, owner, a, spec.code)
			if err != nil {
				return nil, err
			}
			if err := ensureFollowers(ctx, store.Now(), followers, a, code, spec.followers); err != nil {
				return nil, err
			}
			// The transit account's riders also follow in the chat apps
			// (not in a load test, which measures its own followers).
			chatCount := 0
			if a.Handle == TransitHandle && opts.Followers == 0 {
				if chatCount, err = ensureChatFollowers(ctx, store.Now(), followers, a, code); err != nil {
					return nil, err
				}
			}
			// Every other demo follower came through the code, and about
			// as many more people scanned it without following: the
			// code's page shows a conversion a poster could have.
			if err := codes.EnsureScans(ctx, code, 2*((spec.followers+1)/2+chatCount)+1, followPeriod, []string{"phone", "phone", "tablet", "desktop", "wechat", "phone", "telegram"}); err != nil {
				return nil, err
			}
			// The city's accounts offer browser notifications (an account's
			// switch, off until turned on).
			if a.Handle == TransitHandle || a.Handle == "citysafety" {
				on, err := chans.ChannelEnabled(ctx, a.ID, models.ChannelWebPush)
				if err != nil {
					return nil, err
				}
				if !on {
					if err := chans.SetChannel(ctx, owner, a, models.ChannelWebPush, true); err != nil {
						return nil, err
					}
				}
			}
			var districtIDs map[string]int64
			if spec.districts && s.Districts != nil {
				if districtIDs, err = ensureDistricts(ctx, s.Districts, owner); err != nil {
					return nil, err
				}
				if err := placeFollowers(ctx, followers, a, districtIDs); err != nil {
					return nil, err
				}
			}
			if a.Handle == TransitHandle {
				if err := ensureGTFS(ctx, s.GTFS, owner, a); err != nil {
					return nil, err
				}
				if err := scale(ctx, store, followers, projects, chans, owner, a, opts, res); err != nil {
					return nil, err
				}
			}
			// A load-test demo keeps its broadcasts to the ones it measures.
			if opts.Followers == 0 {
				if err := ensureNotices(ctx, s, owner, a, districtIDs); err != nil {
					return nil, err
				}
			}
			projects, err := ensureProjects(ctx, store, projects, s.Media, owner, a)
			if err != nil {
				return nil, err
			}
			for _, p := range projects {
				res.Projects = append(res.Projects, Project{ID: p.ID, Account: a.Handle, Title: p.Title(p.DefaultLang), Status: p.Status,
					URL: fmt.Sprintf("%s/@%s/projects/%d", baseURL, a.Handle, p.ID)})
			}
			count := spec.followers + chatCount
			if a.Handle == TransitHandle && res.SMS != nil && res.WebPush != nil {
				count += len(res.SMS.Followers) + len(res.WebPush.Endpoints)
			}
			res.Accounts = append(res.Accounts, Account{Handle: a.Handle, Name: a.Name, Organization: org.Name,
				URL: baseURL + "/@" + a.Handle, FollowURL: baseURL + "/@" + a.Handle + "/follow", Followers: count})
			res.FollowCodes = append(res.FollowCodes, FollowCode{Account: a.Handle, Name: code.Name, Scene: code.Scene,
				URL:       baseURL + "/q/" + code.Code,
				StudioURL: fmt.Sprintf("%s/studio/orgs/%d/accounts/%s/codes/%d", baseURL, org.ID, a.Handle, code.ID)})
		}
	}
	return res, nil
}

// ensureUser creates the user or gives an existing one a fresh password,
// so the printed logins always work.
func ensureUser(ctx context.Context, orgs *org.Service, email, name string, admin bool) (*models.User, string, error) {
	pw := auth.GeneratePassword()
	u, err := orgs.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		u, err = orgs.CreateUser(ctx, org.NewUser{Email: email, Name: name, Password: pw, IsAdmin: admin})
		if err != nil {
			return nil, "", fmt.Errorf("demo user %s: %w", email, err)
		}
		return u, pw, nil
	}
	if err != nil {
		return nil, "", err
	}
	if err := orgs.SetPassword(ctx, u.ID, pw); err != nil {
		return nil, "", err
	}
	return u, pw, nil
}

func ensureOrg(ctx context.Context, orgs *org.Service, admin *models.User, spec orgSpec) (*models.Organization, error) {
	found, _, err := orgs.ListOrganizations(ctx, spec.name, models.Page{Number: 1, Size: 200})
	if err != nil {
		return nil, err
	}
	for _, o := range found {
		if o.Name == spec.name {
			org := o.Organization
			return &org, nil
		}
	}
	org, err := orgs.CreateOrganization(ctx, admin, org.Input{Name: spec.name, Kind: spec.kind})
	if err != nil {
		return nil, fmt.Errorf("demo organization %s: %w", spec.name, err)
	}
	if spec.verified {
		if err := orgs.SetVerified(ctx, admin, org.ID, true); err != nil {
			return nil, err
		}
		return orgs.OrganizationByID(ctx, org.ID)
	}
	return org, nil
}

// ensureMember goes through the real invite path, so the demo exercises
// what staff do.
func ensureMember(ctx context.Context, orgs *org.Service, admin *models.User, org *models.Organization, u *models.User, role models.Role) error {
	if m, err := orgs.MemberOf(ctx, u, org.ID); err == nil {
		if m.Role == role {
			return nil
		}
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	_, token, err := orgs.CreateInvite(ctx, admin, org.ID, u.Email, role)
	if err != nil {
		return err
	}
	_, _, err = orgs.AcceptInvite(ctx, token, u, nil)
	return err
}

func ensureAccount(ctx context.Context, accounts *account.Service, owner *models.Member, in models.AccountInput) (*models.Account, error) {
	a, err := accounts.OrgAccount(ctx, owner, in.Handle)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	a, err = accounts.CreateAccount(ctx, owner, in)
	if err != nil {
		return nil, fmt.Errorf("demo account @%s: %w", in.Handle, err)
	}
	return a, nil
}

func ensureCode(ctx context.Context, codes *followcode.Service, owner *models.Member, a *models.Account, in followcode.FollowCodeInput) (*followcode.FollowCode, error) {
	c, err := codes.FollowCodeByScene(ctx, a.ID, in.Scene)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	return codes.CreateFollowCode(ctx, owner, a, in)
}

// demoNotices are the notices the demo publishes, by account; districts
// are the organization's by code (none: the notices have no area).
func demoNotices(handle string, districts map[string]int64) []notice.Input {
	later := time.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	switch handle {
	case TransitHandle:
		return []notice.Input{{
			Kind: models.NoticeTransit,
			Translations: noticeTexts(
				"en", "Line 12 diverted at Harbour Road", "Because of **road works**, line 12 buses run via Bridge Street between Harbour Road and the Ferry Pier.\n\n- Stop 1042 (Harbour Road) is closed\n- Use the temporary stop on Bridge Street",
				"zh-Hans", "12 路在海港路改道", "因**道路施工**，12 路公交车在海港路至渡轮码头之间改经桥街行驶。\n\n- 1042 号站（海港路）暂停使用\n- 请在桥街临时站上下车",
				"zh-Hant", "12 號線在海港路改道", "因**道路施工**，12 號公車在海港路至渡輪碼頭之間改經橋街行駛。\n\n- 1042 號站（海港路）暫停使用\n- 請在橋街臨時站上下車",
				"es", "La línea 12 se desvía en Harbour Road", "Por **obras en la calzada**, los autobuses de la línea 12 circulan por Bridge Street entre Harbour Road y el muelle del ferry.\n\n- La parada 1042 (Harbour Road) está cerrada\n- Use la parada provisional de Bridge Street",
			),
			// Its area is the closed stops, 300 m around each, from the
			// timetable; everyone gets it, with the area shown.
			Routes: "12", Stops: "1042, 1043", Cause: "CONSTRUCTION", Effect: "DETOUR", ExpiresAt: &later, Tags: []string{"line-12"},
			AreaFromStops: len(districts) > 0,
		}}
	case "citysafety":
		return []notice.Input{{
			Kind: models.NoticeSafety,
			Translations: noticeTexts(
				"en", "Heat warning: very hot weather this week", "Temperatures will reach 36 °C. Drink water, avoid the midday sun and check on older neighbours.",
				"zh-Hans", "高温预警：本周天气酷热", "气温将达 36 °C。请多喝水，避免正午日晒，并关心年长的邻居。",
				"ar", "تحذير من الحر: طقس شديد الحرارة هذا الأسبوع", "ستصل درجات الحرارة إلى 36 °C. اشربوا الماء، وتجنبوا شمس الظهيرة، واطمئنوا على جيرانكم من كبار السن. خط الحافلات 12 يعمل كالمعتاد.",
			).With("en", "instruction", "Drink water often, stay out of the sun between 11:00 and 16:00, and call on older neighbours once a day. Every library is open as a cool room.").
				With("zh-Hans", "instruction", "请多喝水，11:00至16:00避免外出日晒，每天探望年长的邻居一次。各公共图书馆开放为纳凉处。").
				With("ar", "instruction", "اشربوا الماء كثيرًا، وابتعدوا عن الشمس بين 11:00 و16:00، وزوروا جيرانكم من كبار السن مرة كل يوم. كل المكتبات مفتوحة أماكنَ للتبريد."),
			ResponseTypes: []string{"Avoid", "Monitor"},
			CapCategory:   "Met", CapEvent: "Heat wave", Urgency: "Expected", Severity: "Moderate", Certainty: "Likely",
			AreaDesc: "Whole city", ExpiresAt: &later,
		}, floodWarning(districts, later)}
	}
	return nil
}

// noticeHistory is when a demo notice went out, relative to the demo's
// now: the transit detour twelve days ago and its update four days ago,
// the heat warning two days ago, and the flood warning three weeks ago,
// over the next morning. Like the follows, the notices have a past.
func noticeHistory(now time.Time, handle string, i int) (published, updated time.Time, expired *time.Time) {
	now = now.Truncate(time.Hour)
	switch {
	case handle == TransitHandle:
		return now.Add(-12*24*time.Hour - 3*time.Hour), now.Add(-4*24*time.Hour - 5*time.Hour), nil
	case i == 0:
		return now.Add(-2*24*time.Hour - 6*time.Hour), time.Time{}, nil
	default:
		published = now.Add(-23*24*time.Hour - 2*time.Hour)
		over := published.Add(15 * time.Hour)
		return published, time.Time{}, &over
	}
}

// datedBroadcast is a demo broadcast and when it went out.
type datedBroadcast struct {
	b  *models.Broadcast
	at time.Time
}

// ensureNotices publishes the demo notices of an account that has none
// yet; the service needs a broadcaster with a queue, as publishing
// enqueues the broadcast. With s.Broadcasts, each notice and its
// broadcasts are then dated to when they went out (noticeHistory).
func ensureNotices(ctx context.Context, s Services, owner *models.Member, a *models.Account, districts map[string]int64) error {
	notices := s.Notices
	list, total, err := notices.OrgNotices(ctx, owner, a, notice.Filter{}, models.Page{Number: 1})
	if err != nil || total > 0 || len(list) > 0 {
		return err
	}
	for i, in := range demoNotices(a.Handle, districts) {
		n, err := notices.CreateNotice(ctx, owner, a, in)
		if err != nil {
			return fmt.Errorf("demo notice: %w", err)
		}
		_, b, err := notices.PublishNotice(ctx, owner, a, n.ID, in)
		if err != nil {
			return fmt.Errorf("publish demo notice: %w", err)
		}
		published, updated, expired := noticeHistory(s.Store.Now(), a.Handle, i)
		sent := []datedBroadcast{{b, published}}
		h := notice.History{Published: published, Changed: published, Expired: expired}
		if up, ok := demoUpdate(a.Handle, in); ok {
			_, ub, err := notices.UpdateNotice(ctx, owner, a, n.ID, up)
			if err != nil {
				return fmt.Errorf("update demo notice: %w", err)
			}
			sent = append(sent, datedBroadcast{ub, updated})
			h.Changed = updated
		}
		if s.Broadcasts == nil {
			continue
		}
		var targets broadcast.Targets
		if s.Districts != nil {
			targets = s.Districts
		}
		for _, x := range sent {
			if err := s.Broadcasts.SeedSent(ctx, x.b.ID, x.at, targets); err != nil {
				return fmt.Errorf("date demo broadcast: %w", err)
			}
		}
		if err := notices.SeedHistory(ctx, n.ID, h); err != nil {
			return fmt.Errorf("date demo notice: %w", err)
		}
	}
	return nil
}

// demoUpdate is the update the transit detour gets once published (one
// of its stops reopens), so the demo has a notice marked as updated and
// an update broadcast, as a real diversion would.
func demoUpdate(handle string, in notice.Input) (notice.Input, bool) {
	if handle != TransitHandle || in.Kind != models.NoticeTransit {
		return in, false
	}
	in.Stops = "1042"
	in.Translations = noticeTexts(
		"en", "Line 12 diverted at Harbour Road", "**Update:** stop 1043 is open again.\n\nBecause of **road works**, line 12 buses run via Bridge Street between Harbour Road and the Ferry Pier.\n\n- Stop 1042 (Harbour Road) is closed\n- Use the temporary stop on Bridge Street",
		"zh-Hans", "12 路在海港路改道", "**更新：**1043 号站已恢复使用。\n\n因**道路施工**，12 路公交车在海港路至渡轮码头之间改经桥街行驶。\n\n- 1042 号站（海港路）暂停使用\n- 请在桥街临时站上下车",
		"zh-Hant", "12 號線在海港路改道", "**更新：**1043 號站已恢復使用。\n\n因**道路施工**，12 號公車在海港路至渡輪碼頭之間改經橋街行駛。\n\n- 1042 號站（海港路）暫停使用\n- 請在橋街臨時站上下車",
		"es", "La línea 12 se desvía en Harbour Road", "**Actualización:** la parada 1043 vuelve a estar abierta.\n\nPor **obras en la calzada**, los autobuses de la línea 12 circulan por Bridge Street entre Harbour Road y el muelle del ferry.\n\n- La parada 1042 (Harbour Road) está cerrada\n- Use la parada provisional de Bridge Street",
	)
	return in, true
}

// ensureProjects gives the transit account an open consultation (with a
// question, districts and a few answers, one of them answered officially)
// and a decided project, unless it has projects already.
func ensureProjects(ctx context.Context, store *models.Store, projects *project.Service, files *media.Service, owner *models.Member, a *models.Account) ([]models.ProjectSummary, error) {
	if a.Handle != TransitHandle {
		return nil, nil
	}
	list, total, err := projects.OrgProjects(ctx, owner, a, models.Page{Number: 1})
	if err != nil || total > 0 {
		return list, err
	}
	closes := store.Now().Add(21 * 24 * time.Hour).Truncate(time.Hour)
	lat, lng := 22.2855, 114.1577
	budget := int64(48000000)
	open, err := projects.CreateProject(ctx, owner, a, project.Input{
		DefaultLang: "en",
		Translations: models.Translations{
			"en": {"title": "A bus lane on Harbour Road",
				"summary": "A lane for buses only between Pier 7 and the Central terminus, from 7 to 10 am and 5 to 8 pm.",
				"body": "## Why\n\nBuses on Harbour Road are slowest in the rush hours: line 12 takes 25 minutes for 2 km.\n\n" +
					"## What changes\n\n- one lane in each direction for buses, taxis and bicycles\n- loading bays move to side streets\n"},
			"zh-Hans": {"title": "海港路公交专用道",
				"summary": "在七号码头至中环总站之间设立公交专用道，每天早上 7 点至 10 点、傍晚 5 点至 8 点实施。",
				"body":    "## 原因\n\n海港路在高峰时段最为拥堵，12 路公交车行驶 2 公里需要 25 分钟。\n\n## 变更内容\n\n- 每个方向设一条公交车、出租车和自行车专用车道\n- 装卸货区移至支路\n"},
		},
		Address: "Harbour Road, Pier 7 to Central terminus", Latitude: &lat, Longitude: &lng,
		Budget: &budget, BudgetCurrency: "HKD", Districts: "Central\nWan Chai\nNorth Point", Public: true, ClosesAt: &closes,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("demo project: %w", err)
	}
	if files != nil {
		if _, err := files.AddProjectFile(ctx, owner, a, open.ID, "The bus lane on Harbour Road, seen from above", "harbour-road-bus-lane.png", busLanePNG()); err != nil {
			return nil, fmt.Errorf("demo project picture: %w", err)
		}
	}
	if _, err := projects.AddProjectQuestion(ctx, owner, a, open.ID, models.QuestionInput{Kind: models.QuestionSingle,
		Translations: models.Translations{
			"en":      {"label": "How do you usually travel on Harbour Road?", "options": "Bus\nCar or taxi\nBicycle\nOn foot"},
			"zh-Hans": {"label": "您通常如何经过海港路？", "options": "公交车\n私家车或出租车\n自行车\n步行"},
		}}); err != nil {
		return nil, fmt.Errorf("demo question: %w", err)
	}
	if open, err = projects.SetProjectStatus(ctx, owner, a, open.ID, models.StatusChange{Status: models.ProjectConsultation,
		Notes: models.Translations{"en": {"note": "Consultation opens; tell us what you think."}, "zh-Hans": {"note": "公众咨询开始，欢迎提出意见。"}}}, nil); err != nil {
		return nil, fmt.Errorf("demo consultation: %w", err)
	}
	pp, err := projects.PublicProjectByID(ctx, a.Handle, open.ID)
	if err != nil {
		return nil, err
	}
	var first int64
	for i, fb := range []models.FeedbackInput{
		{Stance: models.StanceSupport, Comment: "My bus would finally be on time. Please do it.", Name: "Ka Yan", District: "Wan Chai", Lang: "en"},
		{Stance: models.StanceOppose, Comment: "我们的店需要在门口装卸货物。", District: "Central", Lang: "zh-Hans"},
		{Stance: models.StanceNeutral, Comment: "Fine, if cyclists can use it too.", District: "North Point", Lang: "en"},
		{Stance: models.StanceSupport, District: "Central", Lang: "en"},
	} {
		fb.Consent, fb.Answers = true, map[int64][]string{}
		sub, err := projects.SubmitFeedback(ctx, pp, fb)
		if err != nil {
			return nil, fmt.Errorf("demo feedback: %w", err)
		}
		if i == 0 {
			first = sub.Feedback.ID
		}
	}
	mod := &models.Member{User: owner.User, Org: owner.Org, Role: models.RoleOwner}
	if _, err := projects.RespondToFeedback(ctx, mod, a, open.ID, first,
		"Thank you. Lines 12 and 7 would save about 8 minutes each way in the morning.", true); err != nil {
		return nil, fmt.Errorf("demo response: %w", err)
	}
	done, err := projects.CreateProject(ctx, owner, a, project.Input{
		DefaultLang: "en",
		Translations: models.Translations{
			"en":      {"title": "Step-free access at Market Street stop", "summary": "Raised kerbs and a ramp so wheelchairs and prams board level."},
			"zh-Hans": {"title": "市场街车站无障碍通道", "summary": "加高路缘并设斜道，方便轮椅及婴儿车平稳上车。"},
		},
		Public: true,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("demo project: %w", err)
	}
	if _, err := projects.SetProjectStatus(ctx, owner, a, done.ID, models.StatusChange{Status: models.ProjectDecided,
		Notes: models.Translations{"en": {"note": "Approved after the spring consultation."}, "zh-Hans": {"note": "经春季公众咨询后获批。"}}}, nil); err != nil {
		return nil, fmt.Errorf("demo project status: %w", err)
	}
	list, _, err = projects.OrgProjects(ctx, owner, a, models.Page{Number: 1})
	return list, err
}
