//! Our row ids, one type each, so an account id cannot be passed where a media or user id is
//! meant. On the wire and in URLs they are plain numbers (`serde(transparent)`, `Display`,
//! `FromStr`); the server unwraps them at the store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

row_id!(
    /// A connected Instagram account (`accounts.id`), not Instagram's own user id.
    AccountId
);
row_id!(
    /// A post, reel or story we keep (`media.id`), not Instagram's media id.
    MediaId
);
row_id!(
    /// A dashboard user (`users.id`).
    UserId
);
row_id!(
    /// A workspace (`workspaces.id`): a group of accounts, say one client's.
    WorkspaceId
);
row_id!(
    /// A share link (`share_links.id`); its secret is another matter.
    ShareLinkId
);
row_id!(
    /// A personal API token (`api_tokens.id`); its secret is another matter.
    ApiTokenId
);

row_id!(
    /// A notification channel (`notify_channels.id`): an e-mail list, Slack or a webhook.
    ChannelId
);

row_id!(
    /// A scheduled report (`report_schedules.id`).
    ReportId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_numbers_on_the_wire_and_in_urls() {
        assert_eq!(serde_json::to_string(&AccountId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<MediaId>("42").unwrap(), MediaId(42));
        assert_eq!(UserId(3).to_string(), "3");
        assert_eq!("12".parse::<AccountId>(), Ok(AccountId(12)));
        assert!("x".parse::<AccountId>().is_err());
    }
}
