//! The simulator's HTTP surface and server. The Admin API answers at
//! `/admin/api/2026-07/graphql.json` on a shop's host (`Host: example.myshopify.com`) or under
//! the path prefix `/shops/example.myshopify.com/admin/api/2026-07/graphql.json`; OAuth, the
//! control API and the merchant pages have routes of their own (see their modules).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::faults::FaultKind;
use crate::graphql::{self, cost, Caller, GraphqlRequest};
use crate::journal::ApiCall;
use crate::schema::{admin_schema, API_VERSION};
use crate::state::{TokenKind, World};
use crate::Sim;

/// Builds the router of a simulator.
pub fn router(sim: Sim) -> Router {
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql_by_host))
        .route(
            "/shops/{shop}/admin/api/{version}/graphql.json",
            post(graphql_by_path),
        )
        .merge(crate::oauth::router())
        .merge(crate::control::router())
        .merge(crate::pages::router())
        .with_state(sim)
}

/// Starts simulators.
#[derive(Debug)]
pub struct SimServer;

/// A simulator serving HTTP.
#[derive(Debug)]
pub struct RunningSim {
    /// The simulator (state, faults, journal).
    pub sim: Sim,
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// Serves `sim` on `listen` (port 0 picks a free port) until [`RunningSim::stop`].
    pub async fn start(sim: Sim, listen: SocketAddr) -> std::io::Result<RunningSim> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        sim.set_base_url(format!("http://{addr}"));
        let shutdown = CancellationToken::new();
        let app = router(sim.clone());
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "shopify-sim server failed");
            }
        });
        Ok(RunningSim {
            sim,
            addr,
            shutdown,
            task,
        })
    }
}

impl RunningSim {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The Admin API endpoint of a shop (path form).
    pub fn graphql_url(&self, shop: &str) -> String {
        format!(
            "{}/shops/{shop}/admin/api/{API_VERSION}/graphql.json",
            self.url()
        )
    }

    /// Stops serving.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

async fn graphql_by_host(
    State(sim): State<Sim>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    graphql_endpoint(sim, host, version, headers, body).await
}

async fn graphql_by_path(
    State(sim): State<Sim>,
    Path((shop, version)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    graphql_endpoint(sim, shop, version, headers, body).await
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "errors": "Not Found" })),
    )
        .into_response()
}

/// An answer that never arrives: headers go out, then the connection breaks.
pub(crate) fn broken_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by shopify-sim",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn status_response(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if status == StatusCode::TOO_MANY_REQUESTS {
        json!({ "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." })
    } else {
        json!({ "errors": "Internal Server Error" })
    };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("2"));
    }
    response
}

/// Finds the caller of a token on a shop: an installed app's live token.
pub(crate) fn authenticate(world: &World, shop: &str, token: &str) -> Option<Caller> {
    let shop = world.shop(shop)?;
    let now = Utc::now();
    shop.installations
        .values()
        .filter(|i| i.installed)
        .find_map(|installation| {
            installation
                .tokens
                .iter()
                .find(|t| t.token == token && !t.revoked && t.expires_at.is_none_or(|e| e > now))
                .map(|t| Caller {
                    shop: shop.domain.clone(),
                    api_key: installation.api_key.clone(),
                    scopes: t.scopes.clone(),
                    token_kind: t.kind,
                })
        })
}

struct Recorder<'a> {
    sim: &'a Sim,
    started: Instant,
    call: ApiCall,
}

impl Recorder<'_> {
    fn finish(mut self, outcome: &str, http_status: u16, response: Response) -> Response {
        self.call.outcome = outcome.to_owned();
        self.call.http_status = http_status;
        self.call.duration_ms = self.started.elapsed().as_millis() as u64;
        tracing::debug!(shop = %self.call.shop, operation = ?self.call.root_fields, outcome, "admin api call");
        self.sim.journal().record_call(self.call);
        response
    }
}

async fn graphql_endpoint(
    sim: Sim,
    shop: String,
    version: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let shop = shop.to_ascii_lowercase();
    if version != API_VERSION || !sim.read(|w| w.shop(&shop).is_some()) {
        return not_found();
    }
    let mut rec = Recorder {
        sim: &sim,
        started: Instant::now(),
        call: ApiCall {
            seq: 0,
            at: Utc::now(),
            shop: shop.clone(),
            app: None,
            operation_name: None,
            root_fields: Vec::new(),
            variables: Value::Null,
            requested_cost: None,
            actual_cost: None,
            outcome: String::new(),
            http_status: 0,
            duration_ms: 0,
        },
    };
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(caller) = sim.read(|w| authenticate(w, &shop, token)) else {
        let body = json!({ "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)" });
        return rec.finish(
            "unauthorized",
            401,
            (StatusCode::UNAUTHORIZED, Json(body)).into_response(),
        );
    };
    rec.call.app = Some(caller.api_key.clone());
    let request: GraphqlRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let body = json!({ "errors": { "query": [format!("Required parameter missing or invalid: {e}")] } });
            return rec.finish(
                "invalid",
                400,
                (StatusCode::BAD_REQUEST, Json(body)).into_response(),
            );
        }
    };
    rec.call.variables = request.variables.clone().unwrap_or(Value::Null);
    let prepared = match graphql::prepare(&request) {
        Ok(p) => p,
        Err(body) => return rec.finish("invalid", 200, Json(body).into_response()),
    };
    rec.call.operation_name = prepared.operation_name.clone();
    rec.call.root_fields = prepared.root_fields.clone();
    let schema = admin_schema();
    let Ok(operation) = prepared
        .document
        .operations
        .get(prepared.operation_name.as_deref())
    else {
        return rec.finish(
            "invalid",
            200,
            Json(json!({ "errors": [{ "message": "No operation" }] })).into_response(),
        );
    };
    let requested =
        cost::requested_cost(schema, &prepared.document, operation, &prepared.variables);
    rec.call.requested_cost = Some(requested);
    if requested > cost::SINGLE_QUERY_MAX {
        let body = json!({ "errors": [{
            "message": format!("Query cost is {requested}, which exceeds the single query max cost limit ({}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n", cost::SINGLE_QUERY_MAX),
            "extensions": { "code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": cost::SINGLE_QUERY_MAX }
        }]});
        return rec.finish("max_cost_exceeded", 200, Json(body).into_response());
    }

    let roots: Vec<&str> = prepared.root_fields.iter().map(String::as_str).collect();
    let faults = sim.faults().fire(&shop, &roots, false);
    let mut after = None;
    for fault in faults {
        match fault {
            FaultKind::Latency { ms } => tokio::time::sleep(Duration::from_millis(ms)).await,
            FaultKind::Status { status } => {
                return rec.finish(
                    &format!("fault_status_{status}"),
                    status,
                    status_response(status),
                )
            }
            FaultKind::ConnectionReset => {
                return rec.finish("fault_connection_reset", 0, broken_response())
            }
            FaultKind::Timeout { ms } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                return rec.finish("fault_timeout", 0, broken_response());
            }
            FaultKind::Throttled => {
                let config = sim.read(|w| w.shop(&shop).map(|s| s.throttle).unwrap_or_default());
                let status = sim.buckets().refund(&shop, &caller.api_key, config, 0.0);
                return rec.finish("fault_throttled", 200, throttled(requested, status));
            }
            FaultKind::CommitThenLose | FaultKind::CommitThenStatus { .. } => after = Some(fault),
            FaultKind::Drop
            | FaultKind::Duplicate
            | FaultKind::Delay { .. }
            | FaultKind::Reorder => {}
        }
    }

    let config = sim.read(|w| w.shop(&shop).map(|s| s.throttle).unwrap_or_default());
    if let Err(status) =
        sim.buckets()
            .try_spend(&shop, &caller.api_key, config, f64::from(requested))
    {
        return rec.finish("throttled", 200, throttled(requested, status));
    }
    let mut body = sim.mutate(|world| graphql::execute(world, &caller, &prepared));
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let actual = cost::actual_cost(
        schema,
        &prepared.document,
        operation,
        &prepared.variables,
        &data,
    )
    .min(requested);
    rec.call.actual_cost = Some(actual);
    let status = sim.buckets().refund(
        &shop,
        &caller.api_key,
        config,
        f64::from(requested - actual),
    );
    body["extensions"] = json!({ "cost": {
        "requestedQueryCost": requested,
        "actualQueryCost": actual,
        "throttleStatus": status.to_json(),
    }});
    let outcome = if body.get("errors").is_some() {
        "errors"
    } else if has_user_errors(&data) {
        "user_errors"
    } else {
        "ok"
    };
    match after {
        Some(FaultKind::CommitThenLose) => rec.finish(
            &format!("{outcome}+fault_commit_then_lose"),
            0,
            broken_response(),
        ),
        Some(FaultKind::CommitThenStatus { status }) => rec.finish(
            &format!("{outcome}+fault_commit_then_status_{status}"),
            status,
            status_response(status),
        ),
        _ => rec.finish(outcome, 200, Json(body).into_response()),
    }
}

fn throttled(requested: u32, status: crate::throttle::ThrottleStatus) -> Response {
    Json(json!({
        "errors": [{
            "message": "Throttled",
            "extensions": { "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits" }
        }],
        "extensions": { "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": null,
            "throttleStatus": status.to_json(),
        }}
    }))
    .into_response()
}

fn has_user_errors(data: &Value) -> bool {
    data.as_object().is_some_and(|root| {
        root.values().any(|payload| {
            payload.as_object().is_some_and(|p| {
                p.iter().any(|(k, v)| {
                    k.ends_with("serErrors") && v.as_array().is_some_and(|a| !a.is_empty())
                })
            })
        })
    })
}

/// Whether a token kind may call `orderCreate` (offline only, as Shopify requires since 2024-10).
pub(crate) fn offline_only(kind: TokenKind) -> bool {
    kind == TokenKind::Offline
}
