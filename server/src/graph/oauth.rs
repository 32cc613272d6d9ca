//! The OAuth code exchanges of both logins.
//! - Business Login for Instagram (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login, step 2): a form
//!   POST to `api.instagram.com/oauth/access_token`, answered with a short-lived token and the
//!   user id. Meta's documentation wraps the answer in `data: [...]` while some clients see a
//!   flat object, so both are accepted.
//! - Facebook Login (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
//!   a GET of `graph.facebook.com/vNN.0/oauth/access_token` with `client_id`, `redirect_uri`,
//!   `client_secret` and `code`, answered `{"access_token","token_type","expires_in"}`, with
//!   Graph API errors.

use serde::Deserialize;

use super::errors::{Envelope, GraphError};
use super::models::{AccessToken, TokenGrant};
use super::redact;
use super::transport;

#[derive(Debug, Deserialize)]
pub struct CodeGrant {
    pub access_token: AccessToken,
    /// App-scoped id of the Instagram user; Meta's callbacks name users by it.
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Wrapped { data: Vec<CodeGrant> },
    Flat(CodeGrant),
}

/// api.instagram.com's own error shape.
#[derive(Deserialize)]
struct OAuthError {
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    error_type: Option<String>,
}

/// Ids arrive as numbers or strings depending on the endpoint.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("unexpected id {other}"))),
    }
}

pub struct CodeExchange<'a> {
    pub token_url: &'a str,
    pub app_id: &'a str,
    pub app_secret: &'a str,
    pub redirect_uri: &'a str,
}

impl CodeExchange<'_> {
    /// Instagram's exchange.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<CodeGrant, GraphError> {
        let request = http.post(self.token_url).form(&[
            ("client_id", self.app_id),
            ("client_secret", self.app_secret),
            ("grant_type", "authorization_code"),
            ("redirect_uri", self.redirect_uri),
            ("code", code),
        ]);
        let body = answer(request).await?;
        parse_grant(&body)
    }

    /// Facebook's exchange: a short-lived user token.
    pub async fn exchange_facebook(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<TokenGrant, GraphError> {
        let request = http.get(self.token_url).query(&[
            ("client_id", self.app_id),
            ("redirect_uri", self.redirect_uri),
            ("client_secret", self.app_secret),
            ("code", code),
        ]);
        let body = answer(request).await?;
        serde_json::from_str(&body)
            .map_err(|e| GraphError::Decode(format!("code exchange answer: {e}")))
    }
}

/// A successful answer's body; otherwise the error it carries, in either of Meta's shapes.
async fn answer(request: reqwest::RequestBuilder) -> Result<String, GraphError> {
    let res = request
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .map_err(GraphError::from_transport)?;
    let status = res.status().as_u16();
    let body = transport::read_body(res, transport::TOKEN_BODY_LIMIT)
        .await
        .map_err(GraphError::from_body)?;
    if (200..300).contains(&status) {
        return Ok(body);
    }
    if let Ok(env) = serde_json::from_str::<Envelope>(&body) {
        return Err(GraphError::classify(status, env.error, None));
    }
    match serde_json::from_str::<OAuthError>(&body) {
        Ok(OAuthError {
            error_message: Some(message),
            error_type,
        }) => Err(GraphError::Other {
            code: i64::from(status),
            message: format!(
                "{}: {}",
                error_type.unwrap_or_else(|| "OAuthException".into()),
                redact::url(&message)
            ),
        }),
        _ => Err(GraphError::unparsed(status, &body)),
    }
}

fn parse_grant(body: &str) -> Result<CodeGrant, GraphError> {
    match serde_json::from_str::<Answer>(body) {
        Ok(Answer::Flat(grant)) => Ok(grant),
        Ok(Answer::Wrapped { data }) => data
            .into_iter()
            .next()
            .ok_or_else(|| GraphError::Decode("code exchange answered no token".into())),
        Err(e) => Err(GraphError::Decode(format!("code exchange answer: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_documented_answer_shapes_parse() {
        let wrapped =
            r#"{"data":[{"access_token":"IGQVJ","user_id":"17841","permissions":"a,b"}]}"#;
        let flat = r#"{"access_token":"IGQVJ","user_id":17841,"permissions":["a"]}"#;
        for body in [wrapped, flat] {
            let grant = parse_grant(body).unwrap();
            assert_eq!(grant.access_token.expose(), "IGQVJ");
            assert_eq!(grant.user_id, "17841");
        }
        assert!(parse_grant(r#"{"data":[]}"#).is_err());
        assert!(parse_grant("<html>").is_err());
    }
}
