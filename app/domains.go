package app

import (
	"context"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/models/testchat"
	"github.com/plazahq/plaza/queue"
)

// Domains are the domain services, each built once on one store and
// handed to whoever needs it. Where two domains reach each other, the
// interface the one declares is met here by the other's service.
type Domains struct {
	Store       *models.Store
	Orgs        *org.Service
	Accounts    *account.Service
	Channels    *channel.Service
	Chats       *chat.Service
	Notices     *notice.Service
	Followers   *follower.Service
	Projects    *project.Service
	Media       *media.Service
	FollowCodes *followcode.Service
	APITokens   *apitoken.Service
	Districts   *district.Service
	// GTFS keeps each transit account's GTFS static routes and stops.
	GTFS *gtfs.Service
	// TestChats are the staff's own chats for "send me a test".
	TestChats *testchat.Service
}

// NewDomains builds every domain on store, whose limits must be set
// (Store.WithLimits): the followers' and projects' domains apply them.
// Jobs go on q; channel secrets are sealed with sealer.
func NewDomains(store *models.Store, q models.Enqueuer, sealer models.Sealer) *Domains {
	d := &Domains{Orgs: org.New(store.Core), FollowCodes: followcode.New(store.Core), Districts: district.New(store.Core)}
	// The channels read accounts by handle and the accounts turn on a new
	// account's e-mail channel: the channels get a reader that never
	// writes, and the accounts the channels.
	d.Channels = channel.New(store.Core, sealer, account.New(store.Core, nil))
	d.Accounts = account.New(store.Core, d.Channels)
	d.Chats = chat.New(store.Core, d.Accounts, d.Channels, d.Orgs)
	others := &reads{orgs: d.Orgs, accounts: d.Accounts}
	d.Media = media.New(store.Core, others)
	d.Projects = project.New(store.Core, d.Media, others, q, store.Limits(), d.Districts)
	others.Projects = d.Projects
	d.Store = store
	d.Followers = follower.New(store.Core, q, store.Limits(), others, d.Channels, d.FollowCodes, traces{d.Chats, d.Projects}, d.Districts)
	d.GTFS = gtfs.New(store.Core)
	d.Notices = notice.New(store.Core, broadcast.NewStarter(q, nil), d.Accounts, d.Districts, stopPlaces{d.GTFS}, d.Media)
	others.Notices = d.Notices
	d.APITokens = apitoken.New(store.Core, d.Orgs)
	d.TestChats = testchat.New(store.Core)
	return d
}

// Open builds the store and the domains for the commands other than
// serve (demo, the benches): the default limits, jobs on inserter,
// channel secrets sealed with sealer (nil: the command seals none).
func Open(db *database.DB, inserter *queue.Inserter, sealer models.Sealer) *Domains {
	return NewDomains(models.NewStore(db, nil).WithQueue(models.Jobs(inserter)), models.Jobs(inserter), sealer)
}

// reads is what the media, followers' and projects' domains read of
// others: accounts and avatars (the accounts' domain), memberships and
// users (orgs), projects and notices (media's questions of who may
// fetch a project's or a notice's file).
type reads struct {
	media.Projects
	media.Notices
	orgs     *org.Service
	accounts *account.Service
}

func (r *reads) AccountByHandle(ctx context.Context, handle string) (*models.PublicAccount, error) {
	return r.accounts.AccountByHandle(ctx, handle)
}

func (r *reads) AccountByID(ctx context.Context, id int64) (*models.Account, error) {
	return r.accounts.AccountByID(ctx, id)
}

func (r *reads) AccountsByID(ctx context.Context, ids []int64) (map[int64]*models.Account, error) {
	return r.accounts.AccountsByID(ctx, ids)
}

func (r *reads) PointAvatar(ctx context.Context, tx models.Core, a *models.Account, mediaID int64, publicID string) (int64, error) {
	return r.accounts.PointAvatar(ctx, tx, a, mediaID, publicID)
}

func (r *reads) AvatarInUse(ctx context.Context, mediaID int64) (bool, error) {
	return r.accounts.AvatarInUse(ctx, mediaID)
}

func (r *reads) MemberOf(ctx context.Context, u *models.User, orgID int64) (*models.Member, error) {
	return r.orgs.MemberOf(ctx, u, orgID)
}

func (r *reads) UserByID(ctx context.Context, id int64) (*models.User, error) {
	return r.orgs.UserByID(ctx, id)
}

// traces is what a follower's data request reaches in the chat and
// project domains (follower.Traces): what the person wrote to the
// account and answered to its projects, read for an export, and erased
// in the one transaction tx that deletes the follower.
type traces struct {
	chats    *chat.Service
	projects *project.Service
}

func (t traces) FollowerChats(ctx context.Context, f *models.Follower) ([]models.ChatMessageData, error) {
	return t.chats.FollowerMessages(ctx, f)
}

func (t traces) FollowerAnswers(ctx context.Context, f *models.Follower) ([]models.AnswerData, error) {
	return t.projects.FollowerAnswers(ctx, f)
}

func (t traces) EraseTraces(ctx context.Context, tx models.Core, f *models.Follower) (messages, answers int64, err error) {
	if messages, err = t.chats.EraseFollowerMessages(ctx, tx, f); err != nil {
		return 0, 0, err
	}
	if answers, err = t.projects.AnonymizeFollowerAnswers(ctx, tx, f); err != nil {
		return 0, 0, err
	}
	return messages, answers, nil
}

// stopPlaces gives the notices' domain the places of an account's stops
// from its GTFS timetable: a circle of area.StopRadiusM around each, for
// a transit notice whose area is its affected stops.
type stopPlaces struct{ gtfs *gtfs.Service }

func (p stopPlaces) StopPlaces(ctx context.Context, accountID int64, ids []string) ([]area.Circle, error) {
	stops, err := p.gtfs.StopsByID(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]area.Circle, 0, len(stops))
	for _, s := range stops {
		out = append(out, area.Circle{Lat: s.Lat, Lon: s.Lon, RadiusM: area.StopRadiusM, Label: s.ID})
	}
	return out, nil
}
