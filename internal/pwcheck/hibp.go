package pwcheck

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

const (
	// prefixLen is how many hex digits of the SHA-1 go to HIBP; the other
	// 35 never leave the process.
	prefixLen = 5
	// maxRangeBody bounds an HIBP range response. Real ones, padded, are
	// under 40 KiB.
	maxRangeBody = 2 << 20
	// userAgent identifies Rampart to HIBP, which refuses requests without one.
	userAgent = "Rampart-pwcheck (+https://github.com/rampart/rampart)"
)

// rangeCount asks HIBP how often the password whose upper-case hex SHA-1
// is hexSum has been seen in breaches. Only hexSum's first five digits are
// sent, and no error it returns contains more of the hash than that.
func (c *Checker) rangeCount(ctx context.Context, hexSum string) (int, error) {
	prefix, suffix := hexSum[:prefixLen], hexSum[prefixLen:]

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/range/"+prefix, nil)
	if err != nil {
		return 0, fmt.Errorf("HIBP request: %w", err)
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("HIBP range query: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HIBP range query %s: status %s", prefix, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRangeBody+1))
	if err != nil {
		return 0, fmt.Errorf("HIBP range query %s: reading response: %w", prefix, err)
	}
	if len(body) > maxRangeBody {
		return 0, fmt.Errorf("HIBP range query %s: response larger than %d bytes", prefix, maxRangeBody)
	}
	return parseRange(body, suffix)
}

// parseRange finds suffix in an HIBP range response: lines of
// "SUFFIX:COUNT", where padding lines have a count of 0. It returns the
// count for suffix, 0 if absent, or an error for a malformed response.
func parseRange(body []byte, suffix string) (int, error) {
	found := 0
	for n := 1; len(body) > 0; n++ {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		s, cnt, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(s) != len(suffix) || !isHex(s) {
			return 0, fmt.Errorf("HIBP range response: line %d is not SUFFIX:COUNT", n)
		}
		count, err := strconv.Atoi(string(cnt))
		if err != nil || count < 0 {
			return 0, fmt.Errorf("HIBP range response: line %d has a bad count", n)
		}
		if count > 0 && bytes.EqualFold(s, []byte(suffix)) {
			found = count
		}
	}
	return found, nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
