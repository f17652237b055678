package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plazahq/plaza/bridge/sms/smssink"
	"github.com/plazahq/plaza/webpush/pushsink"
)

// sinkFlags parses a sink command's only flag, --addr.
func sinkFlags(name, addr string, args []string, e env) (string, error) {
	fs := flag.NewFlagSet("plaza "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	a := fs.String("addr", addr, "address to listen on")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return "", err
		}
		return "", usageError{err}
	}
	if fs.NArg() > 0 {
		return "", usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	return *a, nil
}

// smsSinkCmd runs a local SMS provider of the REST shape the SMS channel
// speaks and prints every message: `plaza demo` points @citytransit's SMS
// channel at it (--sms-url). With --inbound, --token and --number, each
// line typed ("+85291230001 Is line 12 running?") is a text from that
// phone to the account's number, posted to Plaza as the provider would.
func smsSinkCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("plaza smssink", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:1026", "address to listen on")
	inbound := fs.String("inbound", "", "Plaza's URL for texts to the account (http://localhost:8080/bridge/sms/HANDLE): lines typed are texts to it")
	token := fs.String("token", "", "the account's auth token, which signs the texts posted to --inbound")
	number := fs.String("number", "", "the account's SMS number the typed texts go to")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %v", fs.Args())}
	}
	if *inbound != "" && (*token == "" || *number == "") {
		return usageError{errors.New("--inbound needs --token and --number")}
	}
	// Messages arrive on many connections at once; one is printed at a
	// time.
	var mu sync.Mutex
	say := func(format string, v ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stdout, format, v...)
	}
	sink, err := smssink.Start(*addr, func(m smssink.Message) {
		say("\n=== SMS %s from %s to %s (%d segments, %s)\n%s\n", m.SID, m.From, m.To, m.Segments, m.Encoding, m.Body)
	})
	if err != nil {
		return err
	}
	say("SMS sink listening on %s: give an account's SMS channel the provider base URL %s "+
		"(`plaza demo` does for @citytransit), and run Plaza with PLAZA_OUTBOUND_ALLOW=127.0.0.1 so it may reach it.\n", sink.Addr(), sink.URL())
	if *inbound != "" {
		say("Type a text as NUMBER MESSAGE (+85291230001 Is line 12 running?) and Enter: it goes to %s at %s.\n", *number, *inbound)
		go typeTexts(ctx, e, say, *inbound, *token, *number)
	}
	<-ctx.Done()
	return sink.Close()
}

// typeTexts posts each line of stdin as a text to Plaza.
func typeTexts(ctx context.Context, e env, say func(string, ...any), inbound, token, number string) {
	client := &http.Client{Timeout: 10 * time.Second}
	sc := bufio.NewScanner(e.stdin)
	for sc.Scan() {
		from, body, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if from == "" {
			continue
		}
		if !ok || !strings.HasPrefix(from, "+") || strings.TrimSpace(body) == "" {
			say("Write the sender's number in E.164, a space, then the text: +85291230001 Is line 12 running?\n")
			continue
		}
		status, err := smssink.Text(ctx, client, inbound, token, from, number, strings.TrimSpace(body), time.Now().UnixNano())
		switch {
		case err != nil:
			say("Not sent: %v\n", err)
		case status >= 300:
			say("Plaza answered HTTP %d (is the token the account's, and --inbound Plaza's base URL as PLAZA_BASE_URL spells it?)\n", status)
		default:
			say("Texted %s from %s.\n", number, from)
		}
	}
}

// pushSinkCmd runs a local Web Push service and prints every push message,
// decrypted for the demo's subscriptions.
func pushSinkCmd(ctx context.Context, args []string, e env) error {
	addr, err := sinkFlags("pushsink", "127.0.0.1:1027", args, e)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	sink, err := pushsink.Start(addr, func(m pushsink.Message) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stdout, "\n=== push to %s (TTL %d s, urgency %s, topic %s, VAPID subject %s, %d bytes encrypted)\n",
			m.Endpoint, m.TTL, m.Urgency, m.Topic, m.Subject, m.Size)
		switch {
		case m.DecryptErr != nil:
			fmt.Fprintf(e.stdout, "(could not decrypt: %v)\n", m.DecryptErr)
		case m.Payload == nil:
			fmt.Fprintln(e.stdout, "(not a demo subscription: the sink has no key to decrypt it)")
		default:
			var p struct{ Title, Body, URL, Unsubscribe string }
			if json.Unmarshal(m.Payload, &p) != nil {
				fmt.Fprintf(e.stdout, "%s\n", m.Payload)
				return
			}
			fmt.Fprintf(e.stdout, "%s\n%s\n%s\n", p.Title, p.Body, p.URL)
			if p.Unsubscribe != "" {
				fmt.Fprintf(e.stdout, "Stop: %s\n", p.Unsubscribe)
			}
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Push service sink listening on %s: `plaza demo` gives @citytransit Web Push followers whose endpoints are here "+
		"(--push-url); run Plaza with PLAZA_OUTBOUND_ALLOW=127.0.0.1 so it may reach it.\n", sink.Addr())
	<-ctx.Done()
	return sink.Close()
}
