//! The HTTP server and the layer every vendor shares: faults, and the contract check of each
//! request and response.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use crate::model::Fault;
use crate::state::Shared;
use crate::vendors;

/// The most of a request or response body the simulator reads.
const MAX_BODY: usize = 1024 * 1024;

pub(crate) async fn serve(
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> std::io::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = vendors::table(shared.vendor)
        .router()
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            contract_and_faults,
        ))
        .with_state(shared);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((format!("http://{local}"), tx))
}

async fn collect(body: Body) -> Bytes {
    match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    }
}

async fn contract_and_faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    // Faults are for the requests that change or prove state; a harmless read (the policy,
    // which clients read before changing anything) is answered normally and leaves a queued
    // fault for the request it was meant for.
    let read = crate::vendors::table(shared.vendor)
        .reads()
        .iter()
        .any(|(m, prefix)| *m == method && path.starts_with(prefix));
    let (fault, refused, delay) = {
        let mut state = shared.state();
        let state = &mut *state;
        let fault = if read {
            None
        } else {
            state.requests += 1;
            state.next_fault()
        };
        // The edge first: the rate limit, and the network's latency.
        let refused = state
            .limiter
            .as_mut()
            .and_then(|bucket| bucket.take(std::time::Instant::now()).err());
        state.rate_limited += u64::from(refused.is_some());
        let delay = state
            .latency
            .map(|latency| latency.sample(crate::limits::roll(&mut state.jitter)));
        (fault, refused, delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(wait) = refused {
        let response = vendors::table(shared.vendor).rate_limited(wait, &path);
        return checked(&shared, &method, &path, response).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = collect(body).await;
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut violations = shared
        .contract
        .check_request(&method, &path, &headers, &bytes);
    violations.extend(shared.contract.check_query(
        &method,
        &path,
        parts.uri.query().unwrap_or_default(),
    ));
    // Like the real services, refuse a request that breaks the spec with the vendor's 400
    // (an unknown route is left to the router: 404 or 405).
    let refuse = !violations.is_empty() && shared.contract.knows(&method, &path);
    shared.state().violations.extend(violations);
    if refuse {
        let response = vendors::table(shared.vendor).error(
            StatusCode::BAD_REQUEST,
            "the request does not match the API",
            &path,
        );
        return checked(&shared, &method, &path, response).await;
    }

    match &fault {
        Some(Fault::Latency(delay)) => tokio::time::sleep(*delay).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            // A queued fault says what to send: the vendor's 429 body with this Retry-After.
            let response = vendors::with_header(
                vendors::table(shared.vendor).error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate limited",
                    &path,
                ),
                header::RETRY_AFTER,
                retry_after_secs,
            );
            return checked(&shared, &method, &path, response).await;
        }
        Some(Fault::Unavailable) => {
            let response = vendors::table(shared.vendor).error(
                StatusCode::SERVICE_UNAVAILABLE,
                "service unavailable",
                &path,
            );
            return checked(&shared, &method, &path, response).await;
        }
        Some(Fault::ProxyPage(status)) => return proxy_page(*status),
        Some(Fault::Refuse(status)) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::FORBIDDEN);
            let response = vendors::table(shared.vendor).error(status, "refused", &path);
            return checked(&shared, &method, &path, response).await;
        }
        Some(Fault::GatewayTimeout) => {
            let response = vendors::table(shared.vendor).error(
                StatusCode::GATEWAY_TIMEOUT,
                "gateway timeout",
                &path,
            );
            return checked(&shared, &method, &path, response).await;
        }
        _ => {}
    }

    let mut parts = parts;
    let (commits_before, page_at_change) = {
        let state = shared.state();
        (state.commits, state.proxy_page_at_change)
    };
    if fault == Some(Fault::NoEffect) || matches!(page_at_change, Some((_, false))) {
        parts.headers.insert(
            crate::engine::NO_EFFECT_HEADER,
            HeaderValue::from_static("1"),
        );
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if let Some((status, _)) = page_at_change {
        let mut state = shared.state();
        if state.commits > commits_before {
            state.proxy_page_at_change = None;
            return proxy_page(status);
        }
    }
    match fault {
        Some(Fault::GatewayTimeoutAfterApply) => {
            let response = vendors::table(shared.vendor).error(
                StatusCode::GATEWAY_TIMEOUT,
                "gateway timeout",
                &path,
            );
            checked(&shared, &method, &path, response).await
        }
        Some(Fault::ProxyPageAfterApply(status)) => proxy_page(status),
        Some(Fault::DropConnection) => {
            let (parts, _) = response.into_parts();
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("simulated dropped connection"))
            });
            Response::from_parts(parts, Body::from_stream(broken))
        }
        // A truncated JSON body.
        Some(Fault::MalformedBody) => {
            replace_body(&shared, &method, &path, response, r#"{"details": {"seq"#).await
        }
        // A body no spec allows for any status: the wrong JSON type at the top.
        Some(Fault::BreakContract) => {
            replace_body(&shared, &method, &path, response, r#"["broken"]"#).await
        }
        _ => checked(&shared, &method, &path, response).await,
    }
}

/// A proxy's own error page (nginx's words) with `status`.
fn proxy_page(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
        page,
    )
        .into_response()
}

/// Sends `body` as JSON in place of the handler's body (after the handler changed the state).
async fn replace_body(
    shared: &Shared,
    method: &str,
    path: &str,
    response: Response,
    body: &'static str,
) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    checked(
        shared,
        method,
        path,
        Response::from_parts(parts, Body::from(body)),
    )
    .await
}

/// Records the response's contract violations and returns it unchanged.
async fn checked(shared: &Shared, method: &str, path: &str, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = collect(body).await;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let violations =
        shared
            .contract
            .check_response(method, path, parts.status.as_u16(), content_type, &bytes);
    shared.state().violations.extend(violations);
    Response::from_parts(parts, Body::from(bytes)).into_response()
}
