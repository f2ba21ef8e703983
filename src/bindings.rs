//! The wit-bindgen glue: the generated types of the `email:manager` package and, on wasm32, the
//! exports of its `auth`, `sync`, `send` and `mailbox` interfaces, which hand each call to
//! [`crate::ops`] with the real clock, random source and `wasi:http` transport.

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
    use super::exports::email::manager::{auth, mailbox, send, sync};
    use crate::ops::Env;
    use crate::transport::WasiHttp;
    use crate::types::{
        Account, App, AppConfig, AttachmentData, AttachmentRequest, AuthOptions, Done, Error,
        Failure, FetchedMessage, FolderList, ModifyRequest, ModifyResult, Outgoing, PendingAuth,
        SavedDraft, SendAsList, Sent, SyncPage, SyncRequest, Thread,
    };

    /// The component: one type exports every interface.
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

    impl auth::Guest for Component {
        fn configure_app(config: AppConfig) -> Result<App, Error> {
            crate::config::configure(config).map_err(Into::into)
        }

        fn begin_auth(app: App, options: AuthOptions) -> Result<PendingAuth, Error> {
            let entropy =
                wasi::random::random::get_random_bytes(crate::oauth::ENTROPY_BYTES as u64);
            crate::ops::begin_auth(&app, &options, env().now, &entropy).map_err(Into::into)
        }

        fn complete_auth(
            app: App,
            pending: PendingAuth,
            callback_url: String,
        ) -> Result<Account, Error> {
            crate::ops::complete_auth(&mut env(), &app, &pending, &callback_url).map_err(Into::into)
        }

        fn refresh(app: App, account: Account) -> Result<Account, Error> {
            crate::ops::refresh(&mut env(), &app, &account).map_err(Into::into)
        }
    }

    impl sync::Guest for Component {
        fn sync(app: App, account: Account, request: SyncRequest) -> Result<SyncPage, Failure> {
            crate::ops::sync(&mut env(), &app, &account, &request).map_err(Into::into)
        }
    }

    impl send::Guest for Component {
        fn send(app: App, account: Account, message: Outgoing) -> Result<Sent, Failure> {
            let entropy = message_id_entropy();
            crate::ops::send(&mut env(), &app, &account, &message, &entropy).map_err(Into::into)
        }

        fn list_send_as(app: App, account: Account) -> Result<SendAsList, Failure> {
            crate::ops::list_send_as(&mut env(), &app, &account).map_err(Into::into)
        }

        fn save_draft(
            app: App,
            account: Account,
            draft_id: Option<String>,
            message: Outgoing,
        ) -> Result<SavedDraft, Failure> {
            let entropy = message_id_entropy();
            crate::ops::save_draft(
                &mut env(),
                &app,
                &account,
                draft_id.as_deref(),
                &message,
                &entropy,
            )
            .map_err(Into::into)
        }

        fn delete_draft(app: App, account: Account, draft_id: String) -> Result<Done, Failure> {
            crate::ops::delete_draft(&mut env(), &app, &account, &draft_id).map_err(Into::into)
        }

        fn send_draft(app: App, account: Account, draft_id: String) -> Result<Sent, Failure> {
            crate::ops::send_draft(&mut env(), &app, &account, &draft_id).map_err(Into::into)
        }
    }

    impl mailbox::Guest for Component {
        fn list_folders(app: App, account: Account) -> Result<FolderList, Failure> {
            crate::ops::list_folders(&mut env(), &app, &account).map_err(Into::into)
        }

        fn get_message(app: App, account: Account, id: String) -> Result<FetchedMessage, Failure> {
            crate::ops::get_message(&mut env(), &app, &account, &id).map_err(Into::into)
        }

        fn get_thread(app: App, account: Account, thread_id: String) -> Result<Thread, Failure> {
            crate::ops::get_thread(&mut env(), &app, &account, &thread_id).map_err(Into::into)
        }

        fn get_attachment(
            app: App,
            account: Account,
            request: AttachmentRequest,
        ) -> Result<AttachmentData, Failure> {
            crate::ops::get_attachment(&mut env(), &app, &account, &request).map_err(Into::into)
        }

        fn modify(
            app: App,
            account: Account,
            request: ModifyRequest,
        ) -> Result<ModifyResult, Failure> {
            crate::ops::modify(&mut env(), &app, &account, &request).map_err(Into::into)
        }
    }

    super::export!(Component);
}
