package wechat

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// A delivery's reason, shown on the broadcast page, is short and holds
// neither the access token of the URL called nor WeChat's own message.
func TestResultReasonIsShort(t *testing.T) {
	transport := fmt.Errorf("wechat /cgi-bin/message/custom/send: %w", &url.Error{Op: "Post",
		URL: "https://api.weixin.qq.com/cgi-bin/message/custom/send?access_token=TOKEN_SECRET_1", Err: errors.New("EOF")})
	tests := []struct {
		err  error
		want string
	}{
		{transport, "WeChat unreachable: no valid HTTP answer"},
		{&APIError{Code: CodeTooFrequent, Msg: "api freq out of limit rid: 1"}, "WeChat error 45009"},
		{&APIError{Code: 40003, Msg: "invalid openid rid: 2"}, "WeChat error 40003"},
	}
	for _, tt := range tests {
		r := result(tt.err)
		if r.Reason != tt.want || strings.Contains(r.Reason, "SECRET") || strings.Contains(r.Reason, "rid") {
			t.Errorf("result(%v).Reason = %q, want %q", tt.err, r.Reason, tt.want)
		}
	}
}
