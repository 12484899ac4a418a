package npm

import "strings"

// A packument GET that revalidates (If-None-Match) is the commonest
// request npm sends once its cache is warm, and the cheapest to answer:
// no body, the ETag from the registry's in-memory copy. What is left per
// request is kept free of allocations that do not need to be there.

// The header values every packument response carries, shared: net/http
// only reads them, and an Add to one of these keys would copy the slice
// (its capacity is its length) rather than write into it.
var (
	varyPackument = []string{"Accept, Accept-Encoding, Authorization"}
	cachePublic   = []string{"public, max-age=0, must-revalidate"}
	cachePrivate  = []string{"private, no-cache"}
)

// etagMatches applies If-None-Match's weak comparison (RFC 9110 13.1.2):
// header lists entity tags, or is "*"; W/ is ignored on both sides.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
