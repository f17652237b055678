package follower

import (
	"context"
	"errors"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/sms"
)

// smsRegionField is the SMS channel's default-region setting
// (bridge/sms.FieldRegion, which imports this package).
const smsRegionField = "region"

// SMSNumber puts a number as a person or a system typed it in E.164, read
// in the account's SMS region when it has no international prefix. A
// number that cannot receive a text is a validation error on address
// (err.phone_<reason>).
func (s *Service) SMSNumber(ctx context.Context, accountID int64, raw string) (string, error) {
	region, err := s.smsRegion(ctx, accountID)
	if err != nil {
		return "", err
	}
	n, err := sms.Normalize(raw, region)
	var ne *sms.NumberError
	if errors.As(err, &ne) {
		return "", models.FieldError("address", "err.phone_"+ne.Reason)
	}
	return n, err
}

// smsRegion is the region the account's SMS numbers are read in ("" when
// it has none).
func (s *Service) smsRegion(ctx context.Context, accountID int64) (string, error) {
	cs, err := s.channels.Cached(ctx, accountID, models.ChannelSMS)
	switch {
	case err == nil:
		return cs.Get(smsRegionField), nil
	case errors.Is(err, models.ErrNotFound):
		return "", nil
	}
	return "", err
}
