// Package channel is the channel-settings domain: what each account set
// up for each channel (account_channels), the chat platforms' access
// tokens shared by every instance (chat_tokens) and the one-time keys of
// WeChat's signed callbacks (wechat_nonces).
//
// Settings are stored generically: the fields a channel's Schema marks
// secret are sealed together (JSON, with the Sealer PLAZA_SECRET_KEY
// builds) in the row's secret column, the others are the JSON of its
// config column. A channel describes its fields once (Schema), and the
// studio form, the validation and the storage all follow from it: no
// package but the channel's own knows its fields.
package channel
