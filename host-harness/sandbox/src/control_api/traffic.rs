//! The traffic and identity routes: the request log, latency, consent, limits, tokens and
//! faults.

use std::time::Duration;

use http::Method;
use serde::{Deserialize, Deserializer};

use super::{Answer, Refused, body, created, done, not_allowed, ok};
use crate::Controls;
use crate::config::Provider;
use crate::faults::{Fault, FaultKind, RandomFaults};
use crate::oauth::RefreshRefusal;
use crate::wire::Request;

/// The longest latency the control API sets: ten minutes.
const MOST_LATENCY_MS: u64 = 600_000;

/// `GET requests`: the provider requests received, in order, without secrets. `DELETE
/// requests`: forgets them.
pub(super) fn requests(controls: &Controls, request: &Request) -> Answer {
    match request.method {
        Method::GET => ok(&serde_json::json!({ "requests": controls.received() })),
        Method::DELETE => ok(&serde_json::json!({ "cleared": controls.clear_received() })),
        _ => Err(not_allowed(request)),
    }
}

/// `GET latency`, `PUT latency` `{"ms"}`: the latency added to each mail API request.
pub(super) fn latency(controls: &Controls, request: &Request) -> Answer {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Latency {
        ms: u64,
    }
    match request.method {
        Method::GET => {}
        Method::PUT => {
            let Latency { ms } = body(request)?;
            if ms > MOST_LATENCY_MS {
                return Err(Refused::bad(format!(
                    "ms must be at most {MOST_LATENCY_MS}, not {ms}"
                )));
            }
            controls.set_latency(Duration::from_millis(ms));
        }
        _ => return Err(not_allowed(request)),
    }
    let ms = u64::try_from(controls.latency().as_millis()).unwrap_or(u64::MAX);
    ok(&serde_json::json!({ "ms": ms }))
}

/// `GET consent`, `PUT consent` `{"grant"}`: whether the user consents at the next
/// authorization requests.
pub(super) fn consent(controls: &Controls, request: &Request) -> Answer {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Consent {
        grant: bool,
    }
    match request.method {
        Method::GET => {}
        Method::PUT => {
            let Consent { grant } = body(request)?;
            controls.set_consent(grant);
        }
        _ => return Err(not_allowed(request)),
    }
    ok(&serde_json::json!({ "grant": controls.consents() }))
}

/// Reads a field that may be absent (unchanged) or `null` (off): `Some(None)` for `null`.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `GET quotas`; `PUT quotas` with any of the limits (`null`: off) and the time scale.
pub(super) fn quotas(controls: &Controls, request: &Request) -> Answer {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Quotas {
        #[serde(default, deserialize_with = "nullable")]
        gmail_units_per_minute: Option<Option<u32>>,
        #[serde(default, deserialize_with = "nullable")]
        gmail_concurrent: Option<Option<usize>>,
        #[serde(default, deserialize_with = "nullable")]
        graph_concurrent: Option<Option<usize>>,
        #[serde(default, deserialize_with = "nullable")]
        graph_requests_per_ten_minutes: Option<Option<u32>>,
        #[serde(default, deserialize_with = "nullable")]
        graph_upload_bytes_per_five_minutes: Option<Option<u64>>,
        seconds_per_minute: Option<f64>,
    }
    match request.method {
        Method::GET => {}
        Method::PUT => {
            let quotas: Quotas = body(request)?;
            if let Some(scale) = quotas.seconds_per_minute
                && !(scale.is_finite() && scale > 0.0)
            {
                return Err(Refused::bad(format!(
                    "seconds_per_minute must be a positive number, not {scale}"
                )));
            }
            if quotas.gmail_concurrent == Some(Some(0)) || quotas.graph_concurrent == Some(Some(0))
            {
                return Err(Refused::bad(
                    "a concurrency limit must be at least 1 (null switches it off)",
                ));
            }
            if let Some(limit) = quotas.gmail_units_per_minute {
                controls.set_gmail_quota(limit);
            }
            if let Some(limit) = quotas.gmail_concurrent {
                controls.set_gmail_concurrency(limit);
            }
            if let Some(limit) = quotas.graph_concurrent {
                controls.set_graph_concurrency(limit);
            }
            if let Some(limit) = quotas.graph_requests_per_ten_minutes {
                controls.set_graph_request_limit(limit);
            }
            if let Some(limit) = quotas.graph_upload_bytes_per_five_minutes {
                controls.set_graph_upload_limit(limit);
            }
            if let Some(scale) = quotas.seconds_per_minute {
                controls.set_quota_time_scale(scale);
            }
        }
        _ => return Err(not_allowed(request)),
    }
    ok(&controls.quota_settings())
}

/// `POST {provider}/tokens/expire`, `POST {provider}/tokens/revoke`, `PUT
/// {provider}/tokens/refusal` `{"refusal"}`.
pub(super) fn tokens(
    controls: &Controls,
    request: &Request,
    provider: Provider,
    action: &str,
) -> Answer {
    match (&request.method, action) {
        (&Method::POST, "expire") => controls.expire_access_tokens(provider),
        (&Method::POST, "revoke") => controls.revoke(provider),
        (&Method::PUT, "refusal") => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Refusal {
                refusal: Option<String>,
            }
            let Refusal { refusal } = body(request)?;
            let refusal = match refusal.as_deref() {
                None => None,
                Some("invalid_grant") => Some(RefreshRefusal::InvalidGrant),
                Some("interaction_required") => Some(RefreshRefusal::InteractionRequired),
                Some("consent_required") => Some(RefreshRefusal::ConsentRequired),
                Some(other) => {
                    return Err(Refused::bad(format!(
                        "refusal must be invalid_grant, interaction_required, consent_required or null, not {other:?}"
                    )));
                }
            };
            controls.refuse_refresh(provider, refusal);
        }
        (_, "expire" | "revoke" | "refusal") => return Err(not_allowed(request)),
        _ => {
            return Err(Refused::missing(format!("no control at {}", request.path)));
        }
    }
    done()
}

/// A fault as the control API takes it: its kind's name and that kind's fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindBody {
    /// `status`, `closed_before_applied`, `response_lost`, `no_answer`, `slow_body`,
    /// `truncated_body`, `invalid_json` or `proxy_html`.
    kind: String,
    /// For `status` and `proxy_html`.
    status: Option<u16>,
    /// For `status`.
    retry_after: Option<u32>,
    /// For `slow_body`.
    bytes_per_second: Option<u32>,
}

impl KindBody {
    /// The fault kind it names, or what is wrong with it.
    fn kind(&self) -> Result<FaultKind, Refused> {
        let status = || match self.status {
            Some(status @ 400..=599) => Ok(status),
            Some(other) => Err(Refused::bad(format!(
                "status must be an error status from 400 to 599, not {other}"
            ))),
            None => Err(Refused::bad(format!(
                "a {} fault needs a status",
                self.kind
            ))),
        };
        let unexpected = |field: &str, given: bool| -> Result<(), Refused> {
            if given {
                Err(Refused::bad(format!(
                    "a {} fault takes no {field}",
                    self.kind
                )))
            } else {
                Ok(())
            }
        };
        if self.kind != "status" {
            unexpected("retry_after", self.retry_after.is_some())?;
        }
        if !matches!(self.kind.as_str(), "status" | "proxy_html") {
            unexpected("status", self.status.is_some())?;
        }
        if self.kind != "slow_body" {
            unexpected("bytes_per_second", self.bytes_per_second.is_some())?;
        }
        Ok(match self.kind.as_str() {
            "status" => FaultKind::Status {
                status: status()?,
                retry_after: self.retry_after,
            },
            "closed_before_applied" => FaultKind::ClosedBeforeApplied,
            "response_lost" => FaultKind::ResponseLost,
            "no_answer" => FaultKind::NoAnswer,
            "slow_body" => match self.bytes_per_second {
                Some(pace @ 1..) => FaultKind::SlowBody {
                    bytes_per_second: pace,
                },
                _ => {
                    return Err(Refused::bad(
                        "a slow_body fault needs bytes_per_second of at least 1",
                    ));
                }
            },
            "truncated_body" => FaultKind::TruncatedBody,
            "invalid_json" => FaultKind::InvalidJson,
            "proxy_html" => FaultKind::ProxyHtml { status: status()? },
            other => {
                return Err(Refused::bad(format!(
                    "unknown fault kind {other:?}: status, closed_before_applied, response_lost, no_answer, slow_body, truncated_body, invalid_json or proxy_html"
                )));
            }
        })
    }
}

/// `POST {provider}/faults`: queues a fault for the next matching requests. `GET
/// {provider}/faults`: the faults injected so far, by kind name.
pub(super) fn faults(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    match request.method {
        Method::GET => ok(&serde_json::json!({ "injected": controls.faults_injected(provider) })),
        Method::POST => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Queue {
                kind: String,
                status: Option<u16>,
                retry_after: Option<u32>,
                bytes_per_second: Option<u32>,
                #[serde(default)]
                path_contains: String,
                times: Option<usize>,
            }
            let queue: Queue = body(request)?;
            let kind = KindBody {
                kind: queue.kind,
                status: queue.status,
                retry_after: queue.retry_after,
                bytes_per_second: queue.bytes_per_second,
            }
            .kind()?;
            let times = queue.times.unwrap_or(1);
            if times == 0 {
                return Err(Refused::bad("times must be at least 1"));
            }
            let name = kind.name();
            controls.fail_next(Fault {
                provider,
                path_contains: queue.path_contains.clone(),
                kind,
                times,
            });
            created(&serde_json::json!({
                "kind": name,
                "path_contains": queue.path_contains,
                "times": times,
            }))
        }
        _ => Err(not_allowed(request)),
    }
}

/// `PUT {provider}/random-faults` `{"seed", "probability", "kinds"}`: faults drawn at random
/// from now on; `DELETE`: none.
pub(super) fn random_faults(controls: &Controls, request: &Request, provider: Provider) -> Answer {
    match request.method {
        Method::DELETE => {
            controls.set_random_faults(provider, None);
            done()
        }
        Method::PUT => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Random {
                #[serde(default)]
                seed: u64,
                probability: f64,
                kinds: Option<Vec<KindBody>>,
            }
            let random: Random = body(request)?;
            if !(0.0..=1.0).contains(&random.probability) {
                return Err(Refused::bad(format!(
                    "probability must be from 0 to 1, not {}",
                    random.probability
                )));
            }
            let kinds = match random.kinds {
                Some(kinds) if kinds.is_empty() => {
                    return Err(Refused::bad("kinds must name at least one fault"));
                }
                Some(kinds) => kinds.iter().map(KindBody::kind).collect::<Result<_, _>>()?,
                None => FaultKind::transient(),
            };
            let names: Vec<String> = kinds.iter().map(FaultKind::name).collect();
            controls.set_random_faults(
                provider,
                Some(RandomFaults {
                    seed: random.seed,
                    probability: random.probability,
                    kinds,
                }),
            );
            ok(&serde_json::json!({
                "seed": random.seed,
                "probability": random.probability,
                "kinds": names,
            }))
        }
        _ => Err(not_allowed(request)),
    }
}
