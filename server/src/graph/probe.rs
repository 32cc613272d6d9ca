//! Single requests as `instalytics doctor` makes them: no retries, no pacing, Meta's usage
//! headers kept as sent, so an operator sees exactly what Meta answered.

use super::client::GraphClient;
use super::errors::GraphError;

/// One request's outcome.
#[derive(Debug)]
pub struct Probe {
    pub status: u16,
    /// `X-App-Usage`, as sent.
    pub app_usage: Option<String>,
    /// `X-Business-Use-Case-Usage`, as sent.
    pub business_usage: Option<String>,
    /// The body on success; Meta's error, classified, otherwise.
    pub result: Result<serde_json::Value, GraphError>,
}

impl GraphClient {
    /// `GET {base}/{path}?{params}` with this client's token, once.
    pub async fn probe(&self, path: &str, params: &[(&str, &str)]) -> Result<Probe, GraphError> {
        let answer = self.send(self.url(self.base(), path, params)?).await?;
        let [app_usage, business_usage] = answer.usage_headers.clone();
        Ok(Probe {
            status: answer.status,
            app_usage,
            business_usage,
            result: answer.decode(),
        })
    }
}
