// Command soak runs a few minutes of mixed traffic against a real `plaza
// serve` on PostgreSQL: citizens reading pages and feeds, following
// accounts and answering a consultation, people writing to the account on
// WeChat, staff in the studio, and a broadcast to 50,000 webhook
// followers through the API every 30 seconds. It reports the responses
// by status (the goal is zero 5xx) and the Plaza process's memory at the
// start and the end.
//
//	go run ./bench/soak -duration 3m
//
// See bench/README.md for the latest figures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/bridge/wechat"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/org"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// formOn reports whether page holds a form, with its form token: a
// signed-in browser's pages carry one; anonymous pages carry none (the
// cross-origin check guards their forms), and "" is sent.
func formOn(page string) (token string, ok bool) {
	if !strings.Contains(page, "<form") {
		return "", false
	}
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		return m[1], true
	}
	return "", true
}

type tally struct {
	mu     sync.Mutex
	byCode map[string]int
	errors int
	slow   int
}

func (t *tally) add(code int, err error, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.errors++
		return
	}
	t.byCode[strconv.Itoa(code)]++
	if took > time.Second {
		t.slow++
	}
}

func run() error {
	duration := flag.Duration("duration", 3*time.Minute, "how long to run")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server")
	clients := flag.Int("clients", 8, "concurrent citizens")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "plaza-soak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := benchutil.BuildPlaza(dir)
	if err != nil {
		return err
	}
	dbURL, cleanup, err := benchutil.FreshDatabase(ctx, *admin, "plaza_soak")
	if err != nil {
		return err
	}
	defer cleanup()

	// The webhook receiver.
	var received atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	env := append(os.Environ(), "PLAZA_DATABASE_URL="+dbURL, "PLAZA_SECRET_KEY="+strings.Repeat("cd", 32), "PLAZA_CHANNEL_RATES=",
		"PLAZA_LOGIN_LIMIT=1000",
		// The citizens come through a proxy on loopback, each from their own
		// address, so per-address limits apply to each, not to all of them.
		"PLAZA_TRUSTED_PROXIES=127.0.0.1/32",
		// The webhook receiver is on loopback, which Plaza refuses to
		// reach unless allowed.
		"PLAZA_OUTBOUND_ALLOW=127.0.0.1/32")
	demo := exec.Command(bin, "demo", "--json", "--followers", "50000", "--webhook-url", "http://"+ln.Addr().String()+"/hook")
	demo.Env, demo.Stderr = env, os.Stderr
	out, err := demo.Output()
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var seeded struct {
		Users    []struct{ Email, Password string } `json:"users"`
		BaseURL  string                             `json:"base_url"`
		Projects []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"projects"`
		Chat struct {
			WeChat struct {
				URL   string `json:"url"`
				Token string `json:"token"`
			} `json:"wechat"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(out, &seeded); err != nil {
		return err
	}
	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	store := models.NewStore(db, nil)
	var owner models.User
	store.DB().Where("email = ?", "owner@transit.demo.plaza.test").First(&owner)
	var acc models.Account
	store.DB().Where("handle = ?", "citytransit").First(&acc)
	orgs := org.New(store.Core)
	m, err := orgs.MemberOf(ctx, &owner, acc.OrganizationID)
	if err != nil {
		return err
	}
	_, token, err := apitoken.New(store.Core, orgs).Create(ctx, m, "soak", apitoken.AllScopes())
	if err != nil {
		return err
	}

	var consultation int64
	for _, p := range seeded.Projects {
		if p.Status == "consultation" {
			consultation = p.ID
		}
	}
	if consultation == 0 {
		return fmt.Errorf("the demo has no open consultation")
	}
	countRows := func(q string, args ...any) int64 {
		var n int64
		_ = db.SQL.QueryRow(q, args...).Scan(&n)
		return n
	}
	feedbackBefore := countRows(`SELECT COUNT(*) FROM feedback WHERE project_id = $1`, consultation)
	chatBefore := countRows(`SELECT COUNT(*) FROM chat_messages WHERE direction = 'in'`)

	server, err := benchutil.Serve(bin, env)
	if err != nil {
		return err
	}
	defer server.Stop()
	serve, base := server.Cmd, server.Base

	t := &tally{byCode: map[string]int{}}
	stop := time.Now().Add(*duration)
	pages := []string{"/", "/accounts", "/accounts?q=city", "/@citytransit", "/@citytransit/notices", "/@citysafety", "/alerts",
		"/notices.atom", "/@citytransit/gtfs-rt/alerts", "/@citysafety/cap.atom", "/@citytransit/follow"}
	// Warm up, then take the starting memory.
	for _, p := range pages {
		get(t, http.DefaultClient, base+p)
	}
	startRSS := benchutil.Memory(serve.Process.Pid, "VmRSS")
	var wg sync.WaitGroup
	var follows, answers atomic.Int64
	project := fmt.Sprintf("%s/@citytransit/projects/%d", base, consultation)
	for c := range *clients {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for i := 0; time.Now().Before(stop); i++ {
				get(t, client, base+pages[(i+c)%len(pages)])
				if i%20 == 0 {
					// A follow: the form, then the post.
					_, body := get(t, client, base+"/@citysafety/follow")
					if token, ok := formOn(body); ok {
						began := time.Now()
						form := url.Values{"_csrf": {token}, "address": {fmt.Sprintf("soak-%d-%d@example.org", c, i)}, "language": {"en"}}
						req, _ := http.NewRequest("POST", base+"/@citysafety/follow", strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", c, (i/250)%250, i%250))
						resp, err := client.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							follows.Add(1)
							t.add(resp.StatusCode, nil, time.Since(began))
						} else {
							t.add(0, err, 0)
						}
					}
				}
				if i%20 == 10 {
					// An answer to the consultation, from a contact of its own.
					_, body := get(t, client, project)
					if token, ok := formOn(body); ok {
						began := time.Now()
						form := url.Values{"_csrf": {token}, "stance": {[]string{"support", "oppose", "neutral"}[i%3]}, "consent": {"on"},
							"comment": {fmt.Sprintf("Soak answer %d-%d: 请延长巴士专线。", c, i)}, "contact": {fmt.Sprintf("soak-fb-%d-%d@example.org", c, i)}}
						req, _ := http.NewRequest("POST", project+"/feedback", strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", 100+c, (i/250)%250, i%250))
						resp, err := client.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode == http.StatusSeeOther && strings.HasSuffix(resp.Header.Get("Location"), "/thanks") {
								answers.Add(1)
							}
							t.add(resp.StatusCode, nil, time.Since(began))
						} else {
							t.add(0, err, 0)
						}
					}
				}
			}
		})
	}
	// People writing to the account on WeChat, ten messages a second, as
	// WeChat's servers post them; each gets a passive reply.
	var chats atomic.Int64
	wg.Go(func() {
		path := strings.TrimPrefix(seeded.Chat.WeChat.URL, seeded.BaseURL)
		texts := []string{"help", "fare", "The lift at Central is broken", "帮助"}
		for i := 0; time.Now().Before(stop); i++ {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			q := "?timestamp=" + ts + "&nonce=" + strconv.Itoa(i) + "&signature=" + wechat.Signature(seeded.Chat.WeChat.Token, ts, strconv.Itoa(i))
			body := fmt.Sprintf("<xml><ToUserName>gh_soak</ToUserName><FromUserName>oSoak%03d</FromUserName><CreateTime>%s</CreateTime>"+
				"<MsgType>text</MsgType><Content>%s</Content><MsgId>%d</MsgId></xml>", i%500, ts, texts[i%len(texts)], 9000000+i)
			began := time.Now()
			resp, err := http.Post(base+path+q, "text/xml", strings.NewReader(body))
			if err != nil {
				t.add(0, err, 0)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			t.add(resp.StatusCode, nil, time.Since(began))
			if resp.StatusCode == http.StatusOK {
				chats.Add(1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// Staff: the studio, and a broadcast every 30 seconds through the API.
	var broadcasts int
	wg.Go(func() {
		jar, _ := cookiejar.New(nil)
		staff := &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		_, body := get(t, staff, base+"/login")
		if token, ok := formOn(body); ok {
			resp, err := staff.PostForm(base+"/login", url.Values{"_csrf": {token}, "email": {owner.Email}, "password": {seeded.Users[1].Password}})
			if err == nil {
				resp.Body.Close()
			}
		}
		org := fmt.Sprintf("/studio/orgs/%d", acc.OrganizationID)
		next := time.Now()
		for time.Now().Before(stop) {
			for _, p := range []string{org, org + "/accounts/citytransit/notices", org + "/accounts/citytransit/followers", org + "/audit"} {
				get(t, staff, base+p)
			}
			if time.Now().After(next) {
				next = time.Now().Add(30 * time.Second)
				broadcasts++
				body := fmt.Sprintf(`{"kind":"transit","title_en":"Soak %d","body_en":"Line 12 is diverted.","routes":["12"],"effect":"DETOUR"}`, broadcasts)
				if id, err := api(staff, base, token, "/accounts/citytransit/notices", body); err == nil {
					_, err = api(staff, base, token, fmt.Sprintf("/notices/%d/publish", id), "")
					if err != nil {
						t.add(0, err, 0)
					}
				} else {
					t.add(0, err, 0)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	// Memory once the load has settled (a quarter of the way in, after
	// the first broadcast), to compare with the end: growth between the
	// two is what a leak would show.
	var peak, steadyRSS atomic.Int64
	go func() {
		steadyAt := time.Now().Add(*duration / 4)
		for time.Now().Before(stop) {
			r := benchutil.Memory(serve.Process.Pid, "VmRSS")
			peak.Store(max(peak.Load(), r))
			if steadyRSS.Load() == 0 && time.Now().After(steadyAt) {
				steadyRSS.Store(r)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	wg.Wait()
	// Let the last broadcast finish before reading the end state.
	time.Sleep(5 * time.Second)
	endRSS := benchutil.Memory(serve.Process.Pid, "VmRSS")
	var pendingDeliveries int64
	db.SQL.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending')`).Scan(&pendingDeliveries)
	var codes []string
	total, fives := 0, 0
	for c, n := range t.byCode {
		codes = append(codes, fmt.Sprintf("%s: %d", c, n))
		total += n
		if strings.HasPrefix(c, "5") {
			fives += n
		}
	}
	sort.Strings(codes)
	fmt.Printf("ran %v with %d citizens and one staff member\n", *duration, *clients)
	fmt.Printf("requests: %d (%s); client errors (no response): %d; slower than 1 s: %d; 5xx: %d\n", total, strings.Join(codes, ", "), t.errors, t.slow, fives)
	fmt.Printf("follows: %d; broadcasts: %d; webhook messages received: %d; deliveries left unsent: %d\n", follows.Load(), broadcasts, received.Load(), pendingDeliveries)
	storedAnswers := countRows(`SELECT COUNT(*) FROM feedback WHERE project_id = $1`, consultation) - feedbackBefore
	storedChats := countRows(`SELECT COUNT(*) FROM chat_messages WHERE direction = 'in'`) - chatBefore
	fmt.Printf("consultation answers acknowledged: %d, stored: %d; WeChat messages answered: %d, stored: %d\n",
		answers.Load(), storedAnswers, chats.Load(), storedChats)
	steady := steadyRSS.Load()
	fmt.Printf("plaza memory: %d MB after warm-up, %d MB under load a quarter of the way in, %d MB at the end (%+.1f%% since then), peak %d MB\n",
		startRSS>>10, steady>>10, endRSS>>10, float64(endRSS-steady)*100/float64(max(steady, 1)), peak.Load()>>10)
	if fives > 0 || t.errors > 0 {
		return fmt.Errorf("%d 5xx and %d failed requests", fives, t.errors)
	}
	if storedAnswers != answers.Load() || storedChats != chats.Load() {
		return fmt.Errorf("acknowledged but not stored: %d answers, %d WeChat messages", answers.Load()-storedAnswers, chats.Load()-storedChats)
	}
	return nil
}

func get(t *tally, c *http.Client, u string) (int, string) {
	began := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		t.add(0, err, 0)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	t.add(resp.StatusCode, nil, time.Since(began))
	return resp.StatusCode, string(body)
}

func api(c *http.Client, base, token, path, body string) (int64, error) {
	req, _ := http.NewRequest("POST", base+"/api/v1"+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		ID     int64 `json:"id"`
		Notice struct {
			ID int64 `json:"id"`
		} `json:"notice"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return 0, fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
	}
	_ = json.Unmarshal(b, &out)
	return max(out.ID, out.Notice.ID), nil
}
