//! The wit-bindgen glue: the generated types of the `email:manager` package and, on wasm32, the
//! export of the `api` interface, which hands each call to [`crate::ops`] with the real clock,
//! random source and `wasi:http` transport.

wit_bindgen::generate!({
    world: "email-manager",
    path: "wit",
    with: {
        "wasi:http/outgoing-handler@0.2.12": wasi::http::outgoing_handler,
        "wasi:http/types@0.2.12": wasi::http::types,
        "wasi:io/poll@0.2.12": wasi::io::poll,
        "wasi:io/error@0.2.12": wasi::io::error,
        "wasi:io/streams@0.2.12": wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": wasi::clocks::monotonic_clock,
        "wasi:clocks/wall-clock@0.2.12": wasi::clocks::wall_clock,
        "wasi:random/random@0.2.12": wasi::random::random,
    },
    additional_derives: [PartialEq, Eq],
    default_bindings_module: "crate::bindings",
});

#[cfg(target_arch = "wasm32")]
mod component {
    use super::exports::email::manager::api::Guest;
    use crate::ops::Env;
    use crate::transport::WasiHttp;
    use crate::types::{
        Account, AuthOptions, Error, Outgoing, PendingAuth, Provider, ProviderConfig, SendAsList,
        Sent, SyncPage, SyncRequest,
    };

    /// The component's export of `email:manager/api`.
    struct Component;

    /// The real environment: wall clock, `wasi:random` and `wasi:http`.
    fn env() -> Env<WasiHttp> {
        Env {
            now: wasi::clocks::wall_clock::now().seconds,
            http: WasiHttp,
        }
    }

    impl Guest for Component {
        fn configure_provider(config: ProviderConfig) -> Result<Provider, Error> {
            crate::config::configure(config).map_err(Into::into)
        }

        fn begin_auth(provider: Provider, options: AuthOptions) -> Result<PendingAuth, Error> {
            let entropy =
                wasi::random::random::get_random_bytes(crate::oauth::ENTROPY_BYTES as u64);
            crate::ops::begin_auth(&provider, &options, env().now, &entropy).map_err(Into::into)
        }

        fn complete_auth(
            provider: Provider,
            pending: PendingAuth,
            callback_url: String,
        ) -> Result<Account, Error> {
            crate::ops::complete_auth(&mut env(), &provider, &pending, &callback_url)
                .map_err(Into::into)
        }

        fn refresh(provider: Provider, account: Account) -> Result<Account, Error> {
            crate::ops::refresh(&mut env(), &provider, &account).map_err(Into::into)
        }

        fn sync(
            provider: Provider,
            account: Account,
            request: SyncRequest,
        ) -> Result<SyncPage, Error> {
            crate::ops::sync(&mut env(), &provider, &account, &request).map_err(Into::into)
        }

        fn send(provider: Provider, account: Account, message: Outgoing) -> Result<Sent, Error> {
            let entropy = wasi::random::random::get_random_bytes(16);
            crate::ops::send(&mut env(), &provider, &account, &message, &entropy)
                .map_err(Into::into)
        }

        fn list_send_as(provider: Provider, account: Account) -> Result<SendAsList, Error> {
            crate::ops::list_send_as(&mut env(), &provider, &account).map_err(Into::into)
        }
    }

    super::export!(Component);
}
