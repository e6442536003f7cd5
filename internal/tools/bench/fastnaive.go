package bench

import (
	"time"

	"github.com/valyala/fasthttp"
)

// newFastClient is fasthttp's client as the fast naive pipeline uses it:
// a connection per worker, no retries (a webhook is sent once), pooled
// requests and responses.
func newFastClient(workers int) *fasthttp.Client {
	return &fasthttp.Client{
		MaxConnsPerHost:           2 * workers,
		MaxIdemponentCallAttempts: 1,
		ReadTimeout:               10 * time.Second,
		WriteTimeout:              10 * time.Second,
		MaxResponseBodySize:       64 << 10,
	}
}

// callFast sends a GET to url with fasthttp and returns the status, 0
// when the request failed.
func callFast(c *fasthttp.Client, url string) int {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	if err := c.DoTimeout(req, resp, 10*time.Second); err != nil {
		return 0
	}
	return resp.StatusCode()
}
