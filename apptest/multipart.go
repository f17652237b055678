package apptest

import (
	"bytes"
	"io"
	"mime/multipart"
)

func multipartBody(csrf, field, filename string, data []byte) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", csrf)
	if filename != "" {
		fw, _ := w.CreateFormFile(field, filename)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}
