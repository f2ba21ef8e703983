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
        Account, AttachmentData, AuthOptions, Done, Error, Failure, FetchedMessage, FolderList,
        ModifyRequest, ModifyResult, Outgoing, PendingAuth, Provider, ProviderConfig, SavedDraft,
        SendAsList, Sent, SyncPage, SyncRequest, Thread,
    };

    /// The component's export of `email:manager/api`.
    struct Component;

    /// The real environment: wall clock, `wasi:random` and `wasi:http`.
    fn env() -> Env<WasiHttp> {
        Env {
            now: wasi::clocks::wall_clock::now().seconds,
            http: WasiHttp::default(),
        }
    }

    /// 128 random bits for a Message-ID.
    fn message_id_entropy() -> Vec<u8> {
        wasi::random::random::get_random_bytes(16)
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
        ) -> Result<SyncPage, Failure> {
            crate::ops::sync(&mut env(), &provider, &account, &request).map_err(Into::into)
        }

        fn send(provider: Provider, account: Account, message: Outgoing) -> Result<Sent, Failure> {
            let entropy = message_id_entropy();
            crate::ops::send(&mut env(), &provider, &account, &message, &entropy)
                .map_err(Into::into)
        }

        fn list_send_as(provider: Provider, account: Account) -> Result<SendAsList, Failure> {
            crate::ops::list_send_as(&mut env(), &provider, &account).map_err(Into::into)
        }

        fn list_folders(provider: Provider, account: Account) -> Result<FolderList, Failure> {
            crate::ops::list_folders(&mut env(), &provider, &account).map_err(Into::into)
        }

        fn get_message(
            provider: Provider,
            account: Account,
            id: String,
        ) -> Result<FetchedMessage, Failure> {
            crate::ops::get_message(&mut env(), &provider, &account, &id).map_err(Into::into)
        }

        fn get_thread(
            provider: Provider,
            account: Account,
            thread_id: String,
        ) -> Result<Thread, Failure> {
            crate::ops::get_thread(&mut env(), &provider, &account, &thread_id).map_err(Into::into)
        }

        fn get_attachment(
            provider: Provider,
            account: Account,
            message_id: String,
            attachment_id: String,
            max_bytes: u64,
        ) -> Result<AttachmentData, Failure> {
            crate::ops::get_attachment(
                &mut env(),
                &provider,
                &account,
                &message_id,
                &attachment_id,
                max_bytes,
            )
            .map_err(Into::into)
        }

        fn modify(
            provider: Provider,
            account: Account,
            request: ModifyRequest,
        ) -> Result<ModifyResult, Failure> {
            crate::ops::modify(&mut env(), &provider, &account, &request).map_err(Into::into)
        }

        fn save_draft(
            provider: Provider,
            account: Account,
            draft_id: Option<String>,
            message: Outgoing,
        ) -> Result<SavedDraft, Failure> {
            let entropy = message_id_entropy();
            crate::ops::save_draft(
                &mut env(),
                &provider,
                &account,
                draft_id.as_deref(),
                &message,
                &entropy,
            )
            .map_err(Into::into)
        }

        fn delete_draft(
            provider: Provider,
            account: Account,
            draft_id: String,
        ) -> Result<Done, Failure> {
            crate::ops::delete_draft(&mut env(), &provider, &account, &draft_id).map_err(Into::into)
        }

        fn send_draft(
            provider: Provider,
            account: Account,
            draft_id: String,
        ) -> Result<Sent, Failure> {
            crate::ops::send_draft(&mut env(), &provider, &account, &draft_id).map_err(Into::into)
        }
    }

    super::export!(Component);
}
