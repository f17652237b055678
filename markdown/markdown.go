// Package markdown renders the Markdown staff write in notices: sanitized
// HTML for pages and e-mail, and plain text for SMS, chat and the text part
// of e-mail.
package markdown

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// converter and policy are built once, here, and only read afterwards:
// building them costs many times what a render does (goldmark.New wires its
// parsers, UGCPolicy compiles dozens of patterns; figures in
// bench/README.md), and notice pages, Atom entries and previews render on
// every request. Both are safe for concurrent use once built (goldmark
// finishes its set-up under a sync.Once on first use, bluemonday documents
// a built policy as safe to share), so every caller shares them without
// having to be handed a renderer.
//
// Raw HTML in the source is not passed through (goldmark's default without
// html.WithUnsafe), and the output is sanitized again, so a notice cannot
// carry script into a page or a mail.
var (
	converter = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))
	policy    = ugcPolicy()
)

func ugcPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// HTML renders src as sanitized HTML.
func HTML(src string) string {
	var buf bytes.Buffer
	if err := converter.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on a failing writer; a bytes.Buffer does
		// not fail, but show the text rather than nothing.
		return bluemonday.StrictPolicy().Sanitize(src)
	}
	return policy.Sanitize(buf.String())
}

// Text renders src as readable plain text: paragraphs, "- " list items,
// links as "text (URL)", emphasis dropped.
func Text(src string) string {
	source := []byte(src)
	doc := converter.Parser().Parse(text.NewReader(source))
	var b strings.Builder
	writeBlocks(&b, doc, source, "")
	out := strings.TrimSpace(b.String())
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return out
}

func writeBlocks(b *strings.Builder, n ast.Node, src []byte, indent string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.List:
			for item := c.FirstChild(); item != nil; item = item.NextSibling() {
				var ib strings.Builder
				writeBlocks(&ib, item, src, indent+"  ")
				b.WriteString(indent + "- " + strings.TrimSpace(ib.String()) + "\n")
			}
			b.WriteString("\n")
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := c.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			b.WriteString("\n")
		case *ast.ThematicBreak:
			b.WriteString("----\n\n")
		case *ast.HTMLBlock:
			// Raw HTML is not rendered anywhere; leave it out.
		case *east.Table:
			for row := c.FirstChild(); row != nil; row = row.NextSibling() {
				var cells []string
				for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
					var cb strings.Builder
					writeInline(&cb, cell, src)
					cells = append(cells, strings.TrimSpace(cb.String()))
				}
				b.WriteString(strings.Join(cells, " | ") + "\n")
			}
			b.WriteString("\n")
		default:
			if c.Type() == ast.TypeBlock && c.HasChildren() && c.FirstChild().Type() == ast.TypeBlock {
				writeBlocks(b, c, src, indent)
				continue
			}
			writeInline(b, c, src)
			if _, tight := c.(*ast.TextBlock); tight {
				b.WriteString("\n")
			} else {
				b.WriteString("\n\n")
			}
		}
	}
}

func writeInline(b *strings.Builder, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			switch {
			case c.HardLineBreak():
				b.WriteString("\n")
			case c.SoftLineBreak():
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			writeInline(b, c, src)
		case *ast.Link:
			var lb strings.Builder
			writeInline(&lb, c, src)
			label, dest := lb.String(), string(c.Destination)
			if label == dest || dest == "" {
				b.WriteString(label)
			} else {
				b.WriteString(label + " (" + dest + ")")
			}
		case *ast.AutoLink:
			b.Write(c.URL(src))
		case *ast.Image:
			writeInline(b, c, src)
		case *ast.RawHTML:
		default:
			writeInline(b, c, src)
		}
	}
}
