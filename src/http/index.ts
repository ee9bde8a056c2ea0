export { HttpClient, HTTP_DEFAULTS } from './client.ts';
export { TokenBucket, type TokenBucketOptions } from './rate-limit.ts';
export { realClock } from './clock.ts';
export { fullJitterBackoffMs, parseRetryAfterMs } from './backoff.ts';
export { parseLinkHeader, findNextLink, type LinkValue } from './link-header.ts';
export { endpointName, templatePath } from './endpoint.ts';
export { extractErrorInfo, kindForStatus, type UpstreamErrorInfo } from './upstream-error.ts';
export type {
  Auth,
  BodyPagination,
  Clock,
  HttpClientOptions,
  HttpResponse,
  PaginateOptions,
  RateLimiter,
  RequestOptions,
} from './types.ts';
