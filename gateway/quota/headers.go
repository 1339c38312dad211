package quota

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// WriteHeaders sets the IETF draft RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset
// headers (seconds, rounded up), and Retry-After when the request was refused. A decision made
// without Redis only states the limit.
func (d Decision) WriteHeaders(h http.Header) {
	if d.Rate.IsZero() {
		return
	}
	h.Set("RateLimit-Limit", strconv.Itoa(d.Rate.Limit))
	if d.Unknown {
		return
	}
	h.Set("RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	h.Set("RateLimit-Reset", strconv.Itoa(seconds(d.Reset)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(max(seconds(d.RetryAfter), 1)))
	}
}

func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
