package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"net/http"
	"path"
	"strings"

	"github.com/plazahq/plaza/models"
)

// Upload limits of the images and documents attached to projects and
// notices.
const (
	MaxImageBytes    = 5 << 20
	MaxDocumentBytes = 10 << 20
	maxImageSide     = 8000
	// maxFileTitle is a project title's limit: a file's title is shown
	// where a project's would be.
	maxFileTitle = 200
	// maxFilename bounds the name kept for Content-Disposition and lists.
	maxFilename = 200
)

// upload is what checkAttachment learnt of an uploaded file.
type upload struct {
	// kind is "image" or "document".
	kind, contentType string
	// width and height are an image's pixels (0 for a document).
	width, height int
}

// checkAttachment sniffs the bytes (the browser's declared type and the
// file's name are not trusted) and says what the file is, or why it is
// refused: PNG, JPEG, WebP and GIF images whose header decodes, and PDF
// documents, each within its size limit.
func checkAttachment(data []byte) (upload, error) {
	if len(data) == 0 {
		return upload{}, models.FieldError("file", "projects.err_file_missing")
	}
	ct := http.DetectContentType(data)
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		if len(data) > MaxImageBytes {
			return upload{}, models.FieldError("file", "projects.err_image_too_big")
		}
		w, h, err := imageSize(ct, data)
		if err != nil || w < 1 || h < 1 {
			return upload{}, models.FieldError("file", "projects.err_file_type")
		}
		if w > maxImageSide || h > maxImageSide {
			return upload{}, models.FieldError("file", "err.avatar_dimensions")
		}
		return upload{kind: "image", contentType: ct, width: w, height: h}, nil
	case "application/pdf":
		if len(data) > MaxDocumentBytes {
			return upload{}, models.FieldError("file", "projects.err_doc_too_big")
		}
		return upload{kind: "document", contentType: ct}, nil
	}
	return upload{}, models.FieldError("file", "projects.err_file_type")
}

// imageSize reads an image's pixel size from its header. The standard
// library has no WebP decoder, so its header is read here (webpSize).
func imageSize(ct string, data []byte) (int, int, error) {
	if ct == "image/webp" {
		return webpSize(data)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, fmt.Errorf("image header: %w", err)
	}
	return cfg.Width, cfg.Height, nil
}

// webpSize reads the canvas size of a WebP file: RIFF, then a VP8
// (lossy), VP8L (lossless) or VP8X (extended) chunk, as the WebP
// container specification (RFC 9649) lays them out.
func webpSize(b []byte) (int, int, error) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, fmt.Errorf("webp: no RIFF WEBP header")
	}
	d := b[20:]
	switch string(b[12:16]) {
	case "VP8 ":
		if d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a {
			return 0, 0, fmt.Errorf("webp: bad VP8 start code")
		}
		return int(binary.LittleEndian.Uint16(d[6:8]) & 0x3fff), int(binary.LittleEndian.Uint16(d[8:10]) & 0x3fff), nil
	case "VP8L":
		if d[0] != 0x2f {
			return 0, 0, fmt.Errorf("webp: bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(d[1:5])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8X":
		w := int(d[4]) | int(d[5])<<8 | int(d[6])<<16
		h := int(d[7]) | int(d[8])<<8 | int(d[9])<<16
		return w + 1, h + 1, nil
	}
	return 0, 0, fmt.Errorf("webp: unknown chunk %q", b[12:16])
}

// cleanUpload tidies what staff typed and what the browser named the
// file: the title as any text, the name without the folders of the
// computer it came from. A title over the limit is a field error under
// titleField, the form's name for it.
func cleanUpload(title, filename, titleField string) (string, string, error) {
	title = models.CleanText(title)
	filename = models.CleanText(path.Base(strings.ReplaceAll(filename, `\`, "/")))
	if filename == "." || filename == "/" {
		filename = ""
	}
	if len([]rune(title)) > maxFileTitle {
		return "", "", models.FieldError(titleField, "err.too_long")
	}
	if r := []rune(filename); len(r) > maxFilename {
		filename = string(r[:maxFilename])
	}
	return title, filename, nil
}

// links is a table of links from another domain's rows (projects,
// notices) to the media rows that hold their files: project_files and
// notice_files, alike but for the owner's column.
type links struct {
	table, owner string
	// most is how many files one owner may have, and tooMany the message
	// when it has them.
	most    int64
	tooMany string
}

var (
	projectLinks = links{table: "project_files", owner: "project_id", most: 20, tooMany: "projects.err_too_many_files"}
	noticeLinks  = links{table: "notice_files", owner: "notice_id", most: 10, tooMany: "notices.err_too_many_files"}
)

// store keeps data, checked, as a new media row of the organization for
// the owner inside tx, unless the owner has as many files as it may; the
// caller then writes its link row.
func (l links) store(ctx context.Context, tx models.Core, ownerID, orgID int64, u upload, data []byte) (*File, error) {
	var n int64
	if err := tx.Conn(ctx).Table(l.table).Where(l.owner+" = ?", ownerID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("count %s: %w", l.table, err)
	}
	if n >= l.most {
		return nil, models.FieldError("file", l.tooMany)
	}
	f := newFile(orgID, u.contentType, data)
	if err := tx.Conn(ctx).Create(f).Error; err != nil {
		return nil, fmt.Errorf("store %s: %w", l.table, err)
	}
	return f, nil
}

// list reads the owners' links into out (a slice of the table's row
// type) with their media rows' size, type and public id, images first.
func (l links) list(ctx context.Context, core models.Core, ownerIDs []int64, out any) error {
	err := core.Conn(ctx).Table(l.table+" f").Joins("JOIN media m ON m.id = f.media_id").
		Select("f.*, m.size, m.content_type, m.public_id AS media_public_id").
		Where("f."+l.owner+" IN ?", ownerIDs).Order("f.kind DESC, f.id").Scan(out).Error
	if err != nil {
		return fmt.Errorf("list %s: %w", l.table, err)
	}
	return nil
}

// removeOne deletes one link of the owner and its media row inside tx,
// returning the file's name for the audit log.
func (l links) removeOne(ctx context.Context, tx models.Core, ownerID, fileID int64) (string, error) {
	var row struct {
		MediaID  int64
		Filename string
	}
	q := tx.Conn(ctx).Table(l.table).Select("media_id, filename").Where("id = ? AND "+l.owner+" = ?", fileID, ownerID)
	if err := q.Take(&row).Error; err != nil {
		return "", models.NotFound(err, l.table)
	}
	if err := tx.Conn(ctx).Exec("DELETE FROM "+l.table+" WHERE id = ?", fileID).Error; err != nil {
		return "", fmt.Errorf("delete %s: %w", l.table, err)
	}
	if err := tx.Conn(ctx).Delete(&File{}, row.MediaID).Error; err != nil {
		return "", fmt.Errorf("delete %s media: %w", l.table, err)
	}
	return row.Filename, nil
}

// removeAll deletes an owner's links and their media rows inside tx, the
// transaction that deletes the owner.
func (l links) removeAll(ctx context.Context, tx models.Core, ownerID int64) error {
	var ids []int64
	if err := tx.Conn(ctx).Table(l.table).Where(l.owner+" = ?", ownerID).Pluck("media_id", &ids).Error; err != nil {
		return fmt.Errorf("list %s: %w", l.table, err)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Conn(ctx).Exec("DELETE FROM "+l.table+" WHERE "+l.owner+" = ?", ownerID).Error; err != nil {
		return fmt.Errorf("delete %s: %w", l.table, err)
	}
	if err := tx.Conn(ctx).Where("id IN ?", ids).Delete(&File{}).Error; err != nil {
		return fmt.Errorf("delete %s media: %w", l.table, err)
	}
	return nil
}

// using reads which owners link to a media row, and the name it was
// uploaded under (the last link's).
func (l links) using(ctx context.Context, core models.Core, mediaID int64) ([]int64, string, error) {
	var rows []struct {
		Owner    int64
		Filename string
	}
	if err := core.Conn(ctx).Table(l.table).Select(l.owner+" AS owner, filename").Where("media_id = ?", mediaID).Scan(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("media %s: %w", l.table, err)
	}
	var ids []int64
	name := ""
	for _, r := range rows {
		ids = append(ids, r.Owner)
		name = r.Filename
	}
	return ids, name, nil
}
