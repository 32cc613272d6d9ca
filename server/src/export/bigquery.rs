//! A small client for BigQuery's REST API v2: datasets and tables, NDJSON load jobs and
//! queries. The base URL is configuration (Google's, or a local emulator). Every answer is
//! checked both ways BigQuery reports failure: the HTTP status and the job's own
//! `errorResult` / `errors` (a failed query can come back as HTTP 200).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::token::{TokenError, TokenSource};
use super::Unanswered;
use crate::graph::transport::{PageCap, BODY_LIMIT};

/// How long a job is polled before the attempt counts as timed out (the job may still
/// finish; re-sending is safe because every batch is merged on its natural key).
const JOB_WAIT: Duration = Duration::from_secs(300);
const POLL_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum BqError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("BigQuery refused the access token (HTTP 401): {0}")]
    Unauthorized(String),
    #[error("the service account is not allowed to do this: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("BigQuery rejected the request: {0}")]
    Invalid(String),
    #[error("BigQuery is unavailable: {0}")]
    Unavailable(String),
    #[error("BigQuery answered something unexpected: {0}")]
    Protocol(String),
}

impl BqError {
    /// Worth retrying as is: outages, timeouts, rate limits, and an expired token.
    pub fn is_transient(&self) -> bool {
        match self {
            BqError::Token(e) => e.is_transient(),
            BqError::Unavailable(_) | BqError::Unauthorized(_) => true,
            _ => false,
        }
    }

    /// From a job's `errorResult` (`{reason, message}`).
    fn from_job(error: &Value) -> Self {
        let message = error["message"].as_str().unwrap_or("job failed").to_owned();
        match error["reason"].as_str().unwrap_or_default() {
            "notFound" => BqError::NotFound(message),
            "accessDenied" => BqError::Forbidden(message),
            "backendError" | "internalError" | "rateLimitExceeded" | "jobInternalError" => {
                BqError::Unavailable(message)
            }
            _ => BqError::Invalid(message),
        }
    }
}

/// Where the API lives and which project/location it works in.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `https://bigquery.googleapis.com`, or an emulator's root.
    pub base: String,
    pub project: String,
    pub location: String,
    /// Per-request timeout.
    pub timeout: Duration,
}

pub struct BigQuery {
    http: reqwest::Client,
    endpoint: Endpoint,
    tokens: Arc<TokenSource>,
}

/// A named query parameter: name, BigQuery type, value.
pub type Param<'a> = (&'a str, &'a str, String);

impl BigQuery {
    pub fn new(http: reqwest::Client, endpoint: Endpoint, tokens: Arc<TokenSource>) -> Self {
        Self {
            http,
            endpoint,
            tokens,
        }
    }

    pub fn project(&self) -> &str {
        &self.endpoint.project
    }

    pub fn location(&self) -> &str {
        &self.endpoint.location
    }

    fn api(&self, path: &str) -> String {
        format!(
            "{}/bigquery/v2/projects/{}{path}",
            self.endpoint.base.trim_end_matches('/'),
            self.endpoint.project
        )
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, BqError> {
        let token = self.tokens.token().await?;
        let request = request.bearer_auth(token).timeout(self.endpoint.timeout);
        let (status, body) = super::send(request, BODY_LIMIT)
            .await
            .map_err(|e| match e {
                Unanswered::Transport(text) => BqError::Unavailable(text),
                Unanswered::TooLarge(limit) => BqError::Protocol(format!(
                    "an answer larger than {} MiB; refused",
                    limit >> 20
                )),
            })?;
        if status.is_success() {
            if body.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&body).map_err(|_| {
                BqError::Protocol(format!("HTTP {status} with a body that is not JSON"))
            });
        }
        let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let message = parsed["error"]["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}"));
        Err(match status.as_u16() {
            401 => {
                self.tokens.forget().await;
                BqError::Unauthorized(message)
            }
            403 if parsed["error"]["errors"][0]["reason"] == "rateLimitExceeded" => {
                BqError::Unavailable(message)
            }
            403 => BqError::Forbidden(message),
            404 => BqError::NotFound(message),
            408 | 429 | 500..=599 => BqError::Unavailable(message),
            _ => BqError::Invalid(message),
        })
    }

    pub async fn dataset(&self, dataset: &str) -> Result<Value, BqError> {
        self.send(self.http.get(self.api(&format!("/datasets/{dataset}"))))
            .await
    }

    /// The table's metadata, or `None` when it does not exist.
    pub async fn table(&self, dataset: &str, table: &str) -> Result<Option<Value>, BqError> {
        let url = self.api(&format!("/datasets/{dataset}/tables/{table}"));
        match self.send(self.http.get(url)).await {
            Ok(t) => Ok(Some(t)),
            Err(BqError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every table of the dataset as `(name, created at in Unix milliseconds)`.
    pub async fn list_tables(&self, dataset: &str) -> Result<Vec<(String, i64)>, BqError> {
        let url = self.api(&format!("/datasets/{dataset}/tables"));
        let mut tables = Vec::new();
        let mut page: Option<String> = None;
        let mut cap = PageCap::new();
        loop {
            let mut request = self.http.get(&url).query(&[("maxResults", "1000")]);
            if let Some(token) = &page {
                request = request.query(&[("pageToken", token)]);
            }
            let answer = self.send(request).await?;
            for t in answer["tables"].as_array().into_iter().flatten() {
                if let Some(name) = t["tableReference"]["tableId"].as_str() {
                    // BigQuery sends int64 as a JSON string.
                    let created = t["creationTime"]
                        .as_str()
                        .and_then(|c| c.parse().ok())
                        .or_else(|| t["creationTime"].as_i64())
                        .unwrap_or(0);
                    tables.push((name.to_owned(), created));
                }
            }
            match answer["nextPageToken"].as_str() {
                Some(token) if !token.is_empty() => {
                    cap.follow(token).map_err(|why| {
                        BqError::Protocol(format!(
                            "the table listing of {dataset} did not end: {why}"
                        ))
                    })?;
                    page = Some(token.to_owned());
                }
                _ => return Ok(tables),
            }
        }
    }

    pub async fn create_table(&self, dataset: &str, table: Value) -> Result<(), BqError> {
        let url = self.api(&format!("/datasets/{dataset}/tables"));
        self.send(self.http.post(url).json(&table)).await.map(drop)
    }

    /// Replaces the table's schema (BigQuery only lets columns be added this way).
    pub async fn patch_schema(
        &self,
        dataset: &str,
        table: &str,
        fields: Value,
    ) -> Result<(), BqError> {
        let url = self.api(&format!("/datasets/{dataset}/tables/{table}"));
        let body = json!({ "schema": { "fields": fields } });
        self.send(self.http.patch(url).json(&body)).await.map(drop)
    }

    /// Deletes the table; one that is already gone is fine.
    pub async fn delete_table(&self, dataset: &str, table: &str) -> Result<(), BqError> {
        let url = self.api(&format!("/datasets/{dataset}/tables/{table}"));
        match self.send(self.http.delete(url)).await {
            Ok(_) | Err(BqError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Loads newline-delimited JSON into `table` (replacing its contents, creating it with
    /// `fields` if missing) and waits for the load job to finish.
    pub async fn load_ndjson(
        &self,
        dataset: &str,
        table: &str,
        fields: &Value,
        rows: Vec<u8>,
    ) -> Result<(), BqError> {
        let config = json!({
            "configuration": { "load": {
                "destinationTable": {
                    "projectId": self.endpoint.project, "datasetId": dataset, "tableId": table,
                },
                "sourceFormat": "NEWLINE_DELIMITED_JSON",
                "writeDisposition": "WRITE_TRUNCATE",
                "createDisposition": "CREATE_IF_NEEDED",
                "schema": { "fields": fields },
            }},
            "jobReference": { "location": self.endpoint.location },
        });
        let boundary = format!("instalytics-{:016x}", rand::random::<u64>());
        let mut body = format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{config}\r\n\
             --{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&rows);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = format!(
            "{}/upload/bigquery/v2/projects/{}/jobs?uploadType=multipart",
            self.endpoint.base.trim_end_matches('/'),
            self.endpoint.project
        );
        let request = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/related; boundary={boundary}"),
            )
            .body(body);
        let job = self.send(request).await?;
        self.finish_job(job).await.map(drop)
    }

    /// Polls a job until it is done; its `errorResult` becomes the error.
    async fn finish_job(&self, mut job: Value) -> Result<Value, BqError> {
        let started = tokio::time::Instant::now();
        loop {
            if job["status"]["state"] == "DONE" {
                return match job["status"].get("errorResult") {
                    Some(error) if !error.is_null() => Err(BqError::from_job(error)),
                    _ => Ok(job),
                };
            }
            if started.elapsed() > JOB_WAIT {
                return Err(BqError::Unavailable(
                    "the job did not finish in time".into(),
                ));
            }
            // Poll by the id BigQuery returned: emulators ignore client-chosen job ids.
            let id = job["jobReference"]["jobId"]
                .as_str()
                .ok_or_else(|| BqError::Protocol("a job without an id".into()))?
                .to_owned();
            tokio::time::sleep(POLL_EVERY).await;
            let url = self.api(&format!("/jobs/{id}"));
            job = self
                .send(self.http.get(url).query(&[("location", self.location())]))
                .await?;
        }
    }

    /// Runs standard SQL with named parameters; returns the rows as strings (TIMESTAMPs as
    /// int64 microseconds, the same on BigQuery and the emulator) and, for DML, the rows
    /// affected.
    pub async fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<QueryOutput, BqError> {
        let params: Vec<Value> = params
            .iter()
            .map(|(name, kind, value)| {
                json!({
                    "name": name,
                    "parameterType": { "type": kind },
                    "parameterValue": { "value": value },
                })
            })
            .collect();
        let body = json!({
            "query": sql,
            "useLegacySql": false,
            "parameterMode": "NAMED",
            "queryParameters": params,
            "location": self.endpoint.location,
            "timeoutMs": 60_000,
            "formatOptions": { "useInt64Timestamp": true },
        });
        let mut answer = self
            .send(self.http.post(self.api("/queries")).json(&body))
            .await?;
        let started = tokio::time::Instant::now();
        loop {
            if let Some(error) = answer["errors"].as_array().and_then(|e| e.first()) {
                return Err(BqError::from_job(error));
            }
            if answer["jobComplete"] == true {
                return Ok(QueryOutput::from_response(&answer));
            }
            if started.elapsed() > JOB_WAIT {
                return Err(BqError::Unavailable(
                    "the query did not finish in time".into(),
                ));
            }
            let id = answer["jobReference"]["jobId"]
                .as_str()
                .ok_or_else(|| BqError::Protocol("a query without a job id".into()))?
                .to_owned();
            let url = self.api(&format!("/queries/{id}"));
            answer = self
                .send(self.http.get(url).query(&[
                    ("location", self.location()),
                    ("timeoutMs", "10000"),
                    ("formatOptions.useInt64Timestamp", "true"),
                ]))
                .await?;
        }
    }
}

#[derive(Debug, Default)]
pub struct QueryOutput {
    pub rows: Vec<Vec<Option<String>>>,
    pub dml_affected: Option<u64>,
}

impl QueryOutput {
    fn from_response(answer: &Value) -> Self {
        let rows = answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| {
                        row["f"]
                            .as_array()
                            .map(|cells| {
                                cells
                                    .iter()
                                    .map(|c| c["v"].as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let dml_affected = answer["numDmlAffectedRows"]
            .as_str()
            .and_then(|n| n.parse().ok());
        Self { rows, dml_affected }
    }

    /// The first cell of the first row as a number (COUNT, SUM).
    pub fn scalar(&self) -> Option<i64> {
        self.rows.first()?.first()?.as_ref()?.parse().ok()
    }
}
