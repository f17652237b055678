package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/plazahq/plaza/bench/benchutil"
)

// The floor is the least a Go web server can do to acknowledge a stored
// answer on this machine: read the posted form, check the stance and the
// consent, one INSERT into the anchor's table through pgx's own pool, and
// a 303 to the thank-you page. No template, no limiter, no session. It is
// driven by the same clients as Plaza, so Plaza ÷ floor is the cost of
// Plaza's own work, and floor ÷ pgbench the cost of HTTP and of the load
// generator sharing the machine, which no server design removes.
const floorPage = `<!doctype html><title>Form</title><form method="post" action="/p/feedback">
<input name="stance"><input name="comment"><input name="contact"><input name="district"><input name="q1"><input name="consent" type="checkbox"></form>`

// serveFloor runs the floor in this process (a process of its own, as
// plaza serve is) until it is killed.
func serveFloor(addr, dbURL string) error {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	stances := map[string]bool{"support": true, "oppose": true, "neutral": true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(floorPage))
	})
	mux.HandleFunc("POST /p/feedback", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		stance, contact := r.PostForm.Get("stance"), strings.TrimSpace(r.PostForm.Get("contact"))
		if !stances[stance] || r.PostForm.Get("consent") != "on" {
			http.Error(w, "stance and consent are required", http.StatusUnprocessableEntity)
			return
		}
		answers, _ := json.Marshal(map[string]string{"q1": r.PostForm.Get("q1")})
		_, err := pool.Exec(r.Context(), `INSERT INTO perf_fb (project_id, stance, comment, contact, contact_key, district, answers, lang, status, revisions, created_at)
			VALUES (1, $1, $2, $3, $4, $5, $6, 'en', 'pending', 1, now())`,
			stance, r.PostForm.Get("comment"), contact, strings.ToLower(contact), r.PostForm.Get("district"), string(answers))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/p/thanks", http.StatusSeeOther)
	})
	return http.ListenAndServe(addr, mux)
}

// runFloor creates the anchor's table in a scratch database, runs this
// program again as the floor server, drives it like Plaza and checks that
// every acknowledged answer is stored.
func runFloor(ctx context.Context, admin string, clients int, duration time.Duration) (*loadResult, error) {
	url, db, cleanup, err := anchorDatabase(ctx, admin, "plaza_feedback_floor")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-floor-serve", addr, "-floor-db", url)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/p"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the floor server did not start")
		}
	}
	load := benchutil.LoadAvg()
	res := drive(base+"/p", base, clients, duration)
	var stored int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM perf_fb`).Scan(&stored); err != nil {
		return nil, err
	}
	fmt.Print(res.summary("floor", clients))
	fmt.Printf("floor rows stored: %d; acknowledged but missing: %d (load before the floor %s)\n", stored, res.acked-stored, load)
	if stored != res.acked || res.failed > 0 || res.refused > 0 {
		return nil, fmt.Errorf("floor: stored %d rows for %d acknowledged answers (%d refused, %d failed)", stored, res.acked, res.refused, res.failed)
	}
	return res, nil
}
