-- +goose Up
-- The parameterized QR code WeChat made for a follow code's scene: its
-- URL, which Plaza draws as a QR image (scanning it in WeChat follows the
-- official account with the scene).
ALTER TABLE follow_codes ADD COLUMN wechat_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE follow_codes DROP COLUMN wechat_url;
