// Package smtpsink is a small SMTP server that accepts every message and
// keeps it: the local mail sink for development (`plaza mailsink`) and the
// real SMTP peer that tests send to. It speaks the subset of RFC 5321 a
// sending client needs: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
package smtpsink

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Message is one accepted message.
type Message struct {
	From   string
	To     []string
	Raw    []byte
	Header mail.Header
	// Subject is the decoded subject; Text the decoded body.
	Subject string
	Text    string
	// HTML is the text/html part of a multipart message.
	HTML string
	// Session numbers the SMTP sessions (connections) of the sink from 1:
	// messages with the same number came over one session.
	Session int
}

// Server is a running sink.
type Server struct {
	ln      net.Listener
	mu      sync.Mutex
	msgs    []Message
	changed chan struct{}
	opts    Options
	wg      sync.WaitGroup
	// conns are the open sessions' connections, closed by Close: a
	// client that keeps its session open between messages would
	// otherwise hold Close until the session's idle deadline.
	conns    map[net.Conn]struct{}
	sessions int
	closed   bool
}

// Options adjust a sink.
type Options struct {
	// OnMessage is called for every message accepted.
	OnMessage func(Message)
	// RejectRecipient makes the sink answer RCPT TO for an address with
	// 550 (mailbox unavailable), as a real server does for a dead address.
	RejectRecipient func(address string) bool
	// Forget keeps no message (Messages and WaitFor see none): a bench
	// sending a million counts them in OnMessage instead of holding
	// them all.
	Forget bool
}

// Start listens on addr (e.g. 127.0.0.1:0) and serves until Close. onMsg,
// if not nil, is called for every message accepted.
func Start(addr string, onMsg func(Message)) (*Server, error) {
	return StartWith(addr, Options{OnMessage: onMsg})
}

// StartWith is Start with options.
func StartWith(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp sink listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, changed: make(chan struct{}), opts: opts, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr is the address the sink listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the smtp:// URL for Plaza's PLAZA_SMTP_URL.
func (s *Server) URL() string { return "smtp://" + s.Addr() }

// Close stops the sink, ends the open sessions and waits for them.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Messages returns every message accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor returns the first message (old or new) for which match is true,
// or an error when ctx ends first.
func (s *Server) WaitFor(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if match(m) {
				s.mu.Unlock()
				return m, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Message{}, fmt.Errorf("no matching message arrived: %w", ctx.Err())
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	if !s.opts.Forget {
		s.msgs = append(s.msgs, m)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if s.opts.OnMessage != nil {
		s.opts.OnMessage(m)
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.sessions++
		n := s.sessions
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			s.session(conn, n)
		}()
	}
}

const maxMessage = 10 << 20

func (s *Server) session(conn net.Conn, n int) {
	r := bufio.NewReader(io.LimitReader(conn, maxMessage*2))
	w := bufio.NewWriter(conn)
	reply := func(format string, args ...any) {
		fmt.Fprintf(w, format+"\r\n", args...)
		w.Flush()
	}
	var from string
	var to []string
	reply("220 plaza-sink ESMTP ready")
	for {
		_ = conn.SetDeadline(time.Now().Add(2 * time.Minute))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-plaza-sink greets %s", arg)
			reply("250-8BITMIME")
			reply("250 SIZE %d", maxMessage)
		case "HELO":
			reply("250 plaza-sink")
		case "MAIL":
			from, to = addrArg(arg), nil
			reply("250 OK")
		case "RCPT":
			if from == "" {
				reply("503 MAIL first")
				continue
			}
			rcpt := addrArg(arg)
			if s.opts.RejectRecipient != nil && s.opts.RejectRecipient(rcpt) {
				reply("550 5.1.1 <%s>: mailbox unavailable", rcpt)
				continue
			}
			to = append(to, rcpt)
			reply("250 OK")
		case "DATA":
			if len(to) == 0 {
				reply("503 RCPT first")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			raw, err := readData(r)
			if err != nil {
				reply("552 %v", err)
				return
			}
			m := parse(from, to, raw)
			m.Session = n
			s.add(m)
			from, to = "", nil
			reply("250 OK queued")
		case "RSET":
			from, to = "", nil
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 Bye")
			return
		default:
			reply("502 Command not implemented")
		}
	}
}

func addrArg(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j >= 0 {
			return arg[i+1 : i+j]
		}
	}
	_, after, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(after)
}

// readData reads the DATA section up to the lone dot, undoing dot-stuffing.
func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("reading data: %w", err)
		}
		if line == ".\r\n" || line == ".\n" {
			return b.Bytes(), nil
		}
		if strings.HasPrefix(line, ".") {
			line = line[1:]
		}
		if b.Len()+len(line) > maxMessage {
			return nil, errors.New("message too large")
		}
		b.WriteString(line)
	}
}

func parse(from string, to []string, raw []byte) Message {
	m := Message{From: from, To: to, Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Text = string(raw)
		return m
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subj
	}
	mediaType, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if !strings.HasPrefix(mediaType, "multipart/") {
		m.Text = decodePart(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		return m
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return m
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		// multipart.Reader already undoes quoted-printable.
		text := decodePart(p, "")
		switch ct {
		case "text/plain":
			m.Text = text
		case "text/html":
			m.HTML = text
		}
	}
}

func decodePart(r io.Reader, encoding string) string {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	text, _ := io.ReadAll(r)
	return strings.ReplaceAll(string(text), "\r\n", "\n")
}
