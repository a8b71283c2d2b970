//! Polite HTTP: robots.txt (fetched once per host and cached), one request at a time per
//! host with a delay between them, a global bound on requests in flight, timeouts,
//! retries with exponential backoff on timeouts, 429 and 5xx (honouring `Retry-After`),
//! redirects followed by hand (so every hop is checked against the allowed hosts and
//! robots.txt, and loops are named), and a body-size limit enforced while streaming.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::error::{CrawlError, FetchError};

/// How the crawler behaves on the wire. [`FetchOptions::new`] gives production values;
/// tests shrink the delays.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Sent with every request: names the tool and how to reach its operator.
    pub user_agent: String,
    /// The product token robots.txt groups are matched against.
    pub robots_agent: String,
    /// Pause between the end of one request to a host and the start of the next.
    pub delay: Duration,
    /// Requests in flight across all hosts.
    pub concurrency: usize,
    pub connect_timeout: Duration,
    /// One attempt, body included.
    pub total_timeout: Duration,
    /// Longest one URL may hold its host: every attempt, backoff and politeness wait
    /// (a source in the sources file may set its own).
    pub url_deadline: Duration,
    /// Retries after the first attempt (timeouts, 429, 5xx only).
    pub max_retries: u32,
    /// First backoff; doubles each retry up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this fails the item instead of stalling the run.
    pub max_retry_after: Duration,
    pub max_redirects: usize,
    pub max_body_bytes: u64,
}

impl FetchOptions {
    /// Production defaults; `contact` (a URL or `mailto:`) goes in the user agent so site
    /// owners can reach whoever runs the crawl.
    pub fn new(contact: &str) -> FetchOptions {
        FetchOptions {
            user_agent: format!(
                "casesearch-crawler/{} (+{contact}; UK safeguarding case review search)",
                env!("CARGO_PKG_VERSION")
            ),
            robots_agent: "casesearch-crawler".into(),
            delay: Duration::from_secs(2),
            concurrency: 4,
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(120),
            url_deadline: Duration::from_secs(180),
            max_retries: 3,
            backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
            max_redirects: 10,
            max_body_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Validators from an earlier fetch, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBody {
    pub final_url: Url,
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub bytes: Vec<u8>,
}

/// Why a URL was deliberately not fetched (not a failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    RobotsDisallowed,
    /// robots.txt answered 5xx: RFC 9309 says treat the whole site as disallowed.
    RobotsUnavailable,
    /// A redirect led to a host the source does not list.
    OffSiteRedirect(String),
    /// Neither PDF nor HTML.
    UnsupportedContent,
}

impl SkipReason {
    pub fn reason(&self) -> &'static str {
        match self {
            SkipReason::RobotsDisallowed => "robots-disallowed",
            SkipReason::RobotsUnavailable => "robots-unavailable",
            SkipReason::OffSiteRedirect(_) => "off-site-redirect",
            SkipReason::UnsupportedContent => "unsupported-content",
        }
    }
}

/// What fetching one URL came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchResult {
    Fetched(FetchedBody),
    /// 304: what we stored is current.
    NotModified {
        final_url: Url,
    },
    Skipped(SkipReason),
}

enum RobotsRules {
    AllowAll,
    DisallowAll,
    Rules(Box<texting_robots::Robot>),
    /// The host could not be reached for robots.txt; every URL there fails the same way.
    Unreachable(FetchError),
}

struct HostState {
    next_request: Option<Instant>,
    delay: Duration,
    robots: Option<RobotsRules>,
}

struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The polite HTTP client. Cheap to share behind an `Arc`.
pub struct Fetcher {
    client: reqwest::Client,
    options: FetchOptions,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostState>>>>,
    in_flight: Semaphore,
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Fetcher, CrawlError> {
        let client = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .connect_timeout(options.connect_timeout)
            .timeout(options.total_timeout)
            // Redirects are followed by hand: each hop is checked and loops are named.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(CrawlError::Client)?;
        Ok(Fetcher {
            client,
            in_flight: Semaphore::new(options.concurrency.max(1)),
            options,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    fn host(&self, url: &Url) -> Arc<tokio::sync::Mutex<HostState>> {
        let key = url.origin().ascii_serialization();
        // A poisoned map only means another task panicked mid-insert; the map is still valid.
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(tokio::sync::Mutex::new(HostState {
                    next_request: None,
                    delay: self.options.delay,
                    robots: None,
                }))
            })
            .clone()
    }

    /// Fetches `url`, following redirects to hosts `allowed` accepts, with validators
    /// for a conditional request when given, within the default per-URL deadline.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        allowed: impl Fn(&Url) -> bool,
    ) -> Result<FetchResult, FetchError> {
        self.fetch_within(url, validators, allowed, self.options.url_deadline)
            .await
    }

    /// [`Fetcher::fetch`], giving each hop at most `deadline` from when it has the host
    /// to itself: retries stop there, however many the policy would allow, so one slow
    /// server cannot hold its host for attempts × timeout.
    pub async fn fetch_within(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        allowed: impl Fn(&Url) -> bool,
        deadline: Duration,
    ) -> Result<FetchResult, FetchError> {
        let mut current = url.clone();
        let mut visited: Vec<Url> = Vec::new();
        loop {
            if visited.contains(&current) {
                return Err(FetchError::RedirectLoop(current.to_string()));
            }
            if visited.len() > self.options.max_redirects {
                return Err(FetchError::TooManyRedirects(self.options.max_redirects));
            }
            if !visited.is_empty() && !allowed(&current) {
                return Ok(FetchResult::Skipped(SkipReason::OffSiteRedirect(
                    current.host_str().unwrap_or_default().to_owned(),
                )));
            }
            visited.push(current.clone());

            let host = self.host(&current);
            let mut state = host.lock().await;
            let hop_deadline = Deadline {
                at: Instant::now() + deadline,
                length: deadline,
            };
            if state.robots.is_none() {
                let rules = self.fetch_robots(&mut state, &current, hop_deadline).await;
                state.robots = Some(rules);
            }
            match &state.robots {
                Some(RobotsRules::DisallowAll) => {
                    return Ok(FetchResult::Skipped(SkipReason::RobotsUnavailable))
                }
                Some(RobotsRules::Unreachable(error)) => return Err(error.clone()),
                Some(RobotsRules::Rules(robot)) if !robot.allowed(current.as_str()) => {
                    return Ok(FetchResult::Skipped(SkipReason::RobotsDisallowed))
                }
                _ => {}
            }
            let response = self
                .send_with_retries(
                    &mut state,
                    &current,
                    validators,
                    self.options.max_body_bytes,
                    hop_deadline,
                )
                .await?;
            drop(state);

            let status = response.status;
            if status == StatusCode::NOT_MODIFIED {
                return Ok(FetchResult::NotModified { final_url: current });
            }
            if status.is_redirection() {
                let location = header_text(&response.headers, "location")
                    .and_then(|location| current.join(&location).ok())
                    .ok_or(FetchError::BadRedirect)?;
                current = location;
                continue;
            }
            if status.is_success() {
                return Ok(FetchResult::Fetched(FetchedBody {
                    final_url: current,
                    status: status.as_u16(),
                    etag: header_text(&response.headers, "etag"),
                    last_modified: header_text(&response.headers, "last-modified"),
                    bytes: response.body,
                }));
            }
            return Err(FetchError::Status {
                status: status.as_u16(),
                attempts: 1,
            });
        }
    }

    /// RFC 9309: 2xx → parse; 4xx → no rules; 5xx → disallow all; unreachable → the
    /// host's URLs fail with that error. Redirects are followed on the same origin.
    async fn fetch_robots(
        &self,
        state: &mut HostState,
        url: &Url,
        deadline: Deadline,
    ) -> RobotsRules {
        let Ok(mut robots_url) = url.join("/robots.txt") else {
            return RobotsRules::AllowAll;
        };
        for _ in 0..5 {
            let response = match self
                .send_with_retries(state, &robots_url, None, 512 * 1024, deadline)
                .await
            {
                Ok(response) => response,
                Err(FetchError::Status { status, .. }) if status >= 500 || status == 429 => {
                    return RobotsRules::DisallowAll
                }
                Err(FetchError::TooLarge { .. }) => {
                    tracing::warn!(%robots_url, "robots.txt over 512 KiB; treating as no rules");
                    return RobotsRules::AllowAll;
                }
                Err(error) => return RobotsRules::Unreachable(error),
            };
            let status = response.status;
            if status.is_redirection() {
                match header_text(&response.headers, "location")
                    .and_then(|location| robots_url.join(&location).ok())
                {
                    Some(next) if next.origin() == robots_url.origin() => {
                        robots_url = next;
                        continue;
                    }
                    _ => return RobotsRules::AllowAll,
                }
            }
            if !status.is_success() {
                return RobotsRules::AllowAll;
            }
            return match texting_robots::Robot::new(&self.options.robots_agent, &response.body) {
                Ok(robot) => {
                    if let Some(seconds) = robot.delay {
                        // Crawl-delay is honoured when slower than ours, up to a minute.
                        let asked = Duration::from_secs_f32(seconds.clamp(0.0, 60.0));
                        state.delay = state.delay.max(asked);
                    }
                    RobotsRules::Rules(Box::new(robot))
                }
                Err(error) => {
                    tracing::warn!(%robots_url, %error, "robots.txt unparseable; treating as no rules");
                    RobotsRules::AllowAll
                }
            };
        }
        RobotsRules::AllowAll
    }

    /// One request with the host's politeness and the retry policy. The caller holds the
    /// host's lock, so nothing else reaches the host meanwhile (backoff included).
    async fn send_with_retries(
        &self,
        state: &mut HostState,
        url: &Url,
        validators: Option<&Validators>,
        max_body_bytes: u64,
        deadline: Deadline,
    ) -> Result<RawResponse, FetchError> {
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Some(next) = state.next_request {
                if next >= deadline.at {
                    return Err(deadline.exceeded(attempt - 1));
                }
                tokio::time::sleep_until(next).await;
            }
            let result = {
                let _permit = self.in_flight.acquire().await;
                let left = deadline.at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(deadline.exceeded(attempt - 1));
                }
                let attempt_timeout = self.options.total_timeout.min(left);
                self.send_once(url, validators, max_body_bytes, attempt_timeout)
                    .await
            };
            if result.is_err() && Instant::now() >= deadline.at {
                return Err(deadline.exceeded(attempt));
            }
            state.next_request = Some(Instant::now() + state.delay);
            let give_up = attempt > self.options.max_retries;
            let wait = match result {
                Ok(response)
                    if response.status == StatusCode::TOO_MANY_REQUESTS
                        || response.status.is_server_error() =>
                {
                    if give_up {
                        return Err(FetchError::Status {
                            status: response.status.as_u16(),
                            attempts: attempt,
                        });
                    }
                    match retry_after(&response.headers) {
                        Some(asked) if asked > self.options.max_retry_after => {
                            return Err(FetchError::RetryAfterTooLong {
                                seconds: asked.as_secs(),
                                limit: self.options.max_retry_after.as_secs(),
                            })
                        }
                        Some(asked) => asked,
                        None => self.backoff(attempt),
                    }
                }
                Ok(response) => return Ok(response),
                Err(FetchError::Timeout { .. }) if !give_up => self.backoff(attempt),
                Err(FetchError::Timeout { .. }) => {
                    return Err(FetchError::Timeout { attempts: attempt })
                }
                Err(error) => return Err(error),
            };
            tracing::debug!(%url, attempt, ?wait, "retrying");
            let earliest = Instant::now() + wait;
            state.next_request = Some(
                state
                    .next_request
                    .map_or(earliest, |next| next.max(earliest)),
            );
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.options
            .backoff
            .saturating_mul(factor)
            .min(self.options.max_backoff)
    }

    async fn send_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        max_body_bytes: u64,
        timeout: Duration,
    ) -> Result<RawResponse, FetchError> {
        let mut request = self.client.get(url.clone()).timeout(timeout);
        if let Some(validators) = validators {
            if let Some(etag) = validators
                .etag
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = validators
                .last_modified
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
            }
        }
        let exchange = async {
            let mut response = request.send().await.map_err(classify)?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            // Only successful bodies are read: an error page's bytes are of no use.
            if status.is_success() {
                if response
                    .content_length()
                    .is_some_and(|length| length > max_body_bytes)
                {
                    return Err(FetchError::TooLarge {
                        limit: max_body_bytes,
                    });
                }
                while let Some(chunk) = response.chunk().await.map_err(classify)? {
                    if body.len() as u64 + chunk.len() as u64 > max_body_bytes {
                        return Err(FetchError::TooLarge {
                            limit: max_body_bytes,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
            }
            Ok(RawResponse {
                status,
                headers,
                body,
            })
        };
        // reqwest's own timeout covers the body too; this guard also bounds a server
        // that trickles bytes forever.
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout { attempts: 1 }),
        }
    }
}

/// When one hop must be done by.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    length: Duration,
}

impl Deadline {
    fn exceeded(&self, attempts: u32) -> FetchError {
        FetchError::DeadlineExceeded {
            millis: u64::try_from(self.length.as_millis()).unwrap_or(u64::MAX),
            attempts,
        }
    }
}

fn classify(error: reqwest::Error) -> FetchError {
    if error.is_timeout() {
        return FetchError::Timeout { attempts: 1 };
    }
    // The source chain carries the useful part ("Connection refused").
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_connect() {
        FetchError::Connect(message)
    } else {
        FetchError::Transport(message)
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header_text(headers, "retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(&value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_junk() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let mut options = FetchOptions::new("mailto:test@example.org");
        options.backoff = Duration::from_millis(100);
        options.max_backoff = Duration::from_millis(350);
        let fetcher = Fetcher::new(options).expect("client");
        let waits: Vec<u128> = (1..=4).map(|a| fetcher.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350]);
    }
}
