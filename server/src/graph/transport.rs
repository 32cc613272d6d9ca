//! Bounds on every outbound conversation (the Graph API, Instagram's OAuth code exchange,
//! Google's token endpoint, BigQuery): how long to wait for a connection and for a whole
//! answer, how much of an answer to read, and how many pages of one listing to follow. A
//! server that never answers, answers without end or pages without end costs a bounded
//! wait, a bounded amount of memory and a bounded number of requests, and the caller gets an
//! error that says which bound was hit.

use std::collections::HashSet;
use std::time::Duration;

/// Longest wait for a connection (TCP and TLS) to any API.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a request may take, its answer read to the end included, unless the caller sets
/// its own (the Graph API's `GraphConfig::timeout`, BigQuery's `--bigquery-timeout-secs`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest answer read from the Graph API or BigQuery. A page of 100 media with their
/// insights is about 150 KiB; a BigQuery answer of ours (job status, a table listing of
/// 1,000 tables, a COUNT) well under 1 MiB.
pub const BODY_LIMIT: usize = 16 << 20;
/// Largest answer read from a token endpoint: a token and a few fields take under 4 KiB.
pub const TOKEN_BODY_LIMIT: usize = 1 << 20;
/// Pages of one listing followed before it counts as endless: 1,000 pages of 100 media is
/// 100,000 posts, beyond any account's history since the last sync.
pub const MAX_PAGES: usize = 1_000;

/// The HTTP client every outbound call shares: a connect timeout, and an overall timeout for
/// requests that set none of their own.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .user_agent(concat!("instalytics/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
}

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {} MiB; refused", limit >> 20)]
    TooLarge { limit: usize },
    /// Broken off, or the request's timeout passed while reading. The error may name the URL
    /// (and a token in it): callers strip it before showing it.
    #[error(transparent)]
    Transport(reqwest::Error),
}

/// Reads `res` to the end as text, refusing it once it passes `limit` bytes: a declared
/// length above the limit is refused before reading, an undeclared one chunk by chunk, so
/// at most `limit` bytes (plus one chunk) are ever held. Invalid UTF-8 is replaced, as
/// `Response::text` does.
pub async fn read_body(mut res: reqwest::Response, limit: usize) -> Result<String, BodyError> {
    let declared = res.content_length().unwrap_or(0);
    if declared > limit as u64 {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(declared as usize);
    while let Some(chunk) = res.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// A failure below HTTP as text without the URL (it may carry a token); a timeout says so,
/// since `reqwest` prints it as a bare "error sending request".
pub fn describe(err: reqwest::Error) -> String {
    let timeout = err.is_timeout();
    let text = err.without_url().to_string();
    if timeout {
        format!("timed out: {text}")
    } else {
        text
    }
}

/// Why a listing was given up.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Endless {
    #[error("stopped after {MAX_PAGES} pages")]
    TooManyPages,
    #[error("the next page repeats a cursor already followed")]
    RepeatedCursor,
}

/// Counts the pages of one listing and remembers its cursors, to stop one that never ends.
pub struct PageCap {
    fetched: usize,
    seen: HashSet<String>,
}

impl Default for PageCap {
    fn default() -> Self {
        Self::new()
    }
}

impl PageCap {
    /// For a listing whose first page is about to be asked for.
    pub fn new() -> Self {
        Self {
            fetched: 1,
            seen: HashSet::new(),
        }
    }

    /// Before asking for the page `cursor` (the `after` cursor, the `next` URL or the page
    /// token) names: refused past [`MAX_PAGES`] pages or when the cursor came before.
    pub fn follow(&mut self, cursor: &str) -> Result<(), Endless> {
        if self.fetched >= MAX_PAGES {
            return Err(Endless::TooManyPages);
        }
        if !self.seen.insert(cursor.to_owned()) {
            return Err(Endless::RepeatedCursor);
        }
        self.fetched += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_may_follow_up_to_the_cap_and_never_a_cursor_twice() {
        let mut cap = PageCap::new();
        for page in 1..MAX_PAGES {
            cap.follow(&format!("c{page}")).unwrap();
        }
        assert_eq!(cap.follow("one more"), Err(Endless::TooManyPages));
        let mut cap = PageCap::new();
        cap.follow("a").unwrap();
        cap.follow("b").unwrap();
        assert_eq!(cap.follow("a"), Err(Endless::RepeatedCursor));
    }
}
