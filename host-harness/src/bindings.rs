//! Host bindings of the `email:manager` world, generated from `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "email-manager",
    with: {
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "wasi:random": wasmtime_wasi::p2::bindings::random,
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
    },
    require_store_data_send: true,
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
});
