"""CloudFront's caching rules as small pure modules the request pipeline calls.

policies (managed + custom policies), key (cache key), forwarding (origin request),
ttl (how long to keep), store (a cache tier, invalidation, collapsing),
response_headers (response headers policies), compression, ranges, viewer (CloudFront-*
headers), params (query strings, cookies, Accept-Encoding as CloudFront reads them).
"""
