//! Keeps secrets out of anything printable: Graph URLs carry the access token (and, for token
//! exchanges, the app secret) as query parameters, and `paging.next` URLs repeat them.

const SECRET_PARAMS: [&str; 4] = [
    "access_token",
    "client_secret",
    "fb_exchange_token",
    "input_token",
];

/// Replaces the value of every secret query parameter with `REDACTED`.
pub fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for name in SECRET_PARAMS {
            let key = format!("{name}=");
            if rest.starts_with(&key) && out.ends_with(['?', '&']) {
                out.push_str(&key);
                out.push_str("REDACTED");
                let end = rest[key.len()..]
                    .find(|c: char| c.is_whitespace() || "&#\"')<>".contains(c))
                    .map_or(rest.len(), |i| key.len() + i);
                rest = &rest[end..];
                continue 'scan;
            }
        }
        let ch = rest.chars().next().expect("rest is not empty");
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_secrets_are_redacted_wherever_they_stand() {
        assert_eq!(
            url("https://graph.instagram.com/v25.0/1/media?access_token=IGAAsecret&limit=100"),
            "https://graph.instagram.com/v25.0/1/media?access_token=REDACTED&limit=100"
        );
        assert_eq!(
            url("x?fb_exchange_token=EAAx&client_secret=s3&client_id=1"),
            "x?fb_exchange_token=REDACTED&client_secret=REDACTED&client_id=1"
        );
        assert_eq!(
            url("error for url (http://h/p?a=1&access_token=T)"),
            "error for url (http://h/p?a=1&access_token=REDACTED)"
        );
    }

    #[test]
    fn look_alike_parameters_are_left_alone() {
        assert_eq!(url("x?my_access_token=1"), "x?my_access_token=1");
        assert_eq!(url("no query at all"), "no query at all");
    }
}
