// Command broadcast measures one notice going to many followers through
// the webhook channel (or the SMS channel, with -channel sms): it fills a
// fresh PostgreSQL database with `plaza demo --followers N`, starts a
// local sink (an HTTP receiver, or an SMS provider of the REST shape) and
// a real `plaza serve` process, publishes a notice, and reports the time
// to materialize the deliveries, the end-to-end rate, and the Plaza
// process's peak memory.
//
//	go run ./bench/broadcast -followers 1000000
//	go run ./bench/broadcast -followers 100000 -channel sms
//
// See bench/README.md for the latest figures.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/bridge/sms/smssink"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/mailer/smtpsink"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/queue"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast bench:", err)
		os.Exit(1)
	}
}

func run() error {
	followers := flag.Int("followers", 1_000_000, "followers to broadcast to")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server (the bench creates and drops its own database)")
	dbName := flag.String("db", "", "database to create (default: plaza_bench_ and a name of its own for each run)")
	workers := flag.Int("workers", 4, "PLAZA_SEND_WORKERS")
	batch := flag.Int("batch", 1000, "PLAZA_SEND_BATCH")
	delay := flag.Duration("delay", 0, "how long the receiver takes to answer each message")
	keep := flag.Bool("keep", false, "keep the database afterwards")
	channel := flag.String("channel", "webhook", "the followers' channel: webhook, sms or email")
	external := flag.String("sink", "", "send the webhooks to this URL, a counting receiver outside this program (go run ./bench/sink), instead of one inside it")
	asJSON := flag.Bool("json", false, "print the result as one JSON line last")
	flag.Parse()
	ctx := context.Background()
	if *channel != "webhook" && *channel != "sms" && *channel != "email" {
		return fmt.Errorf("-channel %q: want webhook, sms or email", *channel)
	}
	if *external != "" && *channel != "webhook" {
		return errors.New("-sink is for the webhook channel")
	}
	if *dbName == "" {
		// A name of its own, so that runs side by side or one left by a
		// killed run never meet.
		*dbName = fmt.Sprintf("plaza_bench_%d_%d", os.Getpid(), time.Now().Unix())
	}

	dir, err := os.MkdirTemp("", "plaza-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	step("building plaza")
	bin, err := benchutil.BuildPlaza(dir)
	if err != nil {
		return err
	}
	dbURL, drop, err := benchutil.FreshDatabase(ctx, *admin, *dbName)
	if err != nil {
		return err
	}
	if !*keep {
		defer drop()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	rcv := benchutil.NewSink(*delay)
	texts := newSMSCounter()
	var handler http.Handler = rcv
	if *channel == "sms" {
		handler = delayed(*delay, &smssink.Handler{OnMessage: texts.add})
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	sinkURL := "http://" + ln.Addr().String() + "/hook"
	if *external != "" {
		sinkURL = *external
	}
	demoArgs := []string{"demo", "--json", "--followers", strconv.Itoa(*followers), "--webhook-url", sinkURL}
	if *channel == "sms" {
		// The webhook's receiver is nobody: the demo's webhook followers
		// are not in this audience.
		demoArgs = []string{"demo", "--json", "--followers", strconv.Itoa(*followers), "--channel", "sms", "--sms-url", "http://" + ln.Addr().String() + "/2010-04-01"}
	}
	mails := newMailCounter()
	var smtpURL string
	if *channel == "email" {
		// An SMTP server in this process that counts and forgets; Plaza
		// keeps a pool of sessions to it (the sink numbers them).
		sink, err := smtpsink.StartWith("127.0.0.1:0", smtpsink.Options{Forget: true, OnMessage: mails.add})
		if err != nil {
			return err
		}
		defer sink.Close()
		smtpURL = sink.URL()
		demoArgs = []string{"demo", "--json", "--followers", strconv.Itoa(*followers), "--channel", "email"}
	}

	step(fmt.Sprintf("plaza demo --followers %d --channel %s", *followers, *channel))
	began := time.Now()
	out, err := plaza(bin, dbURL, demoArgs...).Output()
	if err != nil {
		return fmt.Errorf("plaza demo: %w", err)
	}
	var demo struct {
		Generated int64 `json:"generated_followers"`
		Webhook   struct {
			Secret string `json:"secret"`
		} `json:"webhook"`
	}
	if err := json.Unmarshal(out, &demo); err != nil {
		return fmt.Errorf("demo output: %w", err)
	}
	rcv.Secret = []byte(demo.Webhook.Secret)
	fmt.Printf("generated %d followers in %v\n", demo.Generated, time.Since(began).Round(time.Millisecond))

	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return err
	}
	d := app.Open(db, inserter, nil)
	store := d.Store
	if *channel == "sms" {
		// The account's SMS rate (1 message a second unless set, at most
		// 1000 through the studio) is written straight into its settings,
		// far above what one machine sends, so that the bench measures
		// Plaza and not the limit.
		if err := setSMSRate(db, "citytransit", smsRate); err != nil {
			return err
		}
	}
	if err := db.Gorm.Exec("VACUUM ANALYZE").Error; err != nil {
		return err
	}

	serve := plaza(bin, dbURL, "serve", "--addr", "127.0.0.1:0", "--log-level", "info", "--log-format", "json")
	serve.Env = append(serve.Env, "PLAZA_SEND_WORKERS="+strconv.Itoa(*workers), "PLAZA_SEND_BATCH="+strconv.Itoa(*batch),
		"PLAZA_CHANNEL_RATES=email=0")
	if smtpURL != "" {
		serve.Env = append(serve.Env, "PLAZA_SMTP_URL="+smtpURL)
	}
	// The engine logs how long the INSERT ... SELECT took; read it from
	// the process's log.
	serve.Stderr = nil
	logs, err := serve.StderrPipe()
	if err != nil {
		return err
	}
	took := make(chan [2]time.Duration, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line struct {
				Msg     string  `json:"msg"`
				Took    float64 `json:"took"`
				Analyze float64 `json:"analyze"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "broadcast materialized" {
				took <- [2]time.Duration{time.Duration(line.Took), time.Duration(line.Analyze)}
			}
		}
	}()
	if err := serve.Start(); err != nil {
		return err
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = serve.Process.Signal(syscall.SIGTERM)
			_ = serve.Wait()
		}
	}
	defer stop()
	time.Sleep(time.Second)
	baseRSS := benchutil.Memory(serve.Process.Pid, "VmRSS")

	// The anchor, before the broadcast as after it: the machine is
	// shared, and its load moves.
	rawBefore, err := anchor(ctx, *admin, *dbName+"_anchor", int64(*followers)+40)
	if err != nil {
		return err
	}
	step("publishing")
	b, err := publish(ctx, store, d.Notices)
	if err != nil {
		return err
	}
	published := time.Now()
	var peak int64
	var materialized, firstSent time.Time
	var materializeTook time.Duration
	for {
		time.Sleep(100 * time.Millisecond)
		peak = max(peak, benchutil.Memory(serve.Process.Pid, "VmRSS"))
		var got models.Broadcast
		if err := db.Gorm.First(&got, b.ID).Error; err != nil {
			return err
		}
		if got.MaterializedAt != nil && materialized.IsZero() {
			materialized = time.Now()
			fmt.Printf("materialized %d deliveries %v after publishing (includes the job queue's pickup, polled each second)\n",
				got.Total, got.MaterializedAt.Sub(got.CreatedAt).Round(time.Millisecond))
			select {
			case d := <-took:
				materializeTook = d[0]
				fmt.Printf("the materialize job itself took %s (rows written, counted and the broadcast opened), then %s to analyze the partition\n",
					d[0], d[1])
			case <-time.After(2 * time.Second):
			}
		}
		if got.Sent > 0 && firstSent.IsZero() {
			firstSent = time.Now()
		}
		if got.Status == models.BroadcastDone || got.Status == models.BroadcastCancelled {
			done := time.Now()
			hwm := benchutil.Memory(serve.Process.Pid, "VmHWM")
			sendSecs := got.FinishedAt.Sub(*got.MaterializedAt).Seconds()
			fmt.Printf("status %s: sent %d, failed %d, dead %d, skipped %d\n", got.Status, got.Sent, got.Failed, got.Dead, got.Skipped)
			fmt.Printf("sending (materialized -> finished, database clock): %.1f s = %.0f messages/s\n", sendSecs, float64(got.Sent)/sendSecs)
			fmt.Printf("end to end (publish -> finished): %v = %.0f messages/s\n", done.Sub(published).Round(time.Millisecond),
				float64(got.Sent)/done.Sub(published).Seconds())
			switch {
			case *external != "":
				st, err := benchutil.SinkStats(origin(*external))
				if err != nil {
					return err
				}
				fmt.Printf("the receiver at %s counted %d requests, %.0f/s from the first to the last\n", *external, st.Requests, st.Rate())
			case *channel == "email":
				received, distinct, sessions := mails.counts()
				fmt.Printf("SMTP sink received %d messages over %d SMTP sessions for %d distinct recipients: %d sent twice\n",
					received, sessions, distinct, received-distinct)
			case *channel == "sms":
				received, distinct, segments := texts.counts()
				fmt.Printf("SMS sink received %d messages (%d segments billed) for %d distinct deliveries: %d sent twice\n",
					received, segments, distinct, received-distinct)
			default:
				received, distinct, repeats, bad := rcv.Counts()
				fmt.Printf("sink received %d requests for %d distinct deliveries: %d sent twice (%d with a bad signature in the 1%% checked)\n",
					received, distinct, repeats, bad)
				if bad > 0 {
					return errors.New("bad signatures")
				}
			}
			fmt.Printf("plaza memory: %d MB at rest before publishing, peak RSS %d MB (VmHWM %d MB)\n", baseRSS>>10, peak>>10, hwm>>10)
			step("ledger size and writes; materialize against a raw INSERT ... SELECT")
			stop()
			if err := ledgerFigures(db, got.Total); err != nil {
				return err
			}
			raw, err := anchor(ctx, *admin, *dbName+"_anchor", got.Total)
			if err != nil {
				return err
			}
			if materializeTook > 0 {
				fmt.Printf("materialize %d deliveries: the job %s; a raw INSERT ... SELECT of as many rows %s before publishing, %s after: %.2fx and %.2fx (goal <= 1.5)\n",
					got.Total, materializeTook.Round(time.Millisecond), rawBefore.Round(time.Millisecond), raw.Round(time.Millisecond),
					materializeTook.Seconds()/rawBefore.Seconds(), materializeTook.Seconds()/raw.Seconds())
			} else {
				fmt.Printf("a raw INSERT ... SELECT of %d rows: %s (the materialize job's time was not in the log)\n", got.Total, raw.Round(time.Millisecond))
			}
			if *asJSON {
				return json.NewEncoder(os.Stdout).Encode(map[string]any{"sent": got.Sent, "failed": got.Failed,
					"send_per_second": float64(got.Sent) / sendSecs, "end_to_end_per_second": float64(got.Sent) / done.Sub(published).Seconds(),
					"peak_mb": hwm >> 10})
			}
			return nil
		}
		if time.Since(published) > 30*time.Minute {
			return fmt.Errorf("not done after 30 minutes: %+v", got)
		}
	}
}

func step(s string) { fmt.Fprintln(os.Stderr, "==>", s) }

// origin is the scheme and host of a URL, where a bench/sink answers its
// counts.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

func plaza(bin, dbURL string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	// The webhook sink is on loopback, which Plaza refuses to reach unless
	// allowed.
	cmd.Env = append(os.Environ(), "PLAZA_DATABASE_URL="+dbURL, "PLAZA_SECRET_KEY="+strings.Repeat("ab", 32),
		"PLAZA_OUTBOUND_ALLOW=127.0.0.1/32")
	cmd.Stderr = os.Stderr
	return cmd
}

// publish sends a transit notice from the demo transit account, as its
// owner would from the studio.
func publish(ctx context.Context, store *models.Store, notices *notice.Service) (*models.Broadcast, error) {
	return benchutil.Publish(ctx, store, notices, "owner@transit.demo.plaza.test", "citytransit", notice.Input{
		Kind: models.NoticeTransit, Translations: models.Texts("en", "title", "Line 12 diverted", "body", "Line 12 buses use **Harbour Road** until 18:00.").With("zh-Hans", "title", "12 路改道", "body", "12 路公交车改经**海港路**行驶，至 18:00。"),

		Routes: "12", Effect: "DETOUR"})
}

// smsRate is the messages per second the bench gives the SMS account.
const smsRate = "1000000"

// setSMSRate writes rate into the account's SMS settings (the config
// column holds the settings that are not secret, as JSON).
func setSMSRate(db *database.DB, handle, rate string) error {
	var row struct {
		AccountID int64
		Config    string
	}
	if err := db.Gorm.Raw(`SELECT c.account_id, c.config FROM account_channels c JOIN accounts a ON a.id = c.account_id
		WHERE a.handle = ? AND c.channel = 'sms'`, handle).Scan(&row).Error; err != nil || row.AccountID == 0 {
		return fmt.Errorf("SMS settings of @%s: %v", handle, err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal([]byte(row.Config), &cfg); err != nil {
		return fmt.Errorf("SMS settings of @%s: %w", handle, err)
	}
	cfg["rate"] = rate
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return db.Gorm.Exec(`UPDATE account_channels SET config = ? WHERE account_id = ? AND channel = 'sms'`, string(b), row.AccountID).Error
}

// delayed answers through h after d, as a provider that takes d to answer.
func delayed(d time.Duration, h http.Handler) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		h.ServeHTTP(w, r)
	})
}

// smsCounter tallies the texts the SMS sink takes by delivery (the id in
// each message's status callback URL) and adds up their segments.
type smsCounter struct {
	tally    *benchutil.Tally
	segments atomic.Int64
}

func newSMSCounter() *smsCounter { return &smsCounter{tally: benchutil.NewTally()} }

func (c *smsCounter) add(m smssink.Message) {
	c.segments.Add(int64(m.Segments))
	c.tally.Add(m.DeliveryID())
}

func (c *smsCounter) counts() (received, distinct, segments int64) {
	received, distinct = c.tally.Counts()
	return received, distinct, c.segments.Load()
}

// mailCounter tallies the messages the SMTP sink takes by recipient (the
// number in reader<N>@bench.invalid; the demo's own followers by address)
// and notes the highest SMTP session number, how many sessions Plaza
// opened.
type mailCounter struct {
	tally    *benchutil.Tally
	sessions atomic.Int64
}

func newMailCounter() *mailCounter { return &mailCounter{tally: benchutil.NewTally()} }

func (c *mailCounter) add(m smtpsink.Message) {
	for {
		s := c.sessions.Load()
		if int64(m.Session) <= s || c.sessions.CompareAndSwap(s, int64(m.Session)) {
			break
		}
	}
	to := strings.Join(m.To, ",")
	if n, ok := strings.CutPrefix(to, "reader"); ok {
		to = strings.TrimSuffix(n, "@bench.invalid")
	}
	c.tally.Add(to)
}

func (c *mailCounter) counts() (received, distinct, sessions int64) {
	received, distinct = c.tally.Counts()
	return received, distinct, c.sessions.Load()
}
