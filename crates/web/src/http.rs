//! What every answer carries and how connections are served: security headers on every
//! response, `no-store` on everything but the stylesheets, a time limit on each request, the
//! API's error envelope for a method a route does not take, and the accept loop with a time
//! limit on reading a request's head, which also ends idle keep-alive connections.
//!
//! The accept loop is hyper's own connection builder rather than `axum::serve`, which has no
//! setting for a header read time-out: without one, a client that sends half a request (or
//! one byte a minute) keeps a connection and its task for ever.

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Duration;

/// How long a client has to send a request's head, and how long a kept-alive connection may
/// wait idle for the next one.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, body included, before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// No script from anywhere but byname itself, and none inline; no framing; forms post only to
/// byname.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response, and `Cache-Control: no-store` to every one that
/// is not a stylesheet: pages, API answers and downloads may carry person data.
pub async fn security_headers(secure: bool, request: Request, next: Next) -> Response {
    let cacheable = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if secure {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Answers 408 to a request not done within [`REQUEST_TIMEOUT`] (a body sent too slowly, say).
pub async fn request_timeout(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "The request took too long.").into_response(),
    }
}

/// A method a route does not take: the API's envelope under `/api/v1`, a short page elsewhere.
pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} {} is not a method this route takes", method, uri.path()),
        )
        .into_response();
    }
    (StatusCode::METHOD_NOT_ALLOWED, "This address does not take that method.").into_response()
}

/// Serves `router` on `listener` until the process stops: each connection on a task of its own,
/// its peer address given to the handlers, its request heads read within
/// `header_read_timeout` ([`HEADER_READ_TIMEOUT`] when serving).
pub async fn serve(
    router: Router,
    listener: tokio::net::TcpListener,
    header_read_timeout: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Out of file descriptors and the like: wait a moment rather than spin.
            Err(error) => {
                tracing::warn!(error = %error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                router.clone().call(request.map(axum::body::Body::new))
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(socket), service);
            if let Err(error) = connection.await {
                tracing::debug!(error = %error, "connection ended");
            }
        });
    }
}
