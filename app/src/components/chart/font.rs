//! The font the server draws and measures chart text with: Noto Sans, embedded in the binary
//! (so a server without fonts draws the same charts), registered once as plotters'
//! "sans-serif".

use std::sync::Once;

use plotters::style::{register_font, FontStyle};

pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if register_font("sans-serif", FontStyle::Normal, notosans::REGULAR_TTF).is_err() {
            tracing::error!("chart: the embedded font could not be read");
        }
    });
}
