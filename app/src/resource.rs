//! Resources whose values travel from the server to the browser as JSON, like `Resource::new`'s,
//! but decoded from bytes: the browser then decodes a resource's value with the very code that
//! decodes server-function answers (`serde_json::from_slice`), rather than with a second copy of
//! every DTO's decoder built for `&str` input. Same JSON on the wire, a smaller WASM.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// JSON text in the page, read as bytes.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, Self::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource in [`JsonBytes`].
pub type Res<T> = Resource<T, JsonBytes>;

/// `Resource::new` in [`JsonBytes`]: reloads whenever `source` changes.
///
/// The source and fetcher are boxed before the resource is built, so the resource machinery
/// (an async derived signal and its futures) is compiled once per source and value type rather
/// than once per call site.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Res<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    boxed(
        Box::new(source),
        Box::new(move |s| Box::pin(fetcher(s)) as BoxFuture<T>),
    )
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[track_caller]
fn boxed<S, T>(
    source: Box<dyn Fn() -> S + Send + Sync>,
    fetcher: Box<dyn Fn(S) -> BoxFuture<T> + Send + Sync>,
) -> Res<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
