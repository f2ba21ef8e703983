//! The sandbox Graph mail API (`graph.microsoft.com/v1.0/me/…`): mail folders (and their
//! changes and delta), message delta, message lists, messages and attachments over the
//! Microsoft user's mailbox; flags, moves and deletions; drafts, replies and forwards,
//! attachments and upload sessions, and sending; and JSON batching (`/v1.0/$batch`).

mod attachments;
mod batch;
mod delta;
mod delta_query;
mod drafts;
mod errors;
mod folder_changes;
mod folder_delta;
mod folders;
mod ids;
mod input;
mod list;
mod manage;
mod messages;
mod mime_body;
mod render;
mod replies;
pub(crate) mod select;
mod upload;

use http::header::HeaderName;
use http::{Method, StatusCode};
use serde::Serialize;
use serde_json::value::RawValue;

use self::replies::Kind;
use crate::api;
use crate::config::Provider;
use crate::endpoint::{self, Endpoint};
use crate::state::Shared;
use crate::wire::{self, Ordered, Refusal, Request, Response};

pub(crate) use self::batch::answer as batch;
pub(crate) use self::folder_changes::{
    FolderProblem, create as create_folder, delete as delete_folder, purge as purge_folder,
    relocate as move_folder, rename as rename_folder,
};
pub(crate) use self::folders::{
    ROOT as ROOT_FOLDER, filing, folder_tree, hidden_from_sync, id_of as folder_id,
    resolve as resolve_folder,
};
pub(crate) use self::ids::{IdType, message as message_id, message_key};
pub(crate) use self::manage::move_message;
pub(crate) use self::upload::UploadSessions;

/// Where every Graph URL starts.
const ROOT: &str = "https://graph.microsoft.com";
/// The permissions that allow reading mail.
const READ_PERMISSIONS: [&str; 2] = [
    "https://graph.microsoft.com/Mail.Read",
    "https://graph.microsoft.com/Mail.ReadWrite",
];
/// The permission that allows writing mail (drafts, attachments).
const WRITE_PERMISSIONS: [&str; 1] = ["https://graph.microsoft.com/Mail.ReadWrite"];
/// The permission that allows sending mail.
const SEND_PERMISSIONS: [&str; 1] = ["https://graph.microsoft.com/Mail.Send"];

/// Answers a request under `/v1.0/me/`, `rest` being the (still encoded) segments after `me`;
/// `None` for a path that is not a mail resource.
pub(crate) fn route(shared: &Shared, request: &Request, rest: &[&str]) -> Option<Response> {
    let segments = normalize(rest);
    let names: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let endpoints: Vec<Endpoint<Call<'_>>> = match names.as_slice() {
        ["mailfolders"] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, _| {
                folders::list(call)
            }),
            (Method::POST, &WRITE_PERMISSIONS, |call, _| {
                folder_changes::create_top(call)
            }),
        ],
        ["mailfolders", "delta" | "microsoft.graph.delta"] => {
            vec![(Method::GET, &READ_PERMISSIONS, |call, _| {
                folder_delta::get(call)
            })]
        }
        ["mailfolders", _] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                folders::get(call, &s[1])
            }),
            (Method::PATCH, &WRITE_PERMISSIONS, |call, s| {
                folder_changes::update(call, &s[1])
            }),
            (Method::DELETE, &WRITE_PERMISSIONS, |call, s| {
                folder_changes::remove(call, &s[1])
            }),
        ],
        ["mailfolders", _, "childfolders"] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                folders::children(call, &s[1])
            }),
            (Method::POST, &WRITE_PERMISSIONS, |call, s| {
                folder_changes::create_child(call, &s[1])
            }),
        ],
        ["mailfolders", _, "move" | "microsoft.graph.move"] => {
            vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
                folder_changes::move_to(call, &s[1])
            })]
        }
        [
            "mailfolders",
            _,
            "permanentdelete" | "microsoft.graph.permanentdelete",
        ] => vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
            folder_changes::remove_for_good(call, &s[1])
        })],
        ["mailfolders", _, "messages"] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                list::get(call, Some(&s[1]))
            }),
            (Method::POST, &WRITE_PERMISSIONS, |call, s| {
                drafts::create(call, Some(&s[1]))
            }),
        ],
        [
            "mailfolders",
            _,
            "messages",
            "delta" | "microsoft.graph.delta",
        ] => vec![(Method::GET, &READ_PERMISSIONS, |call, s| {
            delta::get(call, &s[1])
        })],
        ["messages"] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, _| {
                list::get(call, None)
            }),
            (Method::POST, &WRITE_PERMISSIONS, |call, _| {
                drafts::create(call, None)
            }),
        ],
        ["messages", _] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                messages::get(call, &s[1])
            }),
            (Method::PATCH, &WRITE_PERMISSIONS, |call, s| {
                drafts::update(call, &s[1])
            }),
            (Method::DELETE, &WRITE_PERMISSIONS, |call, s| {
                manage::delete(call, &s[1])
            }),
        ],
        ["messages", _, "move" | "microsoft.graph.move"] => {
            vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
                manage::move_to(call, &s[1])
            })]
        }
        ["messages", _, "createreply" | "microsoft.graph.createreply"] => {
            vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
                replies::create(call, &s[1], Kind::Reply)
            })]
        }
        [
            "messages",
            _,
            "createreplyall" | "microsoft.graph.createreplyall",
        ] => {
            vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
                replies::create(call, &s[1], Kind::ReplyAll)
            })]
        }
        [
            "messages",
            _,
            "createforward" | "microsoft.graph.createforward",
        ] => {
            vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
                replies::create(call, &s[1], Kind::Forward)
            })]
        }
        ["messages", _, "send" | "microsoft.graph.send"] => {
            vec![(Method::POST, &SEND_PERMISSIONS, |call, s| {
                drafts::send(call, &s[1])
            })]
        }
        ["messages", _, "attachments"] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                attachments::list(call, &s[1])
            }),
            (Method::POST, &WRITE_PERMISSIONS, |call, s| {
                attachments::add(call, &s[1])
            }),
        ],
        [
            "messages",
            _,
            "attachments",
            "createuploadsession" | "microsoft.graph.createuploadsession",
        ] => vec![(Method::POST, &WRITE_PERMISSIONS, |call, s| {
            upload::create(call, &s[1])
        })],
        ["messages", _, "attachments", _] => vec![
            (Method::GET, &READ_PERMISSIONS, |call, s| {
                attachments::get(call, &s[1], &s[3])
            }),
            (Method::DELETE, &WRITE_PERMISSIONS, |call, s| {
                attachments::delete(call, &s[1], &s[3])
            }),
        ],
        ["messages", _, "attachments", _, "$value"] => {
            vec![(Method::GET, &READ_PERMISSIONS, |call, s| {
                attachments::value(call, &s[1], &s[3])
            })]
        }
        _ => return None,
    };
    let Some(&(_, permissions, handler)) = endpoint::find(&endpoints, &request.method) else {
        return Some(api::graph_method_not_allowed());
    };
    let grant = match api::authenticate(shared, Provider::Microsoft, request) {
        Ok(grant) => grant,
        Err(refused) => return Some(refused.response()),
    };
    if !api::has_any_scope(&grant, permissions) {
        return Some(api::graph_error(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ));
    }
    // A mailbox not enabled for REST answers every mail request, once the token and its
    // permissions pass, with 404 `MailboxNotEnabledForRESTAPI` (sources at the error).
    if !shared.mail.of(Provider::Microsoft).service().enabled {
        return Some(errors::mailbox_not_enabled());
    }
    let call = Call {
        shared,
        request,
        prefer: Prefer::of(request),
    };
    Some(handler(&call, &segments))
}

/// Answers a request to the upload URLs of attachment upload sessions (`outlook.office.com`).
pub(crate) fn attachment_session(shared: &Shared, request: &Request) -> Response {
    upload::session_request(shared, request)
}

/// Path segments decoded, with OData keys split off: `mailFolders('inbox')` becomes
/// `mailFolders`, `inbox`; `delta()` becomes `delta`.
fn normalize(rest: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for segment in rest {
        let segment = wire::percent_decode(segment, false);
        match segment.find('(') {
            Some(open) if segment.ends_with(')') => {
                out.push(segment[..open].to_owned());
                let key = segment[open + 1..segment.len() - 1].trim_matches('\'');
                if !key.is_empty() {
                    out.push(key.to_owned());
                }
            }
            _ => out.push(segment),
        }
    }
    out
}

/// One Graph mail request being answered.
pub(crate) struct Call<'a> {
    /// The sandbox.
    pub shared: &'a Shared,
    /// The request.
    pub request: &'a Request,
    /// Its `Prefer` header.
    pub prefer: Prefer,
}

impl Call<'_> {
    /// `@odata.context` base for the signed-in user: `…/$metadata#users('adele%40contoso.com')`.
    fn user_context(&self) -> String {
        let email = self.shared.config.microsoft_user.email.replace('@', "%40");
        format!("{ROOT}/v1.0/$metadata#users('{email}')")
    }

    /// A link to this request's path with `query`, on Graph's host, or on the host
    /// [`crate::Controls::foreign_next_link`] asked for when `next` is set.
    fn link(&self, query: &str, next: bool) -> String {
        let foreign = next
            .then(|| self.shared.traffic.take_foreign_host())
            .flatten();
        match foreign {
            Some(host) => format!("https://{host}{}?{query}", self.request.path),
            None => format!("{ROOT}{}?{query}", self.request.path),
        }
    }
}

/// The body type a `Prefer: outlook.body-content-type` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyType {
    /// `"text"`.
    Text,
    /// `"html"`.
    Html,
}

/// What the `Prefer` headers ask for.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Prefer {
    /// `odata.maxpagesize=N`.
    pub max_page_size: Option<usize>,
    /// `outlook.body-content-type="text"|"html"`.
    pub body: Option<BodyType>,
    /// `IdType="ImmutableId"`: the item ids of the answer are immutable ones. Source:
    /// https://learn.microsoft.com/en-us/graph/outlook-immutable-id ("This header only applies
    /// to the request it is included with"; inside a batch, a request's own headers are its
    /// headers).
    pub ids: IdType,
}

impl Prefer {
    /// Reads every `Prefer` header of `request` (comma-separated preferences; others change
    /// nothing).
    fn of(request: &Request) -> Prefer {
        let mut prefer = Prefer::default();
        let values = request.headers.get_all("prefer").iter();
        for preference in values
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
        {
            let Some((name, value)) = preference.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"');
            match name.trim().to_ascii_lowercase().as_str() {
                "odata.maxpagesize" => prefer.max_page_size = value.parse().ok().filter(|n| *n > 0),
                "idtype" if value.eq_ignore_ascii_case("ImmutableId") => {
                    prefer.ids = IdType::Immutable;
                }
                "outlook.body-content-type" => {
                    prefer.body = match value.to_ascii_lowercase().as_str() {
                        "text" => Some(BodyType::Text),
                        "html" => Some(BodyType::Html),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        prefer
    }

    /// The `Preference-Applied` of an answer that honoured the body type (and the page size,
    /// when `page_size` is set).
    fn applied(&self, page_size: bool) -> Vec<String> {
        let mut applied = Vec::new();
        if let (true, Some(size)) = (page_size, self.max_page_size) {
            applied.push(format!("odata.maxpagesize={size}"));
        }
        match self.body {
            Some(BodyType::Text) => applied.push("outlook.body-content-type=\"text\"".to_owned()),
            Some(BodyType::Html) => applied.push("outlook.body-content-type=\"html\"".to_owned()),
            None => {}
        }
        applied
    }
}

/// The `@odata.type` member of an entity of type `type_name` (`microsoft.graph.message`).
fn odata_type(type_name: &str) -> (&'static str, Box<RawValue>) {
    ("@odata.type", select::raw(&format!("#{type_name}")))
}

/// A delta entry for an item of type `type_name` gone from what the delta tracks: its
/// `@odata.type`, its `id` and `@removed` with reason `deleted`, as
/// https://learn.microsoft.com/en-us/graph/delta-query-messages shows.
fn removed(type_name: &str, id: &str) -> Vec<(&'static str, Box<RawValue>)> {
    vec![
        odata_type(type_name),
        ("id", select::raw(&id)),
        (
            "@removed",
            select::raw(&Ordered(vec![("reason", serde_json::json!("deleted"))])),
        ),
    ]
}

/// A 200 with `body` and, when there are any, the `applied` preferences.
fn ok(body: &impl Serialize, applied: &[String]) -> Response {
    answer(StatusCode::OK, body, applied)
}

/// `status` with `body` and, when there are any, the `applied` preferences.
fn answer(status: StatusCode, body: &impl Serialize, applied: &[String]) -> Response {
    let response = wire::json(status, body);
    match applied.is_empty() {
        true => response,
        false => wire::with_header(
            response,
            HeaderName::from_static("preference-applied"),
            &applied.join(", "),
        ),
    }
}

/// A number query option (`$top`, `$skip`), or Graph's 400 for one that is not a number.
fn number_option(request: &Request, name: &str) -> Result<Option<usize>, Refusal> {
    match request.query_param(name) {
        None => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|_| {
            Box::new(api::graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Invalid value '{value}' for query option '{name}'."),
            ))
        }),
    }
}
