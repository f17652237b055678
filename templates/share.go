package templates

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/plazahq/plaza/markdown"
)

// Share is what a chat app or social site shows when someone pastes a
// page's link: the Open Graph and description tags of the page's head.
type Share struct {
	Title string
	// Description is plain text; ShareText makes one from Markdown.
	Description string
	// Path and Image are site paths; the tags carry them absolute, since
	// a link preview is fetched from outside the site.
	Path  string
	Image string
	// Type is the og:type: "article" for a notice, "profile" for an
	// account, "website" otherwise.
	Type string
}

// shareTextLen is about what link previews show before they cut the text
// themselves; cutting first keeps the cut on a word.
const shareTextLen = 200

// ShareText turns a Markdown body into the one-paragraph description of a
// link preview: plain text, whitespace folded, cut on a word with an
// ellipsis.
func ShareText(md string) string {
	s := strings.Join(strings.Fields(markdown.Text(md)), " ")
	if utf8.RuneCountInString(s) <= shareTextLen {
		return s
	}
	r := []rune(s)[:shareTextLen]
	// Cut at the last space when there is one reasonably near the end;
	// Chinese text has none, and is cut at the rune.
	if i := lastSpace(r); i > shareTextLen*2/3 {
		r = r[:i]
	}
	return strings.TrimRight(string(r), " ,.;:，。；：") + "…"
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ' ' {
			return i
		}
	}
	return -1
}

// absURL is path on the public site's address; without one configured
// the path stays relative.
func absURL(ctx context.Context, path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return EnvOf(ctx).BaseURL + path
}

// ShareWays are the ways a public notice page offers to pass it on: its
// absolute address, a Telegram share link and a QR code of the address
// for WeChat (which has no web share link), each only when the account
// uses that app.
type ShareWays struct {
	URL       string
	Telegram  string
	WeChatSVG string
}
