package app

import "time"

// SetConsumerPollEvery shortens the consumer poll for a test and returns a
// function restoring it.
func SetConsumerPollEvery(d time.Duration) (restore func()) {
	old := consumerPollEvery
	consumerPollEvery = d
	return func() { consumerPollEvery = old }
}
