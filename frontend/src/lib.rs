//! The browser entry point: hydrates the server-rendered page into the live app.

use leptos::prelude::document;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Hydration is async: a page whose code is a chunk of its own (`app::routes::lazy`)
    // hydrates once that chunk has loaded.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for end-to-end tests (and curious people): the page is interactive now.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
