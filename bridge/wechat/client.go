package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPI is WeChat's API server.
const DefaultAPI = "https://api.weixin.qq.com"

// Credentials identify an official account to WeChat's API.
type Credentials struct {
	AppID     string
	AppSecret string
}

// TokenStore keeps access tokens where every Plaza instance sees them, so
// an account has one token at a time (each fetch invalidates the one
// before it, on WeChat's side).
type TokenStore interface {
	// AccessToken returns the stored token for key, or one fetch makes when
	// none is stored, it has expired, or it is stale (the token a call was
	// just refused with). Concurrent callers across instances must not
	// fetch twice.
	AccessToken(ctx context.Context, key, stale string, fetch func(context.Context) (string, time.Duration, error)) (string, error)
}

// APIError is an errcode WeChat answered with.
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string { return fmt.Sprintf("WeChat error %d: %s", e.Code, e.Msg) }

// Error codes Plaza acts on, from WeChat's global return code list.
const (
	CodeBusy           = -1
	CodeBadCredential  = 40001 // invalid credential: the token is wrong or was replaced
	CodeBadAppSecret   = 40125
	CodeBadAppID       = 40013
	CodeBadToken       = 40014
	CodeTokenExpired   = 42001
	CodeNotFollowing   = 43004 // the person does not follow the account
	CodeOutOfWindow    = 45015 // outside the 48-hour customer-service window
	CodeTooFrequent    = 45009
	CodeReplyLimit     = 45047 // too many customer-service messages without an answer
	CodeIPNotWhitelist = 40164
	CodeNoMassQuota    = 45028 // the account's mass sends for the period are used up
)

// tokenError says the access token must be fetched again.
func tokenError(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.Code == CodeBadCredential || e.Code == CodeBadToken || e.Code == CodeTokenExpired)
}

// CodeOf returns the WeChat errcode of err, or 0.
func CodeOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// Client calls WeChat's API.
type Client struct {
	base   string
	http   *http.Client
	tokens TokenStore
}

// NewClient builds a client for the API at base (DefaultAPI, or a test
// server); a nil hc gets one with a 10-second timeout.
func NewClient(base string, hc *http.Client, tokens TokenStore) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if base == "" {
		base = DefaultAPI
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc, tokens: tokens}
}

type errorBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// do sends one request and decodes the answer into out; a non-zero
// errcode is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), rd)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wechat %s: read: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wechat %s: HTTP %d", path, resp.StatusCode)
	}
	var e errorBody
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("wechat %s: answer is not JSON: %w", path, err)
	}
	if e.ErrCode != 0 {
		return &APIError{Code: e.ErrCode, Msg: e.ErrMsg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("wechat %s: %w", path, err)
		}
	}
	return nil
}

// FetchToken asks WeChat for a new access token (GET /cgi-bin/token).
func (c *Client) FetchToken(ctx context.Context, cr Credentials) (string, time.Duration, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {cr.AppID}, "secret": {cr.AppSecret}}
	if err := c.do(ctx, http.MethodGet, "/cgi-bin/token", q, nil, &out); err != nil {
		return "", 0, err
	}
	if out.AccessToken == "" {
		return "", 0, errors.New("wechat token: answer has no access_token")
	}
	ttl := time.Duration(out.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 7200 * time.Second
	}
	return out.AccessToken, ttl, nil
}

// tokenMargin renews a token before WeChat expires it.
const tokenMargin = 5 * time.Minute

func (c *Client) token(ctx context.Context, cr Credentials, stale string) (string, error) {
	return c.tokens.AccessToken(ctx, "wechat:"+cr.AppID, stale, func(ctx context.Context) (string, time.Duration, error) {
		tok, ttl, err := c.FetchToken(ctx, cr)
		if ttl > 2*tokenMargin {
			ttl -= tokenMargin
		}
		return tok, ttl, err
	})
}

// call makes an authenticated API call; when WeChat says the token is
// expired or replaced, the token is fetched again and the call retried
// once.
func (c *Client) call(ctx context.Context, cr Credentials, path string, body, out any) error {
	tok, err := c.token(ctx, cr, "")
	if err != nil {
		return err
	}
	err = c.do(ctx, http.MethodPost, path, url.Values{"access_token": {tok}}, body, out)
	if !tokenError(err) {
		return err
	}
	if tok, err = c.token(ctx, cr, tok); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, url.Values{"access_token": {tok}}, body, out)
}

type textBody struct {
	Content string `json:"content"`
}

// SendText sends a customer-service text message: allowed within 48 hours
// of the person's last message to the account.
func (c *Client) SendText(ctx context.Context, cr Credentials, openID, text string) error {
	return c.call(ctx, cr, "/cgi-bin/message/custom/send", map[string]any{
		"touser": openID, "msgtype": "text", "text": textBody{Content: text}}, nil)
}

// TemplateField is one value of a template message.
type TemplateField struct {
	Value string `json:"value"`
}

// Template is a template message: the account's template (approved on
// WeChat's side) filled in, with the page it links to.
type Template struct {
	ToUser     string                   `json:"touser"`
	TemplateID string                   `json:"template_id"`
	URL        string                   `json:"url,omitempty"`
	Data       map[string]TemplateField `json:"data"`
}

// SendTemplate sends a template message, which may go out at any time.
func (c *Client) SendTemplate(ctx context.Context, cr Credentials, t Template) (int64, error) {
	var out struct {
		MsgID int64 `json:"msgid"`
	}
	err := c.call(ctx, cr, "/cgi-bin/message/template/send", t, &out)
	return out.MsgID, err
}

// MassSendText sends one text to a list of followers at once (2 to 10,000
// OpenIDs) and returns WeChat's job id.
func (c *Client) MassSendText(ctx context.Context, cr Credentials, openIDs []string, text string) (int64, error) {
	if len(openIDs) < 2 || len(openIDs) > 10000 {
		return 0, fmt.Errorf("wechat mass send: %d recipients (WeChat takes 2 to 10,000)", len(openIDs))
	}
	var out struct {
		MsgID int64 `json:"msg_id"`
	}
	err := c.call(ctx, cr, "/cgi-bin/message/mass/send", map[string]any{
		"touser": openIDs, "msgtype": "text", "text": textBody{Content: text}}, &out)
	return out.MsgID, err
}

// QRCode is a parameterized follow code WeChat made.
type QRCode struct {
	Ticket        string `json:"ticket"`
	ExpireSeconds int    `json:"expire_seconds"`
	URL           string `json:"url"`
}

// ImageURL is where WeChat serves the code as a picture.
func (q QRCode) ImageURL() string {
	return "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + url.QueryEscape(q.Ticket)
}

// CreateQR asks for a permanent QR code carrying scene: a person who
// scans it and follows arrives with EventKey qrscene_<scene>.
func (c *Client) CreateQR(ctx context.Context, cr Credentials, scene string) (QRCode, error) {
	var out QRCode
	err := c.call(ctx, cr, "/cgi-bin/qrcode/create", map[string]any{
		"action_name": "QR_LIMIT_STR_SCENE",
		"action_info": map[string]any{"scene": map[string]string{"scene_str": scene}}}, &out)
	return out, err
}
