package apptest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
)

func multipartBody(csrf, field, filename string, data []byte, values ...url.Values) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", csrf)
	for _, vs := range values {
		for k, list := range vs {
			for _, v := range list {
				_ = w.WriteField(k, v)
			}
		}
	}
	if filename != "" {
		fw, _ := w.CreateFormFile(field, filename)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}
